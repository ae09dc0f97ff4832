"""Who may follow a background job: whoever started it, and administrators."""
from __future__ import annotations

from app.core.permissions import rule
from app.jobs.models import Job


@rule("job.view")
def can_view_job(user, job: Job) -> bool:
    return job.created_by_id == user.id or user.has_role("admin")
