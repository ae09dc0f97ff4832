"""End-to-end journeys in headless Chromium (Debian's ``chromium``, driven by Playwright).

One live server for the whole session: the app on a file SQLite database in a temporary directory, migrated
with Alembic and filled with the demo seed (hashing encoder, jobs inline, real CSRF-protected forms), served
by werkzeug on 127.0.0.1 in a daemon thread. Each journey opens one fresh browser context per person.

Without chromium, Playwright or axe-core (``make browser-deps``) the journeys skip with the reason; with
``CI=true`` they are required and fail instead.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.helpers import ARTIFACTS, AXE_PATH, CHROMIUM_ARGS, Person

IN_CI = os.environ.get("CI", "").lower() == "true"


def _chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _missing() -> list[str]:
    missing = []
    if _chromium_path() is None:
        missing.append("Debian's chromium (apt-get install chromium, or `make browser-deps`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Playwright Python package (pip install -e '.[test]')")
    if not AXE_PATH.is_file():
        missing.append(f"axe-core at {AXE_PATH.relative_to(AXE_PATH.parents[2])} (`make browser-deps`)")
    return missing


@pytest.fixture(scope="session", autouse=True)
def browser_requirements():
    missing = _missing()
    if missing:
        message = "browser journeys need " + "; ".join(missing)
        if IN_CI:
            pytest.fail(message + " (CI=true: the browser suite is required)", pytrace=False)
        pytest.skip(message)


class LiveServer:
    def __init__(self, app, url: str, tmp: Path):
        self.app = app
        self.url = url
        self.tmp = tmp

    def query(self, func):
        """Run ``func()`` inside an app context (read the database the server writes)."""
        from app.core.db import db
        with self.app.app_context():
            try:
                return func()
            finally:
                db.session.remove()


def _make_config(tmp: Path):
    from app.config import TestingConfig

    class BrowserConfig(TestingConfig):
        WTF_CSRF_ENABLED = True  # real forms, real tokens

        def __init__(self):
            super().__init__()
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp / 'browser.sqlite3'}"
            self.MATCHING_MODEL = "hashing"
            self.REDIS_URL = None  # jobs run inline
            self.UPLOAD_PATH = tmp / "uploads"
            self.OUTBOX_PATH = tmp / "outbox"
            self.MAIL_SERVER = None

    return BrowserConfig


@pytest.fixture(scope="session")
def live_server(browser_requirements, tmp_path_factory):
    from flask import Response
    from werkzeug.serving import WSGIRequestHandler, make_server

    from app import create_app
    from app.core.db import db

    tmp = tmp_path_factory.mktemp("browser-server")
    app = create_app(_make_config(tmp))

    # Test-only: axe-core served from the app's own origin, so the page's CSP (script-src 'self') allows it.
    axe_source = AXE_PATH.read_bytes()
    app.add_url_rule("/__axe.js", "test_axe",
                     lambda: Response(axe_source, mimetype="application/javascript"))

    with app.app_context():
        import flask_migrate
        flask_migrate.upgrade()
        from app.seed.demo import seed_demo
        seed_demo(echo=lambda message: None)
        db.session.remove()

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # errors are still logged
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield LiveServer(app, url, tmp)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(browser_requirements):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def people(browser, live_server, request):
    """``people(name, locale="ru-RU")`` opens a fresh browser context for one person of the journey;
    screenshots go to test-artifacts/browser/<journey>/."""
    journey = request.node.name.removeprefix("test_")
    folder = ARTIFACTS / journey
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))
    opened: list[Person] = []

    def open_person(name: str, locale: str = "ru-RU") -> Person:
        person = Person(browser, live_server.url, name, locale, folder, counter)
        opened.append(person)
        return person

    yield open_person
    for person in opened:
        person.close()

