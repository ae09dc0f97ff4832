from __future__ import annotations

from app.core.db import db
from app.core.permissions import authorize, rule
from app.jobs.models import Job


@rule("job.view")
def _can_view_job(user, job: Job) -> bool:
    return job.created_by_id == user.id or user.has_role("admin")


def get_job_for(user, job_id: int) -> Job:
    from app.core.errors import NotFound
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound()
    authorize(user, "job.view", job, hide=True)
    return job
