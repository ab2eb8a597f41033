"""The photo upload form (Flask-WTF: it carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional


class PhotoForm(FlaskForm):
    """A picture file and, optionally, its credit."""

    photo = FileField(
        _l("Picture (JPEG, PNG or WebP)"),
        validators=[FileRequired(message=_l("Please choose a picture to upload."))],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    credit = StringField(
        _l("Credit (photographer or source)"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Please shorten this to %(max)d characters or fewer.")),
        ],
    )


class RemoveForm(FlaskForm):
    """Only the CSRF token: removing the uploaded photo."""
