"""Fixtures: an app on in-memory SQLite per test, a client, a CLI runner, user factories, login and
API-token helpers. Integration tests (tests/integration) use real PostgreSQL and Redis instead."""
from __future__ import annotations

import itertools
import os

import pytest

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


@pytest.fixture
def app():
    from flask import request_started
    app = create_app(TestingConfig)
    request_started.connect(_commit_test_setup, app)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
    clock.freeze(None)


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
    from app.accounts.services import NewUser, create_user

    def factory(*roles, email=None, region=None, organisation=None, name=None, password=PASSWORD):
        n = next(_counter)
        roles = list(roles) or ["researcher"]
        if "akimat" in roles and region is None:
            region = "almaty_city"
        return create_user(NewUser(
            email=email or f"user{n}@example.kz", password=password, roles=roles, region=region,
            organisation=organisation, name=name or f"User {n}"))
    return factory


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
