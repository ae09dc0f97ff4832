"""Fuzz every operation of the OpenAPI document (schemathesis): no 5xx, every error in the documented
JSON shape. Bounded: a few generated cases per operation, against the in-process app."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from app import create_app  # noqa: E402
from app.config import TestingConfig  # noqa: E402
from app.core.db import db  # noqa: E402


class FuzzConfig(TestingConfig):
    def __init__(self):
        super().__init__()
        import tempfile
        self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tempfile.mkdtemp()}/fuzz.sqlite3"


def _app():
    app = create_app(FuzzConfig)
    with app.app_context():
        db.create_all()
        from app.accounts.services import NewUser, create_user, issue_token
        user = create_user(NewUser(email="fuzz@example.kz", password="Fuzz-pass-123", roles=["mnvo", "researcher"]))
        app.config["FUZZ_TOKEN"] = issue_token(user)[0]
        from app.core import uow
        uow.commit()  # services only flush: without the commit the token is unknown and every case gets 401
    return app


APP = _app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_5xx_and_errors_are_json(case):
    response = case.call(headers={"Authorization": f"Bearer {APP.config['FUZZ_TOKEN']}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
