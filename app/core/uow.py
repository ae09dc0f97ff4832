"""The unit of work: the request, the CLI command and the job are the only transaction boundaries.

Services authorize, validate, mutate and *flush*; they never commit. The boundary commits once at the end
and then hands the jobs submitted in that transaction to the queue (``app.jobs.dispatch``), so a job never
runs against rows that were not committed, and a rolled-back request leaves no job behind.

- **Request** (``BoundaryFlask.dispatch_request``): a view that returns a response below 400 commits; a
  response of 400 or more, an exception, or a domain error raised anywhere in the request (even one a view
  caught to re-render a form or flash a message) rolls everything back. A failure of the commit itself
  (a unique key taken meanwhile, a stale version) goes to the ordinary error handlers (409/503), never 500.
  GET, HEAD and OPTIONS never commit: a read that writes is a bug, reported loudly in tests.
- **CLI command**: ``@command_boundary`` (or :func:`commit` at the end of each step of a long command).
- **Job**: ``app.jobs.runner`` commits after the job's function returns.
"""
from __future__ import annotations

import contextlib
import functools
import logging

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.db import db

logger = logging.getLogger(__name__)

READS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadWroteError(RuntimeError):
    """A GET request changed the database (raised in tests; logged and rolled back in production)."""


def doom() -> None:
    """Mark the current unit of work as failed: the boundary rolls it back whatever the view returns.
    Every domain error calls this when it is raised, so a caught error can never commit half its work."""
    if has_app_context():
        g._uow_doomed = True


def doomed() -> bool:
    return bool(has_app_context() and g.get("_uow_doomed"))


def begin() -> None:
    if has_app_context():
        g._uow_doomed = False
    db.session.info.pop("wrote", None)


def commit() -> None:
    """Commit the unit of work and hand its jobs over. Only boundaries call this."""
    db.session.commit()
    db.session.info.pop("wrote", None)
    from app import jobs
    jobs.dispatch()


def rollback() -> None:
    db.session.rollback()
    db.session.info.pop("wrote", None)


def in_read() -> bool:
    """True inside a GET/HEAD/OPTIONS request, whose unit of work may not write."""
    return has_request_context() and request.method in READS


@contextlib.contextmanager
def cache_writes():
    """Where derived data that any reader may recompute (vectors by text hash) is written: the unit of
    work's session, or, inside a read, a short transaction of its own (a cache, as Redis would be), so a
    GET stores a vector once without committing anything else."""
    if in_read():
        with db.engine.begin() as connection:
            yield connection
    else:
        yield db.session


def finish(status: int) -> None:
    """End a request's unit of work by its outcome."""
    if request.method in READS:
        wrote = bool(db.session.info.get("wrote") or db.session.new or db.session.dirty or db.session.deleted)
        rollback()
        if wrote:
            message = f"{request.method} {request.path} changed the database; a read must not write"
            if current_app.testing:
                raise ReadWroteError(message)
            logger.error(message)
        return
    if status < 400 and not doomed():
        commit()
    else:
        rollback()


class BoundaryFlask(Flask):
    """Flask with the request as the unit of work (indico's RH.process, in one place)."""

    def dispatch_request(self):
        begin()
        response = self.make_response(super().dispatch_request())
        finish(response.status_code)
        return response


def command_boundary(func):
    """Decorate a CLI command's callback: one commit at the end, a rollback if it fails."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        begin()
        try:
            result = func(*args, **kwargs)
        except BaseException:
            rollback()
            raise
        if doomed():
            rollback()
        else:
            commit()
        return result
    return wrapper


def on_commit(func) -> None:
    """Run ``func()`` once this unit of work has committed (e.g. delete a file its rows no longer name)."""
    db.session.info.setdefault("on_commit", []).append(func)


def on_rollback(func) -> None:
    """Run ``func()`` if this unit of work is rolled back (e.g. delete a file written for rows never kept)."""
    db.session.info.setdefault("on_rollback", []).append(func)


def _run_hooks(session, name: str, other: str) -> None:
    hooks = session.info.pop(name, None) or []
    session.info.pop(other, None)
    for func in hooks:
        try:
            func()
        except Exception:
            logger.exception("%s hook failed", name)


@event.listens_for(Session, "after_commit")
def _committed(session):
    _run_hooks(session, "on_commit", "on_rollback")


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    _run_hooks(session, "on_rollback", "on_commit")


@event.listens_for(Session, "after_flush")
def _note_write(session, _flush_context):
    session.info["wrote"] = True
