"""Accounts pages: log in and out, passwords, and (for section admins) users and invitations."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.security import check_password_hash

from marathon import ratelimit
from marathon.accounts import service
from marathon.accounts.access import admin_required, role_required
from marathon.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    LogoutForm,
    SetPasswordForm,
)
from marathon.accounts.loader import end_idle_session, end_session, start_session
from marathon.accounts.models import User
from marathon.extensions import db
from marathon.groups.service import list_groups
from marathon.web import safe_redirect_target

blueprint = Blueprint("accounts", __name__, template_folder="templates")
blueprint.before_app_request(end_idle_session)

LOGIN_LIMIT_DEFAULT = (10, 300)
LOGIN_ACCOUNT_LIMIT_DEFAULT = (30, 900)
FORGOT_LIMIT_DEFAULT = (5, 900)
# Where to go after logging in, the first that exists (other packages add these pages).
LANDING_ENDPOINTS = ("events.index", "reports.index", "accounts.account")


@blueprint.app_context_processor
def _accounts_context() -> dict[str, Any]:
    return {"has_endpoint": _has_endpoint, "logout_form": LogoutForm}


def _has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _landing() -> str:
    for endpoint in LANDING_ENDPOINTS:
        try:
            return url_for(endpoint)
        except BuildError:
            continue
    return url_for("cases.index")


def _next_target() -> str | None:
    # Only paths on this site, as the browser will read them: never another host (open redirect).
    return safe_redirect_target(request.args.get("next"))


def _login_limits(email: str) -> list[ratelimit.Limit]:
    """Failed logins are counted per address and per account (e-mail), each in its own window.

    Only failures count: at an event on one Wi-Fi, people who log in do not use up anyone's
    attempts. The per-account limit is larger than the per-address one, so one address alone
    cannot lock an account: it takes guesses from several addresses.
    """
    limit, window = ratelimit.config_limit("LOGIN_RATE_LIMIT", LOGIN_LIMIT_DEFAULT)
    account_limit, account_window = ratelimit.config_limit(
        "LOGIN_ACCOUNT_RATE_LIMIT", LOGIN_ACCOUNT_LIMIT_DEFAULT
    )
    return [
        ratelimit.Limit("login", ratelimit.address_key(), limit, window),
        ratelimit.Limit(
            "login-account", service.normalise_email(email)[:320], account_limit, account_window
        ),
    ]


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with e-mail and password; failed attempts are limited per address and account."""
    target = _next_target()
    if current_user.is_authenticated:
        return redirect(target or _landing())
    form = LoginForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        # The attempt is counted before the password is checked (so that parallel guesses
        # cannot all slip in), and given back when it succeeds: only failures count.
        limits = _login_limits(form.email.data or "")
        wait = ratelimit.reserve(limits)
        if wait is not None:
            return ratelimit.too_many_response(wait)
        user = service.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            ratelimit.refund(limits)
            login_user(user)
            start_session(user)
            flash(_("You are logged in as %(name)s.", name=user.name), "success")
            return redirect(target or _landing())
        error = _(
            "The e-mail address or the password is not right, or the account is disabled. "
            "Check both and try again."
        )
    status = 401 if error else (422 if form.errors else 200)
    return render_template("accounts/login.html", form=form, error=error), status


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the session (a POST with a CSRF token, so a link cannot log anyone out)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    was_logged_in = current_user.is_authenticated
    end_session()
    if was_logged_in:
        flash(_("You are logged out."), "success")
    return redirect(url_for("accounts.login"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    """Ask for a reset link by e-mail; the answer is the same whatever the address."""
    form = ForgotPasswordForm()
    sent = False
    if request.method == "POST":
        limit, window = ratelimit.config_limit("FORGOT_RATE_LIMIT", FORGOT_LIMIT_DEFAULT)
        wait = ratelimit.hit_all(
            [ratelimit.Limit("forgot", ratelimit.address_key(), limit, window)]
        )
        if wait is not None:
            return ratelimit.too_many_response(wait)
        if form.validate_on_submit():
            service.request_password_reset(form.email.data or "")
            sent = True
    return render_template(
        "accounts/forgot_password.html",
        form=form,
        sent=sent,
        mail_configured=service.mail_configured(),
    ), (422 if form.errors else 200)


def _set_password_page(token: str, purpose: str) -> Any:
    try:
        user = service.read_token(token, purpose)
    except service.TokenError as error:
        return render_template(
            "accounts/set_password.html", form=None, purpose=purpose, token_error=error.message
        ), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(user, form.password.data or "")
        except service.AccountError as error:
            form.password.errors = [*form.password.errors, error.message]
        else:
            flash(_("Your password is set. You can now log in."), "success")
            return redirect(url_for("accounts.login"))
    status = 422 if form.errors else 200
    return render_template(
        "accounts/set_password.html", form=form, purpose=purpose, user=user, token_error=None
    ), status


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    """Choose a new password from a reset link."""
    return _set_password_page(token, "reset")


@blueprint.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> Any:
    """Choose a first password from an invitation link."""
    return _set_password_page(token, "invite")


@blueprint.route("/account")
@role_required("coordinator")
def account() -> Any:
    """The logged-in user's own account."""
    return render_template("accounts/account.html", user=current_user)


@blueprint.route("/account/password", methods=["GET", "POST"])
@role_required("coordinator")
def change_password() -> Any:
    """Change one's own password; other sessions of the account end, this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()  # type: ignore[attr-defined]
        if not user.password_hash or not check_password_hash(
            user.password_hash, form.current_password.data or ""
        ):
            form.current_password.errors = [_("This is not your current password.")]
        else:
            try:
                service.set_password(user, form.password.data or "")
            except service.AccountError as error:
                form.password.errors = [error.message]
            else:
                start_session(user)
                flash(
                    _("Your password is changed. Your other sessions have ended."),
                    "success",
                )
                return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), (
        422 if form.errors else 200
    )


# Section admins -------------------------------------------------------------------------------


def _groups() -> list[Any]:
    return list_groups()


@blueprint.route("/users")
@admin_required
def users() -> Any:
    """Every account, with its group and state."""
    rows = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    groups = {group.id: group for group in _groups()}
    return render_template("accounts/users.html", users=rows, groups=groups, form=LogoutForm())


@blueprint.route("/users/invite", methods=["GET", "POST"])
@admin_required
def invite() -> Any:
    """Create an account and show its one-time link (and e-mail it when mail is configured)."""
    form = InviteForm()
    groups = _groups()
    form.group_id.choices = [("", _("— No group (section admins) —"))] + [
        (str(group.id), group.name) for group in groups
    ]
    if form.validate_on_submit():
        raw_group = form.group_id.data or ""
        group_id = int(raw_group) if raw_group.isdigit() else None
        if raw_group and group_id is None:
            form.group_id.errors = [_("This group does not exist. Choose one from the list.")]
        else:
            try:
                sent = service.invite(
                    email=form.email.data or "",
                    name=form.name.data or "",
                    role=form.role.data or "coordinator",
                    group_id=group_id,
                )
            except service.AccountError as error:
                field = getattr(form, error.field or "", None) or form.email
                field.errors = [*field.errors, error.message]
            else:
                return render_template("accounts/link_sent.html", sent=sent)
    return render_template("accounts/invite.html", form=form, groups=groups), (
        422 if form.errors else 200
    )


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.route("/users/<int:user_id>/disable", methods=["POST"])
@admin_required
def disable_user(user_id: int) -> Any:
    """Disable an account: its sessions end and it can no longer log in."""
    user = _user_or_404(user_id)
    if not LogoutForm().validate_on_submit():
        abort(400)
    try:
        service.set_active(user, False, by=current_user)
    except service.AccountError as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s's account is disabled.", name=user.name), "success")
    return redirect(url_for("accounts.users"))


@blueprint.route("/users/<int:user_id>/enable", methods=["POST"])
@admin_required
def enable_user(user_id: int) -> Any:
    """Re-enable a disabled account."""
    user = _user_or_404(user_id)
    if not LogoutForm().validate_on_submit():
        abort(400)
    service.set_active(user, True)
    flash(_("%(name)s's account is enabled again.", name=user.name), "success")
    return redirect(url_for("accounts.users"))


@blueprint.route("/users/<int:user_id>/link", methods=["POST"])
@admin_required
def user_link(user_id: int) -> Any:
    """Make a new one-time set-password link for an account (shown, and e-mailed if possible)."""
    user = _user_or_404(user_id)
    if not LogoutForm().validate_on_submit():
        abort(400)
    if not user.active:
        flash(_("Enable the account first: a disabled account cannot set a password."), "error")
        return redirect(url_for("accounts.users"))
    return render_template("accounts/link_sent.html", sent=service.new_link(user))
