"""The embedded default's job runner: one worker thread per process, fed after each commit.

Without Redis the web process still never runs a job inside a request: ``dispatch()`` puts the committed
job ids on this thread's queue and the request returns at once; the job page polls the row for progress.
When the thread starts it also takes the rows a stopped process left queued or running (the outbox), so a
restart loses nothing. SQLite runs in WAL mode with a busy timeout (``app.core.db``), so the thread's
writes and the requests' writes wait for each other instead of failing.
"""
from __future__ import annotations

import logging
import queue
import threading

from flask import Flask

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_workers: dict[int, "LocalWorker"] = {}


class LocalWorker:
    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.Queue[int] = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="jobs-local", daemon=True)
        self.thread.start()

    def put(self, ids: list[int]) -> None:
        for job_id in ids:
            self.queue.put(job_id)

    def _loop(self) -> None:
        self._recover()
        self._warm()
        while True:
            job_id = self.queue.get()
            try:
                self._run(job_id)
            except Exception:  # the runner records failures in the row; this guards the thread itself
                logger.exception("local worker could not run job %s", job_id)
            finally:
                self.queue.task_done()

    def _run(self, job_id: int) -> None:
        from app.core.db import db
        from app.jobs.runner import run_job
        with self.app.app_context():
            try:
                run_job(job_id)
            finally:
                db.session.remove()

    def _warm(self) -> None:
        """Load the embedding model once, before the first job needs it (it takes seconds)."""
        try:
            with self.app.app_context():
                from app.text.encoders import get_encoder
                get_encoder(self.app.config["MATCHING_MODEL"]).encode(["warm-up"])
        except Exception:
            logger.warning("local worker could not load the embedding model ahead of time", exc_info=True)

    def _recover(self) -> None:
        """Rows a stopped process left behind: queued ones, and running ones whose heartbeat went silent."""
        from app.core.db import db
        from app.jobs import drain_ids
        try:
            with self.app.app_context():
                try:
                    self.put(drain_ids())
                finally:
                    db.session.remove()
        except Exception:
            logger.exception("local worker could not read the outbox")


def local_worker(app: Flask) -> LocalWorker:
    with _lock:
        worker = _workers.get(id(app))
        if worker is None or not worker.thread.is_alive():
            worker = _workers[id(app)] = LocalWorker(app)
        return worker
