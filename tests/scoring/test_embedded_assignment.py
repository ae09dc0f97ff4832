"""The operator's "run the assignment" in the embedded default (a SQLite file, jobs on a thread of the web
process): the request returns at once, the job page shows its progress, and the job finishes instead of
failing with "database is locked" (it wrote conflicts and proposals while reporting progress)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.core import uow
from app.core import time as clock
from app.core.db import db as _db
from app.jobs.models import DONE, Job
from app.scoring.models import ExpertAssignment
from tests.scoring.helpers import review_world


@pytest.fixture
def app(tmp_path):
    from flask import request_started

    from tests.conftest import _commit_test_setup
    from tests.embedded import dispose, embedded_app
    app = embedded_app(tmp_path)
    request_started.connect(_commit_test_setup, app)
    with app.app_context():
        yield app
    dispose(app)
    clock.freeze(None)


def test_run_assignment_in_the_embedded_default(app, make_user, client, auth):
    world = review_world(make_user, n_applications=3, n_experts=5, k=2)
    uow.commit()
    auth.login(world["mnvo"])
    competition_id = world["competition"].id
    started = time.monotonic()
    response = client.post(f"/competitions/{competition_id}/review/assign")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert time.monotonic() - started < 2.0
    job_id = int(response.headers["Location"].split("/jobs/")[1].split("?")[0])
    assert client.get(f"/jobs/{job_id}").status_code == 200  # the progress page, while it runs
    deadline, status = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        status = client.get(f"/jobs/{job_id}/status").get_json()
        if status["status"] in (DONE, "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == DONE, status
    _db.session.rollback()
    proposed = _db.session.scalars(select(ExpertAssignment).where(
        ExpertAssignment.competition_id == competition_id)).all()
    assert len(proposed) == 3 * 2
    assert _db.session.get(Job, job_id).result["proposed"] == 6
