"""Forms of the reports package (Flask-WTF: each POST form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField


class ImportForm(FlaskForm):
    """A report file from an offline event and the group to attribute it to."""

    report = FileField(
        _l("Report file (.json)"), validators=[FileRequired(_l("Choose the report file."))]
    )
    group_id = SelectField(_l("Attribute to the group"), coerce=int, default=0)
