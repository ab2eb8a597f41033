"""Accounts forms (Flask-WTF: every form carries a CSRF token).

Field rules live in the service (one place); forms check presence and length so that the page can
show a message next to each field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from marathon.accounts.service import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
)

EMAIL_REQUIRED = _l("Enter your e-mail address.")
PASSWORD_REQUIRED = _l("Enter your password.")


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(EMAIL_REQUIRED), Length(max=EMAIL_MAX_LENGTH)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(PASSWORD_REQUIRED), Length(max=PASSWORD_MAX_LENGTH)],
    )


class LogoutForm(FlaskForm):
    """Only the CSRF token: logging out is a POST."""


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(EMAIL_REQUIRED), Length(max=EMAIL_MAX_LENGTH)],
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("New password"),
            description=_l("At least %(n)s characters.", n=PASSWORD_MIN_LENGTH),
            validators=[
                DataRequired(_l("Choose a password.")),
                Length(
                    min=PASSWORD_MIN_LENGTH,
                    max=PASSWORD_MAX_LENGTH,
                    message=_l(
                        "Choose a password of %(min)s to %(max)s characters.",
                        min=PASSWORD_MIN_LENGTH,
                        max=PASSWORD_MAX_LENGTH,
                    ),
                ),
            ],
        ),
        PasswordField(
            _l("New password again"),
            validators=[
                DataRequired(_l("Type the new password a second time.")),
                EqualTo("password", _l("The two passwords are not the same.")),
            ],
        ),
    )


class SetPasswordForm(FlaskForm):
    """A new password, twice (invitation and reset links)."""

    password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    """The current password, then a new one twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(PASSWORD_REQUIRED), Length(max=PASSWORD_MAX_LENGTH)],
    )
    password, confirm = _new_password_fields()


class InviteForm(FlaskForm):
    """A new coordinator (or admin) and their group."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter a name.")), Length(max=NAME_MAX_LENGTH)],
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=EMAIL_MAX_LENGTH)],
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("coordinator", _l("Group coordinator")),
            SelectChoice("admin", _l("Section admin")),
        ],
        default="coordinator",
        validate_choice=True,
    )
    group_id = SelectField(
        _l("Group"),
        description=_l("Required for a coordinator: they will see and change only this group."),
        coerce=str,
        validate_choice=False,  # checked by the service, with a clearer message
    )
