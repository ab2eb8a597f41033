"""What the tests make: groups, accounts, events, cases, counts, and the world they share.

Everything goes through the app's own services where one exists (``create_group``,
``create_user``, ``create_event``, ``add_to_tally``, ``add_hand_count``), so a test starts from data
the app could have made itself. Each factory takes the app and works inside its app context (the
one already open, or one of its own).

:func:`make_world` is the one world builder: two groups (ours and another), a coordinator each,
the section's admin and an event each, plus on request the past event, the counted letters of the
reports or one of everything a URL may name. :class:`AuthActions` (the ``auth`` fixture) logs in
through the real form.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from marathon.extensions import db

PASSWORD = "correct horse battery"
ADMIN_EMAIL = "admin@example.org"
# Hand counts are dated today: a world of counted letters keeps them inside its edition.
EDITION = date.today().year


@contextlib.contextmanager
def app_context(app: Flask) -> Iterator[None]:
    """Inside ``app``'s context: the one already open, else a new one for this block.

    A factory called inside a test's open context joins its session rather than opening a second
    one (on SQLite a second writer would wait for the first).
    """
    if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
        yield
    else:
        with app.app_context():
            yield


# --- groups, accounts, events, cases --------------------------------------------------------


def make_group(app: Flask, name: str = "Groupe de Lyon", town: str | None = "Lyon") -> int:
    """A local group (through the groups service); its id."""
    from marathon.groups.service import create_group

    with app_context(app):
        return create_group(name=name, town=town).id


def make_user(
    app: Flask,
    email: str,
    *,
    role: str = "coordinator",
    group_id: int | None = None,
    password: str | None = PASSWORD,
    name: str = "Camille",
) -> int:
    """An account made by the accounts service; its id."""
    from marathon.accounts.service import create_user

    with app_context(app):
        return create_user(
            email=email, name=name, password=password, role=role, group_id=group_id
        ).id


def get_user(app: Flask, user_id: int) -> Any:
    """A fresh copy of the account, detached from the session (readable after the context)."""
    from marathon.accounts.models import User

    with app_context(app):
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def make_event(
    app: Flask,
    group_id: int,
    title: str,
    *,
    place: str | None = None,
    starts: datetime | timedelta = timedelta(hours=-1),
    ends: datetime | timedelta = timedelta(hours=5),
    goal: int | None = None,
    edition: int | None = None,
) -> Any:
    """An event of the group (through the events service); ``starts`` and ``ends`` are times, or
    durations from now. Returns the event (its id and join code stay readable)."""
    from marathon.events import service

    now = datetime.now(UTC)
    with app_context(app):
        return service.create_event(
            group_id=group_id,
            title=title,
            place=place,
            starts_at=now + starts if isinstance(starts, timedelta) else starts,
            ends_at=now + ends if isinstance(ends, timedelta) else ends,
            goal=goal,
            edition=edition,
        )


def make_case(app: Flask, slug: str, person: str, position: int, edition: int = EDITION) -> Any:
    """A case with a French title and summary only: enough to count letters for. Returns the
    case (use it inside an app context)."""
    from marathon.cases.models import Case

    with app_context(app):
        case = Case(
            edition=edition,
            slug=slug,
            position=position,
            person=person,
            country="FR",
            themes=[],
            kinds=["appeal", "card", "postcard"],
            texts={"fr": {"title": person, "summary": f"Résumé de {person}"}},
        )
        db.session.add(case)
        db.session.commit()
        return case


def count_online(
    case_id: int,
    kind: str,
    language: str,
    day: date,
    quantity: int,
    event: Any = None,
    edition: int = EDITION,
) -> None:
    """Letters written online, counted as the letters service counts them (one transaction).

    ``event`` is anything with the event's ``id`` and ``group_id``. Inside an app context.
    """
    from marathon.tally.service import add_to_tally

    add_to_tally(
        edition=edition,
        case_id=case_id,
        kind=kind,
        language=language,
        channel="online",
        day=day,
        quantity=quantity,
        event_id=event.id if event else None,
        group_id=event.group_id if event else None,
    )
    db.session.commit()


def first_case(app: Flask) -> tuple[str, str]:
    """The slug and first language of the catalogue's first case (load the cases first)."""
    from marathon.cases.models import Case

    with app_context(app):
        case = db.session.scalars(select(Case).order_by(Case.position)).first()
        assert case is not None, "load the cases first"
        return case.slug, case.languages[0]


def write_letter(
    client: FlaskClient,
    slug: str,
    language: str,
    *,
    address: str | None = None,
    headers: dict[str, str] | None = None,
    **fields: str | None,
) -> TestResponse:
    """Send the write form of an appeal letter to the case ``slug``, as a volunteer does: Zoé
    Martin of Villeurbanne, unless ``fields`` say otherwise (``None`` leaves a field out), from
    ``address`` (the client's IP address) if given. Returns the answer."""
    data = {
        "submission_id": uuid.uuid4().hex,
        "sender_name": "Zoé Martin",
        "sender_town": "Villeurbanne",
        "sender_country": "France",
        "personal_sentence": "Je pense à vous.",
        "body": "Madame, Monsieur,\n\nLibérez-la.",
        "paper": "a4",
        "group_id": "0",
        **fields,
    }
    return client.post(
        f"/cases/{slug}/write",
        query_string={"kind": "appeal", "language": language},
        data={name: value for name, value in data.items() if value is not None},
        headers=headers or {},
        environ_base={"REMOTE_ADDR": address} if address else {},
    )


# --- the world ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One group of a world: its name (its town too), its coordinator and its event."""

    group: str
    coordinator: tuple[str, str]  # (e-mail, name)
    event: str
    place: str | None
    starts: datetime | timedelta  # a time, or a duration from now
    ends: datetime | timedelta
    goal: int | None = None
    edition: int | None = None  # the event's edition, when not the app's


def _day(month: int, day: int, hour: int) -> datetime:
    return datetime(EDITION, month, day, hour, tzinfo=UTC)


# The events' world: an event open now in Montréal, another starting now in Québec.
MONTREAL = Side(
    "Montréal",
    ("coord@example.org", "Chloé"),
    "Marathon de Montréal",
    "Bibliothèque",
    timedelta(hours=-1),
    timedelta(hours=5),
    goal=500,
)
QUEBEC = Side(
    "Québec",
    ("other@example.org", "Olivier"),
    "Québec writes",
    None,
    timedelta(0),
    timedelta(hours=3),
)
# The reports' world: two events of this year's December.
LYON = Side(
    "Lyon",
    ("lyon@example.org", "Lou"),
    "Marathon de Lyon",
    "MJC",
    _day(12, 10, 9),
    _day(12, 10, 18),
    edition=EDITION,
)
BREST = Side(
    "Brest",
    ("brest@example.org", "Bran"),
    "Marathon de Brest",
    None,
    _day(12, 12, 9),
    _day(12, 12, 18),
    edition=EDITION,
)


@dataclass
class World:
    """What :func:`make_world` made: ids and join codes, ours first, then the other group's."""

    group_id: int
    event_id: int
    code: str
    other_group_id: int
    other_event_id: int
    other_code: str
    # With ``past_event``: the join code of our event that has ended.
    closed_code: str | None = None
    # With ``counts``: the two counted cases, and the day of the hand counts (today).
    case_a: int | None = None
    case_b: int | None = None
    hand_day: date | None = None
    # With ``objects``: URL arguments naming one of everything of our group, and the case, kind
    # and language of its letter.
    arguments: dict[str, Any] = field(default_factory=dict)
    case_slug: str | None = None
    case_kind: str | None = None
    case_language: str | None = None


def make_world(
    app: Flask,
    ours: Side = MONTREAL,
    theirs: Side = QUEBEC,
    *,
    users: bool = True,
    past_event: bool = False,
    counts: bool = False,
    objects: bool = False,
) -> World:
    """Two groups with an event each, a coordinator each and the admin Ada (``users``).

    ``past_event``: our group's event of two days ago ("Last year"). ``counts``: two cases and 22
    counted letters (below). ``objects``: in our group, one of everything a URL may name (an
    outcome, a batch, a hand count, a report import, a letter of the edition's first case, which
    must be loaded, and an account, target@example.org, to act on).

    Counts. Online: A appeal fr 3 (ours, Dec 10), B card en 2 (ours, Dec 10), A appeal fr 4
    (theirs, Dec 12), A postcard fr 1 (no event, Dec 5). Handwritten (today): B card 5 (ours),
    A appeal 7 (theirs). Totals: 22; ours 10, theirs 11, none 1; A 15, B 7.
    """
    with app_context(app):
        if counts:
            case_a = make_case(app, "alice-a", "Alice A.", 1).id
            case_b = make_case(app, "bruno-b", "Bruno B.", 2).id
        group = make_group(app, ours.group, ours.group)
        other = make_group(app, theirs.group, theirs.group)
        if users:
            for side, group_id in ((ours, group), (theirs, other)):
                email, name = side.coordinator
                make_user(app, email, name=name, group_id=group_id)
            make_user(app, ADMIN_EMAIL, name="Ada", role="admin")
        event = _side_event(app, ours, group)
        closed = None
        if past_event:
            closed = make_event(
                app, group, "Last year", starts=timedelta(days=-2), ends=timedelta(days=-1)
            ).join_code
        their_event = _side_event(app, theirs, other)
        world = World(
            group_id=group,
            event_id=event.id,
            code=event.join_code,
            other_group_id=other,
            other_event_id=their_event.id,
            other_code=their_event.join_code,
            closed_code=closed,
        )
        if counts:
            _count(world, case_a, case_b, event, their_event)
        if objects:
            _objects(app, world, event)
        return world


def _side_event(app: Flask, side: Side, group_id: int) -> Any:
    return make_event(
        app,
        group_id,
        side.event,
        place=side.place,
        starts=side.starts,
        ends=side.ends,
        goal=side.goal,
        edition=side.edition,
    )


def _count(world: World, case_a: int, case_b: int, ours: Any, theirs: Any) -> None:
    from marathon.clock import today_local
    from marathon.events import service

    count_online(case_a, "appeal", "fr", date(EDITION, 12, 10), 3, ours)
    count_online(case_b, "card", "en", date(EDITION, 12, 10), 2, ours)
    count_online(case_a, "appeal", "fr", date(EDITION, 12, 12), 4, theirs)
    count_online(case_a, "postcard", "fr", date(EDITION, 12, 5), 1)
    service.add_hand_count(
        ours, case_id=case_b, kind="card", quantity=5, idempotency_key="h1", user_id=None
    )
    service.add_hand_count(
        theirs, case_id=case_a, kind="appeal", quantity=7, idempotency_key="h2", user_id=None
    )
    world.case_a, world.case_b, world.hand_day = case_a, case_b, today_local()


def _objects(app: Flask, world: World, event: Any) -> None:
    """One of everything a URL may name, in our group; fills the world's URL arguments."""
    from marathon.batches.models import Batch
    from marathon.cases.models import Case, Outcome
    from marathon.events.models import HandCount
    from marathon.letters.models import Letter
    from marathon.reports.models import ReportImport

    case = db.session.scalars(
        select(Case).where(Case.edition == app.config["EDITION"]).order_by(Case.position)
    ).first()
    assert case is not None, "load the cases first"
    group = world.group_id
    outcome = Outcome(case_id=case.id, date=date(2025, 1, 2), kind="released")
    batch = Batch(product="letters", filters={}, filter_key="world", group_id=group)
    count = HandCount(case_id=case.id, event_id=event.id, group_id=group, kind="letter", quantity=3)
    imported = ReportImport(report_uid="world-report", group_id=group, checksum="x")
    letter = Letter(
        code="SAFE-0001",
        idempotency_key=uuid.uuid4().hex,
        private_token="world-private-token-" + uuid.uuid4().hex,
        case_id=case.id,
        kind="appeal",
        language=case.languages[0],
        event_id=event.id,
        group_id=group,
        sender_name="Zoé Martin",
        sender_town="Villeurbanne",
        sender_country="France",
        body="Madame, Monsieur,",
    )
    db.session.add_all([outcome, batch, count, imported, letter])
    db.session.commit()
    world.arguments = {
        "group_id": group,
        "event_id": event.id,
        "code": event.join_code,
        "join_code": event.join_code,
        "event_code": event.join_code,
        "batch_id": batch.id,
        "index": 0,  # a batch's print file
        "hand_count_id": count.id,
        "entry_id": count.id,
        "import_id": imported.id,
        "report_import_id": imported.id,
        "letter_id": letter.id,
        "case_id": case.id,
        "slug": case.slug,
        "case_slug": case.slug,
        "outcome_id": outcome.id,
        # The private link, and for the reset and invitation pages a token they must refuse.
        "token": letter.private_token,
        "filename": "site.css",
        # An account to act on (disable, new link): none of the world's actors.
        "user_id": make_user(app, "target@example.org", name="Target", group_id=group),
    }
    world.case_slug, world.case_kind, world.case_language = (
        case.slug,
        case.kinds[0],
        case.languages[0],
    )


# --- logging in -----------------------------------------------------------------------------

_CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class AuthActions:
    """Logging in through the real login form, as a person does (flaskr's ``AuthActions``).

    Each action takes the test's ``client`` unless told another one (a second browser, a phone).
    Where the app checks CSRF tokens, the form's own token is sent with it.
    """

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    def attempt(
        self, email: str, password: str = PASSWORD, *, client: FlaskClient | None = None
    ) -> TestResponse:
        """Send the login form; the answer, whatever it is (for tests of logging in)."""
        client = client or self.client
        data = {"email": email, "password": password}
        if client.application.config.get("WTF_CSRF_ENABLED", True):
            page = client.get("/login").get_data(as_text=True)
            token = _CSRF_TOKEN.search(page)
            assert token, "no CSRF token on the login page"
            data["csrf_token"] = token.group(1)
        return client.post("/login", data=data)

    def login(
        self, email: str, password: str = PASSWORD, *, client: FlaskClient | None = None
    ) -> TestResponse:
        """Log in, and check it worked (the answer sends the browser on)."""
        response = self.attempt(email, password, client=client)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def login_as(self, role: str, *, client: FlaskClient | None = None) -> int:
        """A new account of ``role`` logged in: the admin Ada, or a coordinator of a new group.

        Returns the account's id.
        """
        if role == "admin":
            user_id = make_user(self.app, ADMIN_EMAIL, role="admin", name="Ada")
            email = ADMIN_EMAIL
        else:
            email = "coord@example.org"
            user_id = make_user(self.app, email, group_id=make_group(self.app))
        self.login(email, client=client)
        return user_id
