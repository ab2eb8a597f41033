"""State changes of the catalogue admin: a case's uploaded photo, stored then recorded."""

from __future__ import annotations

import hashlib

from marathon.cases.models import Case
from marathon.catalogue_admin.uploads import CheckedPhoto, remove_photo, store_photo
from marathon.clock import utcnow
from marathon.database import begin_write
from marathon.extensions import db


def _bump_hash(case: Case, salt: str) -> None:
    # The case page's photo URL carries content_hash[:8]: a new value makes browsers fetch the
    # new picture. The next catalogue load then sees a changed hash and re-stores the case from
    # its folder, which is harmless: the upload stays and wins over the folder's photo.
    case.content_hash = hashlib.sha256(f"{case.content_hash or ''}:{salt}".encode()).hexdigest()
    case.updated_at = utcnow()


def set_case_photo(case_id: int, photo: CheckedPhoto, credit: str | None = None) -> Case:
    """Store ``photo`` as the case's picture and record it on the case (one short transaction)."""
    begin_write()
    case = db.session.get(Case, case_id)
    if case is None:
        db.session.rollback()
        raise LookupError(case_id)
    try:
        path = store_photo(case.edition, case.slug, photo)
        if not case.photo:
            case.photo = path.name  # the case page shows a picture only when this is set
        if credit:
            case.photo_credit = credit.strip()[:300]
        _bump_hash(case, photo.digest)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return case


def clear_case_photo(case_id: int) -> bool:
    """Remove the case's uploaded photo (the folder's comes back); True if there was one."""
    begin_write()
    case = db.session.get(Case, case_id)
    if case is None:
        db.session.rollback()
        return False
    try:
        removed = remove_photo(case.edition, case.slug)
        if removed:
            _bump_hash(case, "removed")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return removed
