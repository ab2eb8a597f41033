"""Helpers of the browser tests: axe-core, logging in, unique names, viewports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Route

AXE_JS = Path(__file__).with_name("vendor") / "axe.min.js"
PASSWORD = "correct horse battery"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def unique(prefix: str) -> str:
    """A name no other test uses (the server's database lives for the whole session)."""
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def make_event(in_app: Any, *, goal: int | None = None) -> tuple[str, str]:
    """An open event of a new group; returns (join code, title)."""
    from marathon.events import service
    from marathon.groups import service as group_service

    title = unique("Marathon of Lyon")

    def create() -> tuple[str, str]:
        group = group_service.create_group(name=unique("Group"), town="Lyon")
        now = datetime.now(UTC)
        event = service.create_event(
            group_id=group.id,
            title=title,
            place="Library",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=5),
            goal=goal,
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
