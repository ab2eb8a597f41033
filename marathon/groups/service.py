"""Creating and listing local groups."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marathon.database import begin_write
from marathon.extensions import db
from marathon.groups.models import Group


class GroupError(ValueError):
    """A change that was refused; the message says what to fix."""


def create_group(*, name: str, town: str | None = None) -> Group:
    """Create a local group; the name must be new."""
    name = (name or "").strip()
    if not name:
        raise GroupError(_("Give the group a name."))
    begin_write()
    group = Group(name=name, town=(town or "").strip() or None)
    db.session.add(group)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise GroupError(_("A group called %(name)s already exists.", name=name)) from error
    return group


def list_groups() -> list[Group]:
    """Every group, by name."""
    return list(db.session.scalars(select(Group).order_by(Group.name)))


def group_exists(group_id: int) -> bool:
    """Whether a group of this id exists."""
    return db.session.get(Group, group_id) is not None


def group_by_name(name: str) -> Group | None:
    """The group called ``name`` (surrounding spaces ignored), if any."""
    return db.session.scalar(select(Group).where(Group.name == (name or "").strip()))


def groups_for_select() -> list[tuple[int, str]]:
    """(id, label) of every group, for a "group" select: the name, and the town if known."""
    rows = db.session.execute(select(Group.id, Group.name, Group.town).order_by(Group.name))
    return [(gid, f"{name} ({town})" if town else name) for gid, name, town in rows]
