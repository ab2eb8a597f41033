"""Helpers of the browser tests: axe-core, logging in, unique names, viewports."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from playwright.sync_api import Page, Route

from tests import factories
from tests.factories import PASSWORD

AXE_JS = Path(__file__).with_name("vendor") / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def unique(prefix: str) -> str:
    """A name no other test uses (the server's database lives for the whole session)."""
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def make_event(in_app: Any, *, goal: int | None = None) -> tuple[str, str]:
    """An event of a new group, open from an hour ago; returns (join code, title)."""

    def create() -> tuple[str, str]:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        group_id = factories.make_group(app, unique("Group"), "Lyon")
        event = factories.make_event(
            app, group_id, unique("Marathon of Lyon"), place="Library", goal=goal
        )
        return event.join_code, event.title

    return in_app(create)


# -- accessibility ---------------------------------------------------------------------------


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    The app's CSP forbids inline scripts, so axe is served as if it were one of the app's own
    files (a routed URL on the same origin) rather than injected inline.
    """
    parts = urlsplit(page.url)
    url = f"{parts.scheme}://{parts.netloc}/__axe__.js"

    def serve(route: Route) -> None:
        route.fulfill(body=AXE_JS.read_bytes(), content_type="application/javascript")

    page.route(url, serve)
    page.add_script_tag(url=url)
    page.unroute(url)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable list of violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['summary']}")
    return "\n".join(lines)


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real login form."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
