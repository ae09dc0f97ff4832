from __future__ import annotations

from app.core.db import db
from app.core.errors import NotFound
from app.core.permissions import authorize
from app.jobs import permissions as _rules  # noqa: F401  (registers job.view)
from app.jobs.models import Job


def get_job_for(user, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound()
    authorize(user, "job.view", job, hide=True)
    return job
