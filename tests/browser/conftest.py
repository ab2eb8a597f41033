"""Browser tests: Debian's chromium driven by Playwright against a live Marathon server.

One server per test session (``flask --app app run`` on a free port, SQLite in a temporary
instance folder, the sample cases loaded, jobs in-process as in the embedded default). Tests that
need data (an event, a coordinator) make it through the app's own services with :func:`in_app`,
on the same database file. Never a downloaded browser: ``/usr/bin/chromium``
(``make browser-deps``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.browser_support import DESKTOP
from tests.services import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder is a browser test; skip them all where chromium is missing."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason="no /usr/bin/chromium: make browser-deps"))


@dataclass
class LiveServer:
    """The running server: its address and the configuration its processes share."""

    url: str
    config: dict[str, Any]
    log: Path

    def app(self) -> Any:
        """An app object on the server's database, for making test data in this process."""
        from marathon import create_app

        return create_app(dict(self.config))

    def post_json(self, path: str, payload: dict[str, Any], headers: dict[str, str]) -> Any:
        """POST JSON to the server (as an outside client would); returns (status, body)."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``flask --app app run`` on a fresh SQLite database with the sample cases."""
    instance = tmp_path_factory.mktemp("live-instance")
    config = {
        "SECRET_KEY": "browser-tests",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'marathon.sqlite3'}",
        "STORAGE_DIR": str(instance / "storage"),
    }
    # Settings only the test server needs (read from instance/config.py by the server).
    (instance / "config.py").write_text(
        "PASSWORD_HASH_METHOD = 'pbkdf2:sha256:1000'\n"
        "WRITE_RATE_LIMIT = 10000\n"
        "LOGIN_RATE_LIMIT = (1000, 60)\n"
    )
    from marathon import create_app
    from marathon.cases.service import load_cases
    from marathon.extensions import db

    setup_app = create_app({**config, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with setup_app.app_context():
        db.create_all()
        load_cases()
        db.engine.dispose()

    port = free_port()
    log = instance / "server.log"
    env = {
        **os.environ,
        "MARATHON_INSTANCE_PATH": str(instance),
        "MARATHON_DATABASE_URL": config["DATABASE_URL"],
        "MARATHON_STORAGE_DIR": config["STORAGE_DIR"],
        "MARATHON_SECRET_KEY": config["SECRET_KEY"],
        "MARATHON_REDIS_URL": "",  # jobs in-process, as in the embedded default
    }
    flask = str(Path(sys.executable).with_name("flask"))
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [flask, "--app", "app", "run", "--port", str(port), "--with-threads"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield LiveServer(
            url=url, config={**config, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, log=log
        )
    finally:
        stop(process, timeout=10)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Playwright resolves ``page.goto("/...")`` against the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium, never a browser downloaded by ``playwright install``."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """English interface, A4 paper (en-GB), a desktop window."""
    return {**browser_context_args, "locale": "en-GB", **DESKTOP}


@pytest.fixture
def new_context(browser: Any, base_url: str) -> Iterator[Callable[..., BrowserContext]]:
    """Open extra contexts (a phone, a CSP-free one for axe); all closed after the test."""
    opened: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=base_url, locale="en-GB", **options)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def in_app(live_server: LiveServer) -> Callable[[Callable[[], Any]], Any]:
    """Run a function inside an app context on the server's database (test data set-up)."""
    app = live_server.app()

    def run(function: Callable[[], Any]) -> Any:
        with app.app_context():
            try:
                return function()
            finally:
                from marathon.extensions import db

                db.session.remove()

    return run
