"""Helpers shared by the accounts tests: users, groups, logging in through the real form."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from marathon.extensions import db

PASSWORD = "correct horse battery"


def make_group(app: Flask, name: str = "Groupe de Lyon") -> int:
    """A group; its id."""
    from marathon.groups.models import Group

    with app.app_context():
        group = Group(name=name, town="Lyon")
        db.session.add(group)
        db.session.commit()
        return group.id


def make_user(
    app: Flask,
    email: str,
    *,
    role: str = "coordinator",
    group_id: int | None = None,
    password: str | None = PASSWORD,
    name: str = "Camille",
) -> int:
    """An account made by the service; its id."""
    from marathon.accounts.service import create_user

    with app.app_context():
        return create_user(
            email=email, name=name, password=password, role=role, group_id=group_id
        ).id


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """POST the login form (CSRF disabled by the test module)."""
    return client.post("/login", data={"email": email, "password": password})


def get_user(app: Flask, user_id: int):
    """A fresh copy of the user, detached after the context ends."""
    from marathon.accounts.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user
