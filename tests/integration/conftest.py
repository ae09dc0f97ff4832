"""Integration fixtures: the real PostgreSQL database and Redis named by DATABASE_URL and REDIS_URL.

The schema is built by the migrations (``flask db upgrade``) once per session; each test starts from
empty tables. In CI (CI=true) these tests are required; locally they are skipped without the services.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app import create_app
from app.config import DevelopmentConfig
from app.core.db import db as _db

pytestmark = pytest.mark.integration


class IntegrationConfig(DevelopmentConfig):
    def __init__(self):
        super().__init__()
        self.TESTING = True
        self.WTF_CSRF_ENABLED = False
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
        self.MATCHING_MODEL = "hashing"


def _require_services():
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        pytest.fail("integration tests need DATABASE_URL and REDIS_URL (CI=true makes them required)")


@pytest.fixture(scope="session")
def pg_app():
    _require_services()
    app = create_app(IntegrationConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(pg_app):
    with pg_app.app_context():
        _truncate()
        yield pg_app
        _db.session.remove()


def _truncate():
    tables = [t.name for t in reversed(_db.metadata.sorted_tables) if t.name != "audit_log"]
    with _db.engine.begin() as connection:
        # audit_log refuses DELETE/UPDATE by trigger; TRUNCATE is a deliberate test-only reset.
        connection.execute(text("TRUNCATE " + ", ".join(tables + ["audit_log"]) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
def redis_conn(pg_app):
    from redis import Redis
    connection = Redis.from_url(os.environ["REDIS_URL"])
    connection.flushdb()
    return connection
