"""CLI commands of the accounts package: the first admin, password resets, invitations."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from marathon.accounts import service
from marathon.groups.service import group_by_name


def _section_locale(command: Callable[..., None]) -> Callable[..., None]:
    """Run in the section's default language: there is no request to choose one from."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with force_locale(current_app.config["DEFAULT_LOCALE"]):
            command(*args, **kwargs)

    return wrapper


def _password_option_or_prompt(password: str | None) -> str:
    if password is not None:
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _fail(error: service.AccountError) -> NoReturn:
    raise click.ClickException(error.message)


@click.command("create-admin")
@click.option("--email", required=True, help="The admin's e-mail address (their login).")
@click.option("--name", required=True, help="The admin's name.")
@click.option(
    "--password",
    default=None,
    help="The password (asked twice, hidden, when left out: it stays out of the shell history).",
)
@with_appcontext
@_section_locale
def create_admin(email: str, name: str, password: str | None) -> None:
    """Create a section admin account (the first one, or another)."""
    secret = _password_option_or_prompt(password)
    try:
        user = service.create_user(email=email, name=name, password=secret, role="admin")
    except service.AccountError as error:
        _fail(error)
    click.echo(f"Section admin {user.email} created (id {user.id}).")


@click.command("reset-password")
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option("--password", default=None, help="The new password (asked twice when left out).")
@click.option(
    "--link",
    is_flag=True,
    help="Print a one-time link to choose the password instead of setting it here.",
)
@with_appcontext
@_section_locale
def reset_password(email: str, password: str | None, link: bool) -> None:
    """Set a new password for an account (ending all its sessions), or print a reset link."""
    user = service.find_user(email)
    if user is None:
        raise click.ClickException(f"No account has the address {email!r}.")
    if not user.active:
        raise click.ClickException("This account is disabled; enable it in the Users page first.")
    if link:
        click.echo(service.link_for(user, "reset"))
        return
    secret = _password_option_or_prompt(password)
    try:
        service.set_password(user, secret)
    except service.AccountError as error:
        _fail(error)
    click.echo(f"Password of {user.email} changed; its sessions have ended.")


@click.command("invite")
@click.option("--email", required=True, help="The coordinator's e-mail address.")
@click.option("--name", required=True, help="The coordinator's name.")
@click.option("--group", "group_name", required=True, help="The exact name of an existing group.")
@with_appcontext
@_section_locale
def invite(email: str, name: str, group_name: str) -> None:
    """Create a coordinator of a group and print their one-time set-password link."""
    group = group_by_name(group_name)
    if group is None:
        raise click.ClickException(f"No group is named {group_name!r}. Create it first.")
    try:
        sent = service.invite(email=email, name=name, role="coordinator", group_id=group.id)
    except service.AccountError as error:
        _fail(error)
    click.echo(f"Coordinator {sent.user.email} of {group.name!r} created.")
    if sent.mailed:
        click.echo("The invitation was e-mailed.")
    click.echo(f"One-time link: {sent.link}")


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""
    for command in (create_admin, reset_password, invite):
        group.add_command(command)
