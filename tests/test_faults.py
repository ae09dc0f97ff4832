"""Faults without external services: Redis down, a worker that died, the database refusing a write."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.competitions.models import Application
from app.core import time as clock
from app.jobs import drain, submit
from app.jobs.models import Job
from tests.api.test_core import assert_error
from tests.competitions.helpers import accredited_org, complete_draft, open_competition


def _world(make_user):
    org = accredited_org()
    mnvo = make_user("mnvo")
    head = make_user("org_head", organisation=org.name_ru)
    leader = make_user("researcher", organisation=org.name_ru)
    competition = open_competition(mnvo)
    return leader, complete_draft(leader, competition, head)


def test_redis_down_applicants_still_submit(app, make_user, api, db):
    leader, application = _world(make_user)
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", JOBS_INLINE=False)  # nothing listens there
    client = api.as_(leader)
    assert client.patch(f"/api/v1/applications/{application.id}", json={"duration_months": 24}
                        ).status_code == 200  # saved while Redis is down (unchanged: the signature holds)
    response = client.post(f"/api/v1/applications/{application.id}/submit")
    assert response.status_code == 200, response.get_json()
    pending = db.session.scalars(select(Job).where(Job.status == "queued")).all()
    assert pending and all(job.enqueued_at is None for job in pending)  # kept in the outbox
    app.config.update(REDIS_URL=None, JOBS_INLINE=True)  # Redis is "back": drain runs them
    assert drain() == len(pending)
    db.session.expire_all()
    assert all(db.session.get(Job, job.id).status == "done" for job in pending)


def test_dead_worker_job_is_requeued_and_finished_once(app, db):
    job = submit("tests.jobs_for_tests.slow_count", 0.01)
    job.status, job.attempts = "running", 1
    job.heartbeat_at = clock.now() - timedelta(seconds=app.config["JOB_HEARTBEAT_TIMEOUT"] + 5)
    db.session.commit()
    assert drain() == 1  # inline in tests: re-queued and run
    db.session.expire_all()
    row = db.session.get(Job, job.id)
    assert row.status == "done" and row.attempts == 2 and row.result["slept"] == 0.01
    assert drain() == 0  # nothing left: the result is written once


def test_live_job_is_not_stolen(app, db):
    job = submit("tests.jobs_for_tests.slow_count", 0.01)
    job.status, job.heartbeat_at = "running", clock.now()
    db.session.commit()
    assert drain() == 0


def test_database_refusing_a_write_leaves_nothing_half_saved(app, make_user, api, db, monkeypatch):
    leader, application = _world(make_user)
    client = api.as_(leader)
    from app.core import audit

    def refuse(*args, **kwargs):
        raise IntegrityError("INSERT INTO audit_log", {}, Exception("constraint violated"))

    monkeypatch.setattr(audit, "record", refuse)
    error = assert_error(client.post(f"/api/v1/applications/{application.id}/submit"), 409)
    assert "Nothing was saved" in error["message"] or error["message"]
    db.session.expire_all()
    row = db.session.get(Application, application.id)
    assert row.status == "draft" and row.irn is None and row.receipt_sha256 is None


def test_database_down_answers_503(app, make_user, api, monkeypatch):
    leader, application = _world(make_user)
    client = api.as_(leader)
    from app.competitions import applications as application_ops

    def down(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(application_ops, "eligibility_problems", down)
    assert_error(client.post(f"/api/v1/applications/{application.id}/submit"), 503, "unavailable")


def test_formal_letter_printable_for_the_applicant(app, make_user, client, auth):
    from datetime import timedelta as _td

    from app.competitions import applications as application_ops
    from app.competitions import services as comp
    leader, application = _world(make_user)
    application_ops.submit(leader, application.id)
    mnvo = application.competition.created_by
    clock.freeze(application.competition.deadline + _td(seconds=1))
    comp.transition(mnvo, application.competition_id, "closed")
    application_ops.formal_check(mnvo, application.id, False, ["Нет письма о софинансировании"])
    auth.login(leader)
    page = client.get(f"/applications/{application.id}/formal-letter")
    assert page.status_code == 200 and "Нет письма о софинансировании" in page.get_data(as_text=True)
    auth.logout()
    auth.login(make_user("researcher"))
    assert client.get(f"/applications/{application.id}/formal-letter").status_code == 404
