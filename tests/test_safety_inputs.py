"""Bad input, everywhere: every form and JSON endpoint, every URL argument, bad query strings.

The routes come from ``app.url_map`` (a new route is swept without touching this file). Each one
gets empty, oversized, wrongly typed, malformed UTF-8, NUL, HTML and script payloads, logged in
as a section admin. The answer must never be a 500, an error must say something (a page or a
JSON ``error.message``), and a refused request must leave every table as it was.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.factories import ADMIN_EMAIL, World, make_world
from tests.safety_support import (
    PAYLOADS,
    SCRIPT,
    SKIPPED_METHODS,
    WRITE_METHODS,
    drop_test_queue,
    form_fields,
    has_message,
    row_counts,
    rule_urls,
)
from tests.services import REDIS_TEST_URL
from tests.settings import FAST_CONFIG, Unique, own_queue

MEGABYTE = 1024 * 1024
REUSED_KEY = f"sweep-{uuid.uuid4().hex}"
HUGE_BODY = b"x" * (20 * MEGABYTE)
# Query-string names the views read (request.args), and the report filters.
QUERY_NAMES = (
    "edition",
    "kind",
    "language",
    "event",
    "group",
    "case",
    "day",
    "channel",
    "by",
    "country",
    "theme",
    "next",
    "download",
    "new",
    "page",
    "group_id",
    "event_id",
)
BAD_QUERY_VALUES = (
    "abc",
    SCRIPT,
    "99999999999999999999",
    "x" * 5000 + "é\u202e",
    # Redirect targets a browser would read as another host, or that no header can hold.
    "/\t/evil.example",
    "/\n/x",
    "/\r\nSet-Cookie: x=1",
    "/\\evil.example",
)
ODD_STRINGS = (
    "%00",
    "x" * 1000,
    quote(SCRIPT, safe=""),
    "..%2F..%2Fetc%2Fpasswd",
    "%C3%A9%E2%80%AE",
)
ODD_INTS = ("0", "2147483648", "99999999999999999999")


# Jobs go to a queue of this test's own in Redis and never run: no PDF is rendered here.
pytestmark = pytest.mark.settings(
    FAST_CONFIG,
    own_queue("safety-"),
    WTF_CSRF_ENABLED=False,
    RATELIMIT_PREFIX=Unique("safety-", ":"),
)


@pytest.fixture
def world(loaded_cases) -> Iterator[World]:
    yield make_world(loaded_cases, objects=True)
    drop_test_queue(loaded_cases, REDIS_TEST_URL)


def _query(endpoint: str, world: World) -> dict[str, str]:
    # The write journey shows its form (and takes a letter) once a kind and a language are chosen.
    if endpoint in {"letters.write", "letters.preview"}:
        return {"kind": world.case_kind, "language": world.case_language}
    return {}


def _targets(app, client, world) -> list[tuple[str, str, str, list[str], list[str]]]:
    """(endpoint, method, url, text fields, file fields) of every route that takes a write."""
    targets = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if not methods or rule.endpoint == "static":
            continue
        for url in rule_urls(app, rule, world.arguments, **_query(rule.endpoint, world)):
            fields: list[str] = []
            files: list[str] = []
            if "GET" in (rule.methods or set()):
                html = client.get(url).get_data(as_text=True)
                files = form_fields_of_type(html, "file")
                fields = [name for name in form_fields(html) if name not in files]
            for method in sorted(methods):
                targets.append((rule.endpoint, method, url, fields, files))
    # Logging out and disabling accounts last would not matter (we log in again), but keep the
    # order stable so that a failure is easy to replay.
    return sorted(targets)


def form_fields_of_type(html: str, kind: str) -> list[str]:
    """The names of the ``<input type=kind>`` fields of a page."""
    import re

    names = []
    for tag in re.findall(r"<input\b[^>]*>", html, re.IGNORECASE):
        name = re.search(r'\bname="([^"]+)"', tag)
        if name and re.search(rf'\btype="{kind}"', tag):
            names.append(name.group(1))
    return names


def _form_payloads(fields: list[str], files: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """(label, keyword arguments of client.open) for a form with ``fields``."""
    names = fields or ["name", "id", "value"]

    def each(value: Any) -> dict[str, Any]:
        return {name: value for name in names}

    raw_bad = "&".join(f"{quote(name)}=%FF%FE" for name in names).encode()
    raw_bytes = b"&".join(quote(name).encode() + b"=\xff\xfe" for name in names)
    payloads = [
        ("empty", {"data": {}}),
        ("one megabyte in a field", {"data": {names[0]: "x" * MEGABYTE}}),
        ("100 kB in every field", {"data": each("y" * 100_000)}),
        ("strings where numbers go", {"data": each("abc")}),
        ("numbers too big", {"data": each("99999999999999999999")}),
        ("arrays", {"data": each(["-1", " "])}),
        ("NUL bytes", {"data": each("a\x00b")}),
        (
            "percent-encoded bad UTF-8",
            {"data": raw_bad, "content_type": "application/x-www-form-urlencoded"},
        ),
        ("raw bad UTF-8", {"data": raw_bytes, "content_type": "application/x-www-form-urlencoded"}),
        ("a JSON body to a form", {"data": "[1, 2", "content_type": "application/json"}),
    ]
    if "submission_id" in names:
        # The write form's hidden id becomes the letter's key: longer than the key column.
        payloads.append(
            ("a long submission id", {"data": {**each("x"), "submission_id": "s" * 200}})
        )
        payloads.append(
            ("a 76-character submission id", {"data": {**each("x"), "submission_id": "s" * 76}})
        )
    payloads += [(f"payload {payload!r}", {"data": each(payload)}) for payload in PAYLOADS]
    for name in files:
        for label, content, filename in (
            (
                "an SVG with a script",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                "x.svg",
            ),
            ("an empty file", b"", "empty.jpg"),
            ("text named .jpg", b"not a picture at all" * 10, "photo.jpg"),
            ("bad UTF-8 named .json", b"\xff\xfe{", "report.json"),
            ("deeply nested JSON", b"[" * 100_000 + b"]" * 100_000, "report.json"),
            ("JSON nested past the limit", b'{"a":' * 40 + b"1" + b"}" * 40, "report.json"),
            (
                "a 5000-digit number",
                b'{"format": "marathon-report", "version": ' + b"9" * 5000 + b"}",
                "report.json",
            ),
        ):
            data = {n: "x" for n in fields}
            data[name] = (io.BytesIO(content), filename)
            payloads.append(
                (f"{name}: {label}", {"data": data, "content_type": "multipart/form-data"})
            )
    return payloads


def _json_payloads(world: World) -> list[tuple[str, dict[str, Any]]]:
    """Bodies for the JSON API: whole documents of the wrong shape, then each field wrong."""
    base = {
        "case": world.case_slug,
        "kind": world.case_kind,
        "language": world.case_language,
        "sender_name": "Alex",
        "sender_town": "Lyon",
        "sender_country": "France",
    }
    fields = [
        *base,
        "personal_sentence",
        "body",
        "paper",
        "event_code",
        "group_id",
        "share_first_name",
    ]
    raw = {
        "empty body": b"",
        "null": b"null",
        "an array": b"[1, 2]",
        "a string": b'"letter"',
        "a number": b"12",
        "invalid JSON": b'{"case": ',
        "bad UTF-8": b'{"case": "\xff\xfe", "sender_name": "\xff"}',
        "NUL in a string": json.dumps({**base, "sender_name": "a\u0000b"}).encode(),
        "a lone surrogate": b'{"sender_name": "\\ud800", "case": "x"}',
        "deep nesting": b"[" * 5000 + b"]" * 5000,
        "very deep nesting": b"[" * 200_000 + b"]" * 200_000,
        "objects nested past the limit": b'{"case":' * 40 + b'"x"' + b"}" * 40,
        "a 5000-digit number": b'{"group_id": ' + b"9" * 5000 + b"}",
    }
    payloads = [
        (label, {"data": body, "content_type": "application/json"}) for label, body in raw.items()
    ]
    payloads.append(("form-encoded body", {"data": {"case": "x"}}))
    for field in fields:
        for label, value in (
            ("null", None),
            ("a number", 123456789012345678901234567890),
            ("an array", ["a", "b"]),
            ("an object", {"a": 1}),
            ("a megabyte", "x" * MEGABYTE),
            ("a script", SCRIPT),
        ):
            body = json.dumps({**base, field: value})
            payloads.append(
                (f"{field}: {label}", {"data": body, "content_type": "application/json"})
            )
    return payloads


_KNOWN_COUNTS: dict[int, dict[str, int]] = {}


def _check(app, client, method: str, url: str, label: str, **kwargs: Any) -> str | None:
    """Send one request; a description of what is wrong with the answer, or None.

    Row counts are compared around writes only (the counts after a refused write are reused as
    the counts before the next one: fewer queries).
    """
    counted = method in WRITE_METHODS
    before = None
    if counted:
        before = _KNOWN_COUNTS.pop(id(app), None)
        if before is None:
            with app.app_context():
                before = row_counts()
    response = client.open(url, method=method, **kwargs)
    status = response.status_code
    where = f"{method} {url[:120]} ({label}) -> {status}"
    if status >= 500:
        return where
    if status >= 400:
        if not has_message(response):
            return f"{where} without a message: {response.get_data(as_text=True)[:200]!r}"
        if counted:
            with app.app_context():
                after = row_counts()
            if after != before:
                changed = {k: (before[k], after[k]) for k in after if after[k] != before[k]}
                return f"{where} but rows changed: {changed}"
            _KNOWN_COUNTS[id(app)] = after
    return None


def test_every_form_and_json_endpoint_refuses_bad_input_cleanly(app, world, auth):
    client = app.test_client()
    auth.login(ADMIN_EMAIL, client=client)
    failures: list[str] = []
    sent = 0
    for endpoint, method, url, fields, files in _targets(app, client, world):
        payloads = (
            _json_payloads(world) if url.startswith("/api/") else _form_payloads(fields, files)
        )
        if url.startswith("/api/"):
            # Again with one Idempotency-Key for every body: the JSON is read, and a key reused
            # with other letters must never fail nor answer with another letter.
            payloads += [
                (f"{label}, reused key", {**kwargs, "headers": {"Idempotency-Key": REUSED_KEY}})
                for label, kwargs in payloads
            ]
        auth.login(ADMIN_EMAIL, client=client)  # a logout must not end the sweep
        for label, kwargs in payloads:
            problem = _check(app, client, method, url, label, **kwargs)
            sent += 1
            if problem:
                failures.append(f"{endpoint}: {problem}")
    print(f"{sent} requests")
    assert sent > 200
    assert not failures, "\n".join(failures)


def test_a_twenty_megabyte_body_is_refused_with_413_and_a_message(app, world, auth):
    client = app.test_client()
    auth.login(ADMIN_EMAIL, client=client)
    failures = []
    for endpoint, method, url, _fields, _files in _targets(app, client, world):
        for content_type in ("application/x-www-form-urlencoded", "application/json"):
            response = client.open(url, method=method, data=HUGE_BODY, content_type=content_type)
            if response.status_code != 413 or not has_message(response):
                failures.append(f"{endpoint} {method} {url} {content_type}: {response.status_code}")
    assert not failures, "\n".join(failures)
    response = client.post("/api/v1/letters", data=HUGE_BODY, content_type="application/json")
    assert response.get_json()["error"]["message"]
    page = client.post("/login", data=HUGE_BODY, content_type="application/x-www-form-urlencoded")
    assert "too large" in page.get_data(as_text=True)


def _odd_values(converter: Any) -> tuple[str, ...]:
    from werkzeug.routing.converters import IntegerConverter

    return ODD_INTS if isinstance(converter, IntegerConverter) else ODD_STRINGS


def test_odd_and_huge_path_arguments_never_fail(app, world, auth):
    from werkzeug.routing.converters import AnyConverter

    client = app.test_client()
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint == "static":
            continue
        for name in rule.arguments:
            converter = rule._converters.get(name)
            if isinstance(converter, AnyConverter):
                continue
            for odd in _odd_values(converter):
                # Fill the other arguments with real values, this one with the odd value.
                url = rule.rule
                for other in rule.arguments:
                    value = odd if other == name else world.arguments.get(other, "x")
                    conv = rule._converters.get(other)
                    if isinstance(conv, AnyConverter):
                        value = sorted(conv.items)[0]
                    url = _fill(url, other, str(value))
                for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
                    for actor in ("anonymous", "admin"):
                        if actor == "admin":
                            auth.login(ADMIN_EMAIL, client=client)
                        problem = _check(app, client, method, url, f"{name} as {actor}", data={})
                        if problem:
                            failures.append(f"{rule.endpoint}: {problem}")
                        if actor == "admin":
                            client.post("/logout")
    for url in (
        "/cases/%00",
        "/letters/" + "a" * 1000,
        "/cases/%ff%fe",
        "/%00",
        "/cases/" + "é" * 500,
    ):
        problem = _check(app, client, "GET", url, "odd path")
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)


def _fill(rule: str, name: str, value: str) -> str:
    import re

    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + name + ">", value, rule)


def test_bad_query_strings_on_every_page_never_fail(app, world, auth):
    client = app.test_client()
    failures = []
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.endpoint != "static"
    ]
    for actor in ("anonymous", "admin"):
        if actor == "admin":
            auth.login(ADMIN_EMAIL, client=client)
        for rule in rules:
            for url in rule_urls(app, rule, world.arguments):
                for value in BAD_QUERY_VALUES:
                    query = "&".join(f"{name}={quote(value, safe='%')}" for name in QUERY_NAMES)
                    problem = _check(
                        app, client, "GET", f"{url}?{query}", f"{value[:20]!r} as {actor}"
                    )
                    if problem:
                        failures.append(f"{rule.endpoint}: {problem}")
                # Raw bad UTF-8 and repeated arguments.
                for query in (
                    "edition=%FF%FE&kind=%FF&day=%00&page=-1",
                    "kind=a&kind=b&edition=1&edition=x&by=-1&case=%00",
                ):
                    problem = _check(app, client, "GET", f"{url}?{query}", f"{query} as {actor}")
                    if problem:
                        failures.append(f"{rule.endpoint}: {problem}")
    assert not failures, "\n".join(failures)
