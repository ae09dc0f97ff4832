"""Background work through one small seam.

``submit(func, *ids, ...)`` adds a ``Job`` row to the caller's unit of work. After the caller commits,
``dispatch()`` hands the new rows to RQ (Redis) or, when no ``REDIS_URL`` is configured, runs them inline.
If Redis is unreachable the rows stay queued (the outbox) and ``drain()`` (``flask jobs drain``, also run
whenever a worker starts) hands them over later, so no job is lost. Jobs take ids, reload their rows,
report progress into the row, and must be idempotent: a job that was retried writes its result once.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import or_, select, update
from werkzeug.utils import import_string

from app.core import time as clock
from app.core.db import db
from app.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

logger = logging.getLogger(__name__)

QUEUES = ("default", "matching", "mail")
RUNNER = "app.jobs.runner"


def submit(func: str, *args, queue: str = "default", title: str = "", actor=None) -> Job:
    """Add a job to the current transaction; it is dispatched by ``dispatch()`` after commit."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    job = Job(func=func, args=list(args), queue=queue, title=title or func.rsplit(".", 1)[-1],
              created_by_id=getattr(actor, "id", None), locale=_current_locale())
    db.session.add(job)
    db.session.flush()
    g.setdefault("pending_jobs", []).append(job.id)
    return job


def _current_locale() -> str | None:
    from flask import has_request_context
    if not has_request_context():
        return None
    from flask_babel import get_locale
    return str(get_locale() or "") or None


def dispatch() -> None:
    """Hand the jobs submitted in this request/context to the queue. Call after commit.

    With Redis, all of them go in one pipeline and are marked enqueued in one statement (deadline day adds
    two jobs to every submission); if Redis is unreachable they stay in the outbox for ``drain()``."""
    ids = g.pop("pending_jobs", []) if _has_g() else []
    if not ids:
        return
    if is_inline():
        for job_id in ids:
            _hand_over(job_id)
        return
    rows = db.session.scalars(select(Job).where(Job.id.in_(ids), Job.status == QUEUED)).all()
    if rows:
        _to_redis(rows)


def _to_redis(rows: list[Job]) -> bool:
    """Enqueue the rows in one pipeline and mark them enqueued in one statement; on a Redis failure they
    stay in the outbox (``drain()`` retries)."""
    try:
        from rq import Queue
        connection = redis_connection()
        with connection.pipeline() as pipe:
            for job in rows:
                Queue(job.queue, connection=connection).enqueue(
                    f"{RUNNER}.run_job", job.id, job_id=f"job-{job.id}-{job.attempts}",
                    job_timeout=current_app.config["JOB_TIMEOUT"], result_ttl=3600, failure_ttl=86400,
                    pipeline=pipe)
            pipe.execute()
    except Exception as exc:  # Redis down
        logger.warning("jobs %s kept in the outbox, Redis unavailable: %s", [j.id for j in rows], exc)
        db.session.rollback()
        return False
    db.session.execute(update(Job).where(Job.id.in_([j.id for j in rows])).values(enqueued_at=clock.now()))
    db.session.commit()
    return True


def enqueue(func: str, *args, queue: str = "default", title: str = "", actor=None) -> Job:
    """Submit, commit and dispatch in one go, for callers whose own work is already committed."""
    job = submit(func, *args, queue=queue, title=title, actor=actor)
    db.session.commit()
    dispatch()
    return job


def _has_g() -> bool:
    from flask import has_app_context
    return has_app_context()


def is_inline() -> bool:
    inline = current_app.config.get("JOBS_INLINE")
    if inline is None:
        return not current_app.config.get("REDIS_URL")
    return bool(inline)


_connections: dict = {}


def redis_connection():
    """One connection pool per process and URL (a new TCP connection per job costs on deadline day)."""
    from redis import Redis
    url = current_app.config["REDIS_URL"]
    connection = _connections.get(url)
    if connection is None:
        connection = _connections[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return connection


def _hand_over(job_id: int) -> bool:
    job = db.session.get(Job, job_id)
    if job is None:  # its transaction was rolled back
        return False
    if is_inline():
        from app.jobs.runner import run_job
        run_job(job_id)
        return True
    return _to_redis([job])


def drain(stale_after: timedelta | None = None) -> int:
    """Dispatch every job still in the outbox, and re-queue running jobs whose worker died."""
    stale_after = stale_after or timedelta(seconds=current_app.config["JOB_TIMEOUT"])
    cutoff = clock.now() - stale_after
    heartbeat_cutoff = clock.now() - timedelta(seconds=current_app.config["JOB_HEARTBEAT_TIMEOUT"])
    pending = db.session.scalars(
        select(Job.id).where(or_(
            (Job.status == QUEUED) & or_(Job.enqueued_at.is_(None), Job.enqueued_at < cutoff),
            (Job.status == RUNNING) & or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < heartbeat_cutoff),
        )).order_by(Job.id)
    ).all()
    handed = 0
    for job_id in pending:
        db.session.execute(update(Job).where(Job.id == job_id, Job.status == RUNNING)
                           .values(status=QUEUED, message="requeued after a worker stopped"))
        db.session.commit()
        if _hand_over(job_id):
            handed += 1
    return handed


def call(func_path: str):
    return import_string(func_path)


__all__ = ["submit", "dispatch", "enqueue", "drain", "is_inline", "Job", "QUEUED", "RUNNING", "DONE", "FAILED"]
