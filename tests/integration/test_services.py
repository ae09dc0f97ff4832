"""The production path: migrations on PostgreSQL, a real rq worker process, the web app reading results."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.config import PROJECT_ROOT
from app.core.db import db
from app.jobs.models import Job

pytestmark = pytest.mark.integration


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_audit_log_is_append_only_in_postgres(app):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO audit_log (at, action, object_type) VALUES (now(), 'x', 'y')"))
    with pytest.raises(DatabaseError), db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET action = 'z'"))
    with pytest.raises(DatabaseError), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log"))


def _run_worker_burst():
    env = dict(os.environ, APP_ENV="development", OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_rq_worker_runs_job_and_web_reads_result(app, redis_conn):
    from app.accounts.services import NewUser, create_user
    from app.jobs import enqueue

    user = create_user(NewUser(email="ops@example.kz", password="Strong-pass-1", roles=["mnvo"]))
    job = enqueue("app.jobs.tasks.health_check", "integration", actor=user)
    assert db.session.get(Job, job.id).status == "queued"
    assert db.session.get(Job, job.id).enqueued_at is not None

    result = _run_worker_burst()
    assert result.returncode == 0, result.stdout + result.stderr

    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"email": "ops@example.kz", "password": "Strong-pass-1"}).get_json()
    body = client.get(f"/api/v1/jobs/{job.id}", headers={"Authorization": f"Bearer {token['token']}"}).get_json()
    assert body["status"] == "done", body
    assert body["result"]["database"] == "postgresql"
    assert body["result"]["pid"] != os.getpid()  # ran in the worker process


def test_redis_down_keeps_job_in_outbox_then_drains(app, redis_conn):
    from app.jobs import drain, enqueue

    good_url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        job = enqueue("app.jobs.tasks.health_check", "outbox")
    finally:
        app.config["REDIS_URL"] = good_url
    row = db.session.get(Job, job.id)
    assert row.status == "queued" and row.enqueued_at is None

    assert drain() == 1
    db.session.expire_all()
    assert db.session.get(Job, job.id).enqueued_at is not None
    assert _run_worker_burst().returncode == 0
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "done"


def test_worker_killed_mid_job_is_retried_once(app, redis_conn):
    import signal
    import time
    from app.jobs import drain, enqueue

    app.config["JOB_HEARTBEAT_TIMEOUT"] = 2
    job = enqueue("tests.jobs_for_tests.slow_count", 6.0)
    env = dict(os.environ, APP_ENV="development", JOB_HEARTBEAT_TIMEOUT="2", OMP_NUM_THREADS="1")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            db.session.expire_all()
            if db.session.get(Job, job.id).status == "running":
                break
            time.sleep(0.1)
        assert db.session.get(Job, job.id).status == "running"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    time.sleep(3)  # the heartbeat goes silent
    assert drain() == 1
    result = _run_worker_burst()
    assert result.returncode == 0, result.stdout + result.stderr
    db.session.expire_all()
    row = db.session.get(Job, job.id)
    assert row.status == "done" and row.attempts == 2 and row.result["slept"] == 6.0
