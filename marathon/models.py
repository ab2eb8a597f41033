"""Imports every model so that Alembic and ``db.create_all`` see the whole schema."""

from marathon.accounts.models import LoginSession, User
from marathon.batches.models import Batch
from marathon.cases.models import Case, Outcome
from marathon.events.models import Event, HandCount
from marathon.groups.models import Group
from marathon.letters.models import Letter
from marathon.reports.models import ReportImport
from marathon.tally.models import TallyCount, TallyRollup

__all__ = [
    "Batch",
    "Case",
    "Event",
    "Group",
    "HandCount",
    "Letter",
    "LoginSession",
    "Outcome",
    "ReportImport",
    "TallyCount",
    "TallyRollup",
    "User",
]
