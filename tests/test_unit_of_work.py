"""The unit of work: one commit per request, CLI command or job; reads never write; jobs only after commit;
and the embedded default (a SQLite file, jobs on a thread of the web process) runs jobs off the request."""
from __future__ import annotations

import time

import pytest
from flask import redirect
from sqlalchemy import func, select

from app.core import audit, uow
from app.core.audit import AuditEntry
from app.core.db import db as _db
from app.core.errors import Conflict
from app.jobs import submit
from app.jobs.models import DONE, Job
from tests.conftest import SharedDatabase, make_test_app


def _entries(marker: str) -> int:
    return _db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == marker))


def _writes():
    audit.record(None, "test.post", None)
    submit("tests.jobs_for_tests.slow_count", 0)
    return "ok"


def _caught():
    audit.record(None, "test.caught", None)
    submit("tests.jobs_for_tests.slow_count", 0)
    try:
        raise Conflict("taken meanwhile")
    except Conflict:
        return redirect("/")  # a view that flashes and redirects: still nothing is kept


def _read_that_writes():
    audit.record(None, "test.get", None)
    return "ok"


@pytest.fixture(scope="module")
def shared_app():
    """This module's own shared app (schema once, a rolled-back transaction per test, as in conftest), with
    views that do what real views do, to watch the boundary decide: they must be added before the app
    serves its first request, and must not join the routes every other test enumerates."""
    app = make_test_app()
    app.add_url_rule("/_t/writes", "t_writes", _writes, methods=["POST"])
    app.add_url_rule("/_t/caught", "t_caught", _caught, methods=["POST"])
    app.add_url_rule("/_t/read", "t_read", _read_that_writes, methods=["GET"])
    database = SharedDatabase(app)
    yield database
    database.close()


@pytest.fixture
def routes(app):
    return app


def test_a_request_commits_once_and_then_dispatches_its_jobs(routes, client):
    assert client.post("/_t/writes").status_code == 200
    _db.session.rollback()
    assert _entries("test.post") == 1
    job = _db.session.scalar(select(Job).order_by(Job.id.desc()))
    assert job.status == DONE  # handed over after the commit (synchronously in tests)


def test_a_caught_domain_error_rolls_the_request_back_and_drops_its_jobs(routes, client):
    assert client.post("/_t/caught").status_code == 302
    _db.session.rollback()
    assert _entries("test.caught") == 0
    assert _db.session.scalar(select(func.count(Job.id))) == 0


def test_a_read_that_writes_is_refused_and_rolled_back(routes, client):
    assert client.get("/_t/read").status_code == 500
    _db.session.rollback()
    assert _entries("test.get") == 0


def test_a_cli_command_is_one_unit_of_work(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "cli.one@example.kz", "--password",
                                 "Long-enough-pass-1", "--role", "researcher"])
    assert result.exit_code == 0, result.output
    _db.session.rollback()
    from app.accounts.models import User
    assert _db.session.scalar(select(User).where(User.email == "cli.one@example.kz")) is not None


def test_a_failed_job_keeps_none_of_its_writes(app):
    job = submit("tests.jobs_for_tests.write_then_report", "doomed-job", 1, 0.0)
    job.func = "tests.jobs_for_tests.no_such_function"
    uow.commit()
    _db.session.expire_all()
    assert _db.session.get(Job, job.id).status == "failed"
    assert _entries("test.job_write") == 0


# --- the embedded default: a SQLite file, jobs on a thread -------------------------------------------------

@pytest.fixture
def embedded(tmp_path):
    from tests.embedded import dispose, embedded_app

    def t_start():
        submit("tests.jobs_for_tests.write_then_report", "threaded", 5, 0.3)
        return "queued"

    def t_meanwhile():
        audit.record(None, "test.meanwhile", None)
        return "ok"

    app = embedded_app(tmp_path, {"/_t/start": (t_start, ["POST"]), "/_t/meanwhile": (t_meanwhile, ["POST"])})
    yield app
    dispose(app)


def _job(app, job_id=None):
    with app.app_context():
        try:
            query = select(Job).order_by(Job.id.desc())
            job = _db.session.scalar(query) if job_id is None else _db.session.get(Job, job_id)
            return job.as_dict() if job else None
        finally:
            _db.session.remove()


def test_embedded_jobs_run_off_the_request_with_live_progress_and_no_lock_errors(embedded):
    client = embedded.test_client()
    started = time.monotonic()
    assert client.post("/_t/start").status_code == 200
    assert time.monotonic() - started < 1.0  # the job takes 1.5 s: the request did not wait for it
    with embedded.app_context():
        assert _db.session.execute(select(_db.text("1"))).scalar() == 1
        assert _db.engine.dialect.name == "sqlite"
        mode = _db.session.execute(_db.text("PRAGMA journal_mode")).scalar()
        _db.session.remove()
    assert mode == "wal"
    seen_progress, wrote_meanwhile, deadline = set(), False, time.monotonic() + 20
    job = _job(embedded)
    while job["status"] != DONE and time.monotonic() < deadline:
        if job["status"] == "running":
            seen_progress.add(job["progress"])
            if max(seen_progress) > 0 and not wrote_meanwhile:
                # another request writes while the job holds SQLite's write lock: it waits, it does not fail
                assert client.post("/_t/meanwhile").status_code == 200
                wrote_meanwhile = True
        time.sleep(0.05)
        job = _job(embedded, job["id"])
    assert job["status"] == DONE, job
    assert job["result"] == {"marker": "threaded"}
    assert len(seen_progress - {0}) >= 1 and wrote_meanwhile  # progress was visible while it ran
    with embedded.app_context():
        assert _entries("test.job_write") == 1
        assert _entries("test.meanwhile") >= 1
        _db.session.remove()


def test_a_rolled_back_request_keeps_the_tests_own_setup(routes, client, make_user):
    """The test's setup (flushed, not committed) is committed when a request starts; the request's rollback
    goes back to that point, not past it (each commit here is a SAVEPOINT of the test's transaction)."""
    from app.accounts.models import User
    user = make_user()
    audit.record(None, "test.setup", None)
    assert client.post("/_t/caught").status_code == 302
    _db.session.rollback()
    assert _entries("test.setup") == 1 and _entries("test.caught") == 0
    assert _db.session.get(User, user.id) is not None
    assert client.post("/_t/writes").status_code == 200  # and the next request commits on top of it
    _db.session.rollback()
    assert _entries("test.setup") == 1 and _entries("test.post") == 1
