"""Forms of the outcomes package (Flask-WTF: each POST form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from marathon.cases.models import OUTCOME_KINDS, OUTCOME_LABELS
from marathon.outcomes.service import MAX_NOTE

NOTE_LANGUAGES = ("fr", "en", "es", "nl", "de")


class OutcomeForm(FlaskForm):
    """One dated outcome of a case, with a note per language and a source."""

    date = DateField(_l("Date"), validators=[Optional()])
    kind = SelectField(
        _l("What happened"),
        choices=[SelectChoice(kind, OUTCOME_LABELS[kind]) for kind in OUTCOME_KINDS],
        validate_choice=False,  # the service checks it, with our own message
    )
    note_fr = TextAreaField(_l("Note in French"), validators=[Length(max=MAX_NOTE)])
    note_en = TextAreaField(_l("Note in English"), validators=[Length(max=MAX_NOTE)])
    note_es = TextAreaField(_l("Note in Spanish"), validators=[Length(max=MAX_NOTE)])
    note_nl = TextAreaField(_l("Note in Dutch"), validators=[Length(max=MAX_NOTE)])
    note_de = TextAreaField(_l("Note in German"), validators=[Length(max=MAX_NOTE)])
    source_url = StringField(_l("Source (web address)"), validators=[Length(max=500)])

    def note_fields(self) -> list:
        """The note fields, in the order of NOTE_LANGUAGES."""
        return [getattr(self, f"note_{language}") for language in NOTE_LANGUAGES]


class DeleteForm(FlaskForm):
    """Only the CSRF token: deleting is a POST."""
