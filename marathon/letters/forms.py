"""The write form (Flask-WTF, so it carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from marathon.letters.service import LIMITS


def _at_most(field: str) -> Length:
    """The length limit of ``field``, with the message that says how to fix it."""
    return Length(
        max=LIMITS[field], message=_l("Please shorten this to %(max)d characters or fewer.")
    )


class WriteForm(FlaskForm):
    """Name, town, a personal sentence and the editable body of one letter."""

    submission_id = HiddenField()
    sender_name = StringField(
        _l("Your name, as you want to sign"),
        validators=[
            DataRequired(message=_l("Please enter your name as you want to sign.")),
            _at_most("sender_name"),
        ],
        render_kw={"autocomplete": "name", "maxlength": LIMITS["sender_name"]},
    )
    sender_town = StringField(
        _l("Your town"),
        validators=[
            Optional(),
            _at_most("sender_town"),
        ],
        render_kw={"autocomplete": "address-level2", "maxlength": LIMITS["sender_town"]},
    )
    sender_country = StringField(
        _l("Your country"),
        validators=[
            Optional(),
            _at_most("sender_country"),
        ],
        render_kw={"autocomplete": "country-name", "maxlength": LIMITS["sender_country"]},
    )
    personal_sentence = TextAreaField(
        _l("A personal sentence (optional)"),
        validators=[
            Optional(),
            _at_most("personal_sentence"),
        ],
        render_kw={"rows": 3, "maxlength": LIMITS["personal_sentence"]},
    )
    body = TextAreaField(
        _l("Your letter"),
        validators=[DataRequired(message=_l("Please write your message."))],
        render_kw={"rows": 16},
    )
    paper = RadioField(
        _l("Paper"),
        choices=[SelectChoice("a4", _l("A4")), SelectChoice("letter", _l("US Letter"))],
        default="a4",
    )
    window = RadioField(
        _l("Envelope"),
        choices=[
            SelectChoice("", _l("The envelopes of the section or group that prints it")),
            SelectChoice("left", _l("Window on the left (DIN 5008, US #10)")),
            SelectChoice("right", _l("Window on the right (usual French envelope)")),
        ],
        default="",
        validators=[Optional()],
    )
    group_id = SelectField(_l("Your local group (optional)"), coerce=int, default=0)
    share_first_name = BooleanField(_l("Show my first name on the event's live board"))
