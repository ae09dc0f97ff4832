"""Background jobs of the scoring module."""
from __future__ import annotations

from app.accounts.models import User
from app.core.db import db


def assign_experts(competition_id: int, actor_id: int, progress=None) -> dict:
    from app.scoring import services
    actor = db.session.get(User, actor_id)
    created = services.compute_assignment(actor, competition_id, progress=progress)
    return {"proposed": len(created), "competition_id": competition_id}
