"""Fixtures: one app per test process (per xdist worker) on in-memory SQLite whose schema is created once,
each test in a transaction rolled back at its end; a client, a CLI runner, user factories, login and
API-token helpers. Tests that need an app of their own (another config, a SQLite file, the embedded thread
mode) build it; integration tests (tests/integration) use real PostgreSQL and Redis instead."""
from __future__ import annotations

import itertools
import os
import weakref
from contextlib import contextmanager

import pytest
from flask import current_app, has_app_context, request_started
from flask_sqlalchemy.session import Session as _FlaskSession
from sqlalchemy import event, func, select

from app import create_app
from app.config import TestingConfig
from app.core import time as clock
from app.core.db import db as _db

PASSWORD = "Secret-pass-123"
_counter = itertools.count(1)


def _commit_test_setup(sender, **_extra):
    """A test is its own unit of work around the requests it makes: what it set up through services
    (which only flush) is committed before each request, as if an earlier request had done it."""
    from app.core import uow
    uow.commit()


def make_test_app(config=TestingConfig):
    """An app as the tests use it: the setup committed before each request (see ``_commit_test_setup``)."""
    app = create_app(config)
    request_started.connect(_commit_test_setup, app)
    return app


# --- one app per process, one rolled-back transaction per test ------------------------------------------

_joined: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # app -> the connection its tests share


class _TestSession(_FlaskSession):
    """``db.session`` in the tests. In a shared app (see :class:`SharedDatabase`) every statement goes to the
    connection that holds the test's transaction, and the session's own transactions are SAVEPOINTs of it
    (``join_transaction_mode="create_savepoint"``, SQLAlchemy 2's recipe for joining a session into an
    external transaction): ``commit()`` releases the savepoint and fires the after-commit hooks (the jobs
    are dispatched as in production), ``rollback()`` goes back to the last commit, never past it. Any other
    app (a SQLite file, the embedded thread mode, the browser's live server) keeps Flask-SQLAlchemy's
    engine per app."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._test_connection = _joined.get(current_app._get_current_object()) if has_app_context() else None

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self._test_connection is not None:
            return self._test_connection
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


_db.session = _db._make_scoped_session({"class_": _TestSession, "join_transaction_mode": "create_savepoint"})


class _OneConnectionEngine:
    """``db.engine`` of a shared app, as its code sees it: the real engine for the dialect and the URL, the
    test's connection for SQL. What the code runs in a short transaction of its own (``engine.begin()``: the
    vector cache written inside a GET, the hand-over to Redis) runs in a SAVEPOINT of the test's
    transaction, so it is rolled back with the test (in-memory SQLite has a single connection anyway)."""

    def __init__(self, engine, connection):
        self._engine, self._connection = engine, connection

    def __getattr__(self, name):
        return getattr(self._engine, name)

    @contextmanager
    def begin(self):
        with self._connection.begin_nested():
            yield self._connection

    def connect(self):
        raise RuntimeError("the shared test app has one connection: use db.session or db.engine.begin(), "
                           "or give this test an app of its own")

    def dispose(self, close=True):
        pass


def _reset_process_state(app) -> None:
    """What outlives a test in the process, besides the database: cleared before each test."""
    from app.extensions import limiter
    from app.jobs import runner
    from app.matching.services import invalidate_matcher
    from app.scoring.review import ranking
    clock.freeze(None)
    limiter.reset()  # Flask-Limiter counters (memory storage)
    app.extensions["mailman"].outbox = []  # the in-memory captured mail
    invalidate_matcher()  # the matcher and pool caches, keyed on counts and timestamps that repeat
    with ranking._ranking_lock:
        ranking._ranking_cache.clear()  # keyed on a competition id that the next test reuses
    runner._live.clear()  # live progress by job id (ids repeat after a rollback)


class SharedDatabase:
    """An app whose schema is created once on one connection; :meth:`test` runs a test inside a transaction
    of that connection and rolls it back, so each test starts from the empty schema (ids restart at 1, as
    on a fresh database), in a fresh app context (``g``), with the config as it was. :meth:`layer` builds
    data that several tests share (a module's world): the tests then run in SAVEPOINTs on top of it."""

    _layer = None  # (outer transaction, row counts, frozen clock) of the shared data being used

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.engine = _db.engine
            self.connection = self.engine.connect()
            if self.engine.dialect.name == "sqlite":
                # pysqlite's own transaction handling would let SQLite end the outer transaction when the
                # first savepoint is released: SQLAlchemy's pysqlite recipe has it emit BEGIN itself.
                self.connection.connection.driver_connection.isolation_level = None
                event.listen(self.connection, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            with self.connection.begin():
                _db.metadata.create_all(self.connection)
            self._counts = select(*[select(func.count()).select_from(table).scalar_subquery().label(table.name)
                                    for table in _db.metadata.sorted_tables])
            self.empty = self.row_counts()
        _db._app_engines[app][None] = _OneConnectionEngine(self.engine, self.connection)
        _joined[app] = self.connection

    @contextmanager
    def layer(self, build):
        """Run ``build()`` once (its work committed as a unit of work: its jobs run), and yield its result
        while tests run on top of it; everything is rolled back afterwards. ``build`` must return plain
        values (ids, e-mails), not ORM objects, which belong to a session that is closed by then."""
        assert self._layer is None, "one shared layer at a time"
        from app.core import uow
        _reset_process_state(self.app)
        outer = self.connection.begin()
        try:
            with self.app.app_context():
                result = build()
                uow.commit()
            frozen = clock.now() if clock._clock_override is not None else None
            self._layer = (outer, self.row_counts(), frozen)
            yield result
        finally:
            self._layer = None
            if outer.is_active:
                outer.rollback()
            clock.freeze(None)

    def row_counts(self) -> dict[str, int]:
        if self.connection.in_transaction():
            with self.connection.begin_nested() as savepoint:
                counts = dict(self.connection.execute(self._counts).one()._mapping)
                savepoint.rollback()
            return counts
        with self.connection.begin() as transaction:
            counts = dict(self.connection.execute(self._counts).one()._mapping)
            transaction.rollback()
        return counts

    @contextmanager
    def test(self):
        app = self.app
        config = dict(app.config)
        _reset_process_state(app)
        expected = self.empty
        if self._layer is not None:
            _outer, expected, frozen = self._layer
            clock.freeze(frozen)
            outer = self.connection.begin_nested()
        else:
            outer = self.connection.begin()
        try:
            with app.app_context():
                yield app
        finally:
            ended = not outer.is_active
            if not ended:
                outer.rollback()
            app.config.clear()
            app.config.update(config)
            clock.freeze(None)
        assert not ended, "the code under test ended the test's outer transaction"
        leaked = {name: n for name, n in self.row_counts().items() if n != expected[name]}
        assert not leaked, f"rows outlived the test's rollback: {leaked}"

    def close(self) -> None:
        _joined.pop(self.app, None)
        _db._app_engines[self.app][None] = self.engine
        self.connection.close()
        self.engine.dispose()


@pytest.fixture(scope="session")
def shared_app():
    """The app of this test process (an xdist worker), its schema created once."""
    database = SharedDatabase(make_test_app())
    yield database
    database.close()


@pytest.fixture
def app(shared_app):
    with shared_app.test() as app:
        yield app


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    return new_user


def new_user(*roles, email=None, region=None, organisation=None, name=None, password=PASSWORD):
    """A user through the accounts service (flushed; committed by the next request or ``uow.commit()``)."""
    from app.accounts.services import NewUser, create_user
    n = next(_counter)
    roles = list(roles) or ["researcher"]
    if "akimat" in roles and region is None:
        region = "almaty_city"
    return create_user(NewUser(
        email=email or f"user{n}@example.kz", password=password, roles=roles, region=region,
        organisation=organisation, name=name or f"User {n}"))


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user, password=PASSWORD):
        return self.client.post("/account/login", data={"email": user.email, "password": password})

    def logout(self):
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def api(client):
    """``api.as_(user)`` returns a small client that sends the user's bearer token."""
    class Api:
        def __init__(self, token=None):
            self.token = token

        def as_(self, user, password=PASSWORD):
            response = client.post("/api/v1/tokens", json={"email": user.email, "password": password})
            assert response.status_code == 201, response.get_json()
            return Api(response.get_json()["token"])

        def _headers(self):
            return {"Authorization": f"Bearer {self.token}"} if self.token else {}

        def get(self, url, **kw):
            return client.get(url, headers=self._headers(), **kw)

        def post(self, url, **kw):
            return client.post(url, headers=self._headers(), **kw)

        def put(self, url, **kw):
            return client.put(url, headers=self._headers(), **kw)

        def patch(self, url, **kw):
            return client.patch(url, headers=self._headers(), **kw)

        def delete(self, url, **kw):
            return client.delete(url, headers=self._headers(), **kw)

    return Api()


def pytest_collection_modifyitems(config, items):
    """Integration tests need real services: skipped with a reason locally, required in CI."""
    have_services = bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
    if have_services:
        return
    if os.environ.get("CI", "").lower() == "true":
        return  # they run and fail loudly if the services are unreachable
    skip = pytest.mark.skip(reason="integration: set DATABASE_URL and REDIS_URL (or run .ci/run) to test "
                                   "against real PostgreSQL and Redis")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)
