"""Runs one job row: claims it, calls its function with a progress reporter, records the outcome.

The job is a unit of work: its function flushes, the runner commits once when it returns (and then
dispatches the jobs it submitted) or rolls back and records the failure."""
from __future__ import annotations

import logging
import threading
import traceback

from flask import has_app_context
from sqlalchemy import update

from app.core import time as clock
from app.core.db import SQLITE_BUSY_TIMEOUT_MS, db
from app.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

logger = logging.getLogger(__name__)


_live: dict[int, tuple[int, str]] = {}  # job id -> (percent, message) of jobs running in this process


def live_progress(job_id: int) -> tuple[int, str] | None:
    """The latest progress a job running in this process reported, even if the row could not take it yet."""
    return _live.get(job_id)


class Progress:
    """Writes progress into the job row in its own short transaction, so readers see it at once.

    On SQLite only one connection may write at a time: while the job's own unit of work holds the write
    lock the row cannot take the progress, so the write gives up at once (it never waits on the job that
    is reporting) and the progress stays in this process's memory, which the job page reads too."""

    def __init__(self, job_id: int):
        self.job_id = job_id

    def __call__(self, percent: float, message: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        message = message[:2000]
        _live[self.job_id] = (percent, message)
        values = {"progress": percent, "message": message, "heartbeat_at": clock.now()}
        if db.engine.dialect.name != "sqlite":
            with db.engine.begin() as connection:
                connection.execute(update(Job).where(Job.id == self.job_id).values(**values))
            return
        if db.engine.url.database in (None, "", ":memory:"):
            return  # one shared connection (tests): the in-memory record is all there is
        from sqlalchemy.exc import OperationalError
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                connection.execute(update(Job).where(Job.id == self.job_id).values(**values))
                connection.commit()
            except OperationalError:
                connection.rollback()  # locked by the job's own writes: the in-memory record serves
            finally:
                connection.exec_driver_sql("PRAGMA busy_timeout = %d" % SQLITE_BUSY_TIMEOUT_MS)
                connection.commit()


class Heartbeat:
    """Touches the job row every few seconds while the job runs, so a killed worker is noticed by
    ``drain()`` (the row goes silent) and the job is re-queued."""

    def __init__(self, engine, job_id: int, every: float):
        self.engine, self.job_id, self.every = engine, job_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self):
        while not self._stop.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == self.job_id, Job.status == RUNNING)
                                       .values(heartbeat_at=clock.now()))
            except Exception:  # the next beat retries; a dead database stops the job anyway
                logger.warning("heartbeat of job %s failed", self.job_id)


def _execute(job: Job):
    """Call the job's function in the language of whoever asked for it, with a heartbeat."""
    from flask import current_app
    from flask_babel import force_locale
    every = max(1.0, current_app.config["JOB_HEARTBEAT_TIMEOUT"] / 4)
    func = _call(job.func)
    with force_locale(job.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if db.engine.dialect.name == "sqlite" and db.engine.url.database in (None, "", ":memory:"):
            return func(*job.args, progress=Progress(job.id))  # one shared connection: no second thread
        with Heartbeat(db.engine, job.id, every):
            return func(*job.args, progress=Progress(job.id))


def _call(path: str):
    from app.jobs import call
    return call(path)


def run_job(job_id: int):
    if not has_app_context():
        from app import create_app
        with create_app().app_context():
            return _run(job_id)
    return _run(job_id)


def _run(job_id: int):
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, started_at=clock.now(), heartbeat_at=clock.now(), attempts=Job.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        logger.info("job %s is not queued any more; skipping", job_id)
        return None
    job = db.session.get(Job, job_id)
    logger.info("job %s %s started (attempt %s)", job.id, job.func, job.attempts)
    from app.core import uow
    uow.begin()
    try:
        result = _execute(job)
        last = _live.get(job_id)
        db.session.execute(update(Job).where(Job.id == job_id).values(
            status=DONE, progress=100, result=result if isinstance(result, dict) else {"value": result},
            finished_at=clock.now(), **({"message": last[1]} if last else {})))
        uow.commit()  # the job's work and its DONE row together; then its own jobs are dispatched
    except Exception as exc:
        uow.rollback()
        logger.exception("job %s failed", job_id)
        db.session.execute(update(Job).where(Job.id == job_id).values(
            status=FAILED, error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:8000],
            finished_at=clock.now()))
        db.session.commit()
        return None
    finally:
        _live.pop(job_id, None)
    logger.info("job %s done", job_id)
    return result
