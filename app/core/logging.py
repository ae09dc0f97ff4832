"""Logging to stdout, configured once by the factory; lines carry the request id or the job id."""
from __future__ import annotations

import logging
import logging.config
import uuid

from flask import g, has_request_context


class ContextFilter(logging.Filter):
    def filter(self, record):
        context = "-"
        if has_request_context():
            context = getattr(g, "request_id", "-")
        else:
            try:
                from rq import get_current_job
                job = get_current_job()
                if job is not None:
                    context = f"job:{job.id}"
            except Exception:
                pass
        record.context = context
        return True


def configure_logging(app) -> None:
    level = "DEBUG" if app.debug else "INFO"
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                "filters": ["context"], "formatter": "plain"}},
        "loggers": {"app": {"level": level, "handlers": ["stdout"], "propagate": False}},
    })

    @app.before_request
    def assign_request_id():
        g.request_id = uuid.uuid4().hex[:12]
