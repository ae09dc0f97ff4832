"""Background jobs of the scoring module."""
from __future__ import annotations

from app.accounts.models import User
from app.core.db import db


def assign_experts(competition_id: int, actor_id: int, progress=None) -> dict:
    from app.scoring.review import assignments as assignment_ops
    actor = db.session.get(User, actor_id)
    created = assignment_ops.compute_assignment(actor, competition_id, progress=progress)
    return {"proposed": len(created), "competition_id": competition_id}
