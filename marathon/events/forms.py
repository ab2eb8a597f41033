"""Forms of the events pages (Flask-WTF, CSRF-protected)."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from marathon.events.service import MAX_HAND_COUNT
from marathon.kinds import KIND_NAMES

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class GroupForm(FlaskForm):
    """An admin creates a local group."""

    name = StringField(
        _l("Group name"),
        validators=[DataRequired(_l("Give the group a name.")), Length(max=200)],
    )
    town = StringField(_l("Town"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Create the group"))


class EventForm(FlaskForm):
    """Create or edit an event; times are in the section's time zone."""

    group_id = SelectField(_l("Group"), coerce=int, validate_choice=True)
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the event a title.")), Length(max=200)]
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Give the date and time the event starts."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Give the date and time the event ends."))],
    )
    goal = IntegerField(
        _l("Goal (letters)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=10_000_000, message=_l("The goal must be above zero.")),
        ],
    )
    closed = BooleanField(_l("Closed: letters no longer count for this event"))
    submit = SubmitField(_l("Save the event"))

    def validate_ends_at(self, field: DateTimeLocalField) -> None:
        """The end comes after the start."""
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The event must end after it starts."))


class JoinForm(FlaskForm):
    """A volunteer types the code shown in the room."""

    code = StringField(
        _l("Event code"),
        validators=[DataRequired(_l("Type the code shown at the event.")), Length(max=20)],
    )
    submit = SubmitField(_l("Join"))


class HandCountForm(FlaskForm):
    """One entry: N handwritten letters (or cards, postcards) for one case."""

    case_id = HiddenField(validators=[DataRequired()])
    kind = SelectField(
        choices=[SelectChoice(kind) for kind in KIND_NAMES], validators=[DataRequired()]
    )
    quantity = IntegerField(
        _l("How many"),
        validators=[
            DataRequired(_l("Enter how many (a number, below zero to correct).")),
            NumberRange(
                min=-MAX_HAND_COUNT,
                max=MAX_HAND_COUNT,
                message=_l("Enter a number between -10000 and 10000."),
            ),
        ],
    )
    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Add"))

    @staticmethod
    def fresh_key() -> str:
        """A new key for the next submission of the form."""
        return uuid.uuid4().hex
