"""No private token in any log format the project ships or documents.

A letter's private link, a password reset link and an invitation link carry their secret in the
path. Checked: gunicorn run with ``deploy/gunicorn.conf.py`` (its access log, read back), the
development server's request lines, every route taking a ``token``, and every nginx
``log_format`` and ``access_log`` of ``deploy/`` and ``docs/deploy.md``.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from flask import url_for
from werkzeug.serving import make_server

from marathon.accesslog import AccessLogger, redact, redact_atoms
from tests.services import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Sup3rSecretTok3n-abcdefghijklmnop"
COOKIE = "session=eyJzZWNyZXQiOiJjb29raWUifQ.sEcReT"
PRIVATE_PATHS = (
    f"/letters/{TOKEN}",
    f"/letters/{TOKEN}/letter.pdf",
    f"/letters/{TOKEN}/delete",
    f"/password/reset/{TOKEN}",
    f"/welcome/{TOKEN}",
)
# nginx variables that hold the path, the query, the referer or cookies, as the client sent them.
UNSAFE_NGINX = re.compile(
    r"\$(request|request_uri|uri|document_uri|args|query_string|arg_\w+|http_referer|"
    r"http_cookie|cookie_\w+|http_authorization|sent_http_location|sent_http_set_cookie)\b"
)


def test_every_route_taking_a_token_is_blanked(app):
    with app.test_request_context():
        urls = [
            url_for(rule.endpoint, **{name: TOKEN for name in rule.arguments})
            for rule in app.url_map.iter_rules()
            if "token" in rule.arguments
        ]
    assert len(urls) >= 5
    for url in urls:
        assert TOKEN not in redact(url), url
        assert TOKEN not in redact(f"GET {url}?download=1 HTTP/1.1"), url
        assert TOKEN not in redact(f"https://marathon.example.org{url}"), url


def test_gunicorn_atoms_hold_no_token_cookie_or_credential():
    atoms = {
        "r": f"GET /letters/{TOKEN}?new=1 HTTP/1.1",
        "U": f"/letters/{TOKEN}",
        "f": f"https://marathon.example.org/welcome/{TOKEN}",
        "{referer}i": f"https://marathon.example.org/password/reset/{TOKEN}",
        "{cookie}i": COOKIE,
        "{authorization}i": "Basic c2VjcmV0",
        "{location}o": f"/letters/{TOKEN}?new=1",
        "{set-cookie}o": COOKIE,
        "{http_cookie}e": COOKIE,
        "{raw_uri}e": f"/letters/{TOKEN}",
        "s": "200",
        "B": 12,
    }
    clean = redact_atoms(atoms)
    assert not [name for name, value in clean.items() if TOKEN in str(value)]
    assert not [name for name, value in clean.items() if "sEcReT" in str(value)]
    assert clean["U"] == "/letters/[private]"
    assert clean["s"] == "200" and clean["B"] == 12


def test_the_shipped_gunicorn_configuration_logs_no_token(app, tmp_path):
    """gunicorn as deployed (deploy/gunicorn.conf.py), its access log read back."""
    port = free_port()
    instance = Path(app.instance_path)
    env = {
        **os.environ,
        "MARATHON_DATABASE_URL": app.config["DATABASE_URL"],
        "MARATHON_INSTANCE_PATH": str(instance),
        "MARATHON_STORAGE_DIR": str(instance / "storage"),
        "MARATHON_SECRET_KEY": "gunicorn-log-test",
        "MARATHON_BIND": f"127.0.0.1:{port}",
        "MARATHON_WEB_WORKERS": "1",
    }
    env.pop("MARATHON_REDIS_URL", None)
    access_log = tmp_path / "access.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with open(access_log, "wb") as out, open(tmp_path / "error.log", "wb") as errors:
        process = subprocess.Popen(
            [gunicorn, "-c", "deploy/gunicorn.conf.py", "marathon:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=errors,
        )
    try:
        _wait_until_up(port, process, tmp_path / "error.log")
        for path in PRIVATE_PATHS:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            method = "POST" if path.endswith("/delete") else "GET"
            connection.request(
                method,
                f"{path}?new=1",
                headers={
                    "Cookie": COOKIE,
                    "Referer": f"http://127.0.0.1:{port}/letters/{TOKEN}",
                },
            )
            connection.getresponse().read()
            connection.close()
    finally:
        stop(process)
    logged = access_log.read_text()
    assert logged.count("[private]") >= len(PRIVATE_PATHS), logged
    assert TOKEN not in logged
    assert "sEcReT" not in logged
    assert TOKEN not in (tmp_path / "error.log").read_text()


def _wait_until_up(port: int, process: subprocess.Popen, errors: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(errors.read_text()[-3000:]) from None
            time.sleep(0.2)


def test_the_development_server_logs_no_token(app, caplog):
    """``make run`` serves with Werkzeug's server, which logs every request line."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in PRIVATE_PATHS[:2] + PRIVATE_PATHS[3:]:
                # A 404 for a token that names nothing: its request line is logged all the same.
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert len([line for line in lines if "[private]" in line]) == 4, lines
    assert not [line for line in lines if TOKEN in line]


def _nginx_texts() -> dict[str, str]:
    texts = {
        str(path.relative_to(ROOT)): path.read_text() for path in (ROOT / "deploy").glob("*.conf")
    }
    docs = (ROOT / "docs" / "deploy.md").read_text()
    texts["docs/deploy.md"] = "\n".join(re.findall(r"```nginx\n(.*?)```", docs, re.S))
    return texts


def _directives(text: str, name: str) -> list[str]:
    """The bodies of every ``name ...;`` directive (over several lines, quotes joined)."""
    return [body for body in re.findall(rf"^\s*{name}\s+(.*?);", text, re.M | re.S)]


def test_every_nginx_log_format_and_access_log_holds_no_secret():
    texts = _nginx_texts()
    assert "deploy/nginx.conf" in texts
    for where, text in texts.items():
        formats = {}
        for body in _directives(text, "log_format"):
            name, _, fields = body.partition(" ")
            formats[name] = fields
            assert not UNSAFE_NGINX.search(fields), f"{where}: log_format {name} logs {fields}"
        for body in _directives(text, "access_log"):
            parts = body.split()
            if parts == ["off"]:
                continue
            # Without a format nginx uses "combined", which logs $request and $http_referer.
            assert len(parts) >= 2, f"{where}: access_log {body} uses the default format"
            assert parts[1] in formats or parts[1] in _formats_elsewhere(texts), (where, body)
        assert "combined" not in " ".join(_directives(text, "access_log")), where


def _formats_elsewhere(texts: dict[str, str]) -> set[str]:
    return {
        body.partition(" ")[0]
        for text in texts.values()
        for body in _directives(text, "log_format")
    }


@pytest.mark.parametrize("where", ["deploy/nginx.conf", "docs/deploy.md"])
def test_the_nginx_map_blanks_every_private_path(where):
    text = _nginx_texts()[where]
    match = re.search(r"map \$uri \$marathon_loggable_uri \{\s*~(\S+)\s+\"([^\"]+)\";", text)
    assert match, f"{where} has no map of the loggable path"
    pattern = re.compile(match.group(1).replace("(?<", "(?P<"))
    template = match.group(2)

    def nginx_map(uri: str) -> str:
        found = pattern.match(uri)
        if not found:
            return uri
        return re.sub(r"\$\{(\w+)\}", lambda name: found.group(name.group(1)), template)

    for path in PRIVATE_PATHS:
        assert TOKEN not in nginx_map(path), path
        assert "[private]" in nginx_map(path)
    assert nginx_map("/cases/damisoa") == "/cases/damisoa"
    assert nginx_map(f"/letters/{TOKEN}/letter.pdf") == "/letters/[private]/letter.pdf"


def test_gunicorn_configuration_names_the_redacting_logger():
    namespace: dict[str, object] = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["logger_class"] == "marathon.accesslog.AccessLogger"
    assert "%(q)s" not in str(namespace["access_log_format"])
    assert AccessLogger.atoms is not None
