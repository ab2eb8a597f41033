"""Security headers on every page, the session cookie's flags, and templates the CSP allows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import ADMIN_EMAIL, make_user, make_world
from tests.safety_support import rule_urls
from tests.settings import FAST_CONFIG

PACKAGE = Path(__file__).resolve().parent.parent / "marathon"


pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=False)


def _directives(policy: str) -> dict[str, str]:
    found = {}
    for part in policy.split(";"):
        words = part.strip().split(None, 1)
        if words:
            found[words[0].lower()] = words[1] if len(words) > 1 else ""
    return found


def _header_problems(response, where: str) -> list[str]:
    problems = []
    policy = _directives(response.headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts is None:
        problems.append(f"{where}: no script-src nor default-src")
    elif "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts:
        problems.append(f"{where}: scripts may be inline: {scripts}")
    if "frame-ancestors" not in policy:
        problems.append(f"{where}: no frame-ancestors")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append(f"{where}: no Referrer-Policy")
    return problems


def test_every_html_page_has_a_strict_policy_and_the_security_headers(loaded_cases, auth):
    app = loaded_cases
    world = make_world(app, objects=True)
    anonymous, admin = app.test_client(), app.test_client()
    auth.login(ADMIN_EMAIL, client=admin)
    problems: list[str] = []
    pages = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        for url in rule_urls(app, rule, world.arguments):
            for client in (anonymous, admin):
                response = client.get(url)
                if response.mimetype == "text/html":
                    pages += 1
                    problems += _header_problems(response, f"GET {url} -> {response.status_code}")
    preview = admin.post(
        f"/cases/{world.case_slug}/write/preview",
        query_string={"kind": world.case_kind, "language": world.case_language},
        data={"sender_name": "A", "body": "B"},
    )
    problems += _header_problems(preview, "the letter preview")
    for url in ("/no-such-page", "/cases/no-such-case"):  # error pages too
        problems += _header_problems(anonymous.get(url), url)
    assert pages > 20
    assert not problems, "\n".join(problems)


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_the_session_cookie_is_http_only_and_same_site_lax(app, auth):
    make_user(app, ADMIN_EMAIL, role="admin", name="Ada")
    cookie = _session_cookie(auth.login(ADMIN_EMAIL)).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie.replace("samesite", "")  # plain http in development


def test_the_session_cookie_is_secure_when_configured(app, auth):
    app.config["SESSION_COOKIE_SECURE"] = True  # read by Flask on every response
    make_user(app, ADMIN_EMAIL, role="admin", name="Ada")
    cookie = _session_cookie(auth.login(ADMIN_EMAIL)).lower()
    assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def _templates() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.glob("**/templates/**/*.html")
        if "letter_templates" not in path.parts
    )


def _pdf_only(path: Path, source: str) -> bool:
    return (
        "print" in path.parts
        or path.name.endswith("_pdf.html")
        or source.lstrip().startswith("{# pdf-only #}")
    )


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
SCRIPT_BODY = re.compile(r"<script\b[^>]*>\s*[^<\s]", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def test_templates_hold_nothing_the_content_security_policy_forbids():
    # Letter templates (letter_templates/) are rendered by WeasyPrint only: not scanned. Nor are
    # the other templates rendered only into PDFs: in a print/ folder, named *_pdf.html, or
    # starting with "{# pdf-only #}".
    templates = _templates()
    assert len(templates) > 20
    problems = []
    for path in templates:
        source = path.read_text(encoding="utf-8")
        if _pdf_only(path, source):
            continue
        for name, pattern in (
            ("an inline <script>", INLINE_SCRIPT),
            ("a <script> body", SCRIPT_BODY),
            ("an on*= event attribute", EVENT_ATTRIBUTE),
            ("a style= attribute", STYLE_ATTRIBUTE),
            ("a <style> element", STYLE_ELEMENT),
            ("a javascript: URL", JS_URL),
        ):
            for match in pattern.finditer(source):
                line = source.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {name}")
    assert not problems, "\n".join(problems)


def test_the_scan_catches_what_it_looks_for():
    bad = (
        '<script>alert(1)</script><a onclick="x()">',
        '<p style="color:red">',
        "<style>p{}</style>",
        '<a href="javascript:alert(1)">',
    )
    patterns = (INLINE_SCRIPT, EVENT_ATTRIBUTE, STYLE_ATTRIBUTE, STYLE_ELEMENT, JS_URL)
    for sample in bad:
        assert any(pattern.search(sample) for pattern in patterns), sample
    good = '<script src="/static/js/board.js" defer></script><p class="onion">'
    assert not any(pattern.search(good) for pattern in patterns)
