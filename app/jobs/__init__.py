"""Background work through one small seam.

``submit(func, *ids, ...)`` adds a ``Job`` row to the caller's unit of work. When that unit of work commits
(the request, the CLI command or the job: see ``app.core.uow``), an after-commit hook marks the new rows
ready and the boundary calls ``dispatch()``, which hands them over in one of three ways:

- ``redis``: to RQ workers (production, ``REDIS_URL`` set). If Redis is unreachable the rows stay queued (the
  outbox) and ``drain()`` (``flask jobs drain``, also run whenever a worker starts) hands them over later.
- ``thread``: the embedded default (no ``REDIS_URL``): to one worker thread of this process, so a request
  returns at once and the job page shows live progress, as with RQ. Rows left queued by a stopped process
  are picked up when the thread starts.
- ``sync``: in the caller's thread right after the commit (tests, and CLI commands, which have nobody to
  keep waiting).

A rolled-back unit of work drops its rows and dispatches nothing. Jobs take ids, reload their rows, report
progress into the row, and must be idempotent: a job that was retried writes its result once.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, has_request_context
from sqlalchemy import or_, select, update
from werkzeug.utils import import_string

from app.core import time as clock
from app.core import uow
from app.core.db import db
from app.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

logger = logging.getLogger(__name__)

QUEUES = ("default", "matching", "mail")
RUNNER = "app.jobs.runner"
_READY = "jobs_ready"


def submit(func: str, *args, queue: str = "default", title: str = "", actor=None) -> Job:
    """Add a job to the current unit of work; it is dispatched after that unit of work commits."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    job = Job(func=func, args=list(args), queue=queue, title=title or func.rsplit(".", 1)[-1],
              created_by_id=getattr(actor, "id", None), locale=_current_locale())
    db.session.add(job)
    db.session.flush()
    session_info = db.session.info
    # ready for hand-over once this unit of work commits; a rollback drops the hook (and the row)
    uow.on_commit(lambda: session_info.setdefault(_READY, []).append(job.id))
    return job


def _current_locale() -> str | None:
    if not has_request_context():
        return None
    from flask_babel import get_locale
    return str(get_locale() or "") or None


def mode() -> str:
    """``redis``, ``thread`` or ``sync`` (see the module's docstring); ``JOBS_MODE`` overrides."""
    configured = current_app.config.get("JOBS_MODE")
    if configured:
        return configured
    inline = current_app.config.get("JOBS_INLINE")
    if inline is False or (inline is None and current_app.config.get("REDIS_URL")):
        return "redis"
    if inline is True or current_app.testing or not has_request_context():
        return "sync"
    return "thread"


def is_inline() -> bool:
    return mode() != "redis"


def dispatch() -> None:
    """Hand the jobs of the units of work committed so far to the queue. Boundaries call it after commit."""
    ids = db.session.info.pop(_READY, None)
    if not ids:
        return
    how = mode()
    if how == "thread":
        from app.jobs.local import local_worker
        local_worker(current_app._get_current_object()).put(ids)
    elif how == "sync":
        from app.jobs.runner import run_job
        for job_id in ids:
            run_job(job_id)
    else:
        rows = db.session.scalars(select(Job).where(Job.id.in_(ids), Job.status == QUEUED)).all()
        if rows:
            _to_redis(rows)


def _to_redis(rows: list[Job]) -> bool:
    """Enqueue the rows in one pipeline and mark them enqueued in one statement of its own; on a Redis
    failure they stay in the outbox (``drain()`` retries)."""
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
        return False
    ids = [j.id for j in rows]
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id.in_(ids)).values(enqueued_at=clock.now()))
    db.session.expire_all()
    return True


def enqueue(func: str, *args, queue: str = "default", title: str = "", actor=None) -> Job:
    """Submit, commit and dispatch in one go: for boundaries whose own work is already committed."""
    from app.core import uow
    job = submit(func, *args, queue=queue, title=title, actor=actor)
    uow.commit()
    return job


_connections: dict = {}


def redis_connection():
    """One connection pool per process and URL (a new TCP connection per job costs on deadline day)."""
    from redis import Redis
    url = current_app.config["REDIS_URL"]
    connection = _connections.get(url)
    if connection is None:
        connection = _connections[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return connection


def drain_ids(stale_after: timedelta | None = None) -> list[int]:
    """Mark the outbox's forgotten rows queued again (its own short unit of work) and return their ids:
    rows never handed over, and running rows whose worker went silent."""
    stale_after = stale_after or timedelta(seconds=current_app.config["JOB_TIMEOUT"])
    cutoff = clock.now() - stale_after
    heartbeat_cutoff = clock.now() - timedelta(seconds=current_app.config["JOB_HEARTBEAT_TIMEOUT"])
    pending = db.session.scalars(
        select(Job.id).where(or_(
            (Job.status == QUEUED) & or_(Job.enqueued_at.is_(None), Job.enqueued_at < cutoff),
            (Job.status == RUNNING) & or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < heartbeat_cutoff),
        )).order_by(Job.id)
    ).all()
    if pending:
        db.session.execute(update(Job).where(Job.id.in_(pending), Job.status == RUNNING)
                           .values(status=QUEUED, message="requeued after a worker stopped"))
        db.session.commit()  # its own unit of work: the rows must be queued before they are handed over
    return list(pending)


def drain(stale_after: timedelta | None = None) -> int:
    """Dispatch every job still in the outbox, and re-queue running jobs whose worker died."""
    pending = drain_ids(stale_after)
    if not pending:
        return 0
    if is_inline():
        from app.jobs.runner import run_job
        for job_id in pending:
            run_job(job_id)
        return len(pending)
    rows = db.session.scalars(select(Job).where(Job.id.in_(pending), Job.status == QUEUED)).all()
    return len(rows) if rows and _to_redis(rows) else 0


def call(func_path: str):
    return import_string(func_path)


__all__ = ["submit", "dispatch", "enqueue", "drain", "mode", "is_inline", "Job", "QUEUED", "RUNNING", "DONE",
           "FAILED"]


def init_app(app) -> None:
    """The job pages, their permission rules and ``flask jobs``."""
    from app.jobs import permissions  # noqa: F401  (rules)
    from app.jobs.cli import jobs_cli
    from app.jobs.views import bp
    app.register_blueprint(bp, url_prefix="/jobs")
    app.cli.add_command(jobs_cli)

    @app.before_request
    def start_local_worker():
        """Serving without Redis: the worker thread starts with the first request (it takes over the outbox
        and loads the embedding model then, so the first job does not wait for either)."""
        if mode() == "thread":
            from app.jobs.local import local_worker
            local_worker(app)
