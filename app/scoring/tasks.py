"""Background jobs of the scoring module."""
from __future__ import annotations

from app.accounts.models import User
from app.core.db import db


def assign_experts(competition_id: int, actor_id: int, progress=None) -> dict:
    from app.scoring.review import assignments as assignment_ops
    actor = db.session.get(User, actor_id)
    created = assignment_ops.compute_assignment(actor, competition_id, progress=progress)
    return {"proposed": len(created), "competition_id": competition_id}


def embed_experts(user_ids: list[int] | None = None, progress=None) -> dict:
    """Put experts' texts in the vector cache ahead of the assignment (every expert, or those named), so
    running an assignment only embeds what changed. Texts already cached cost a lookup."""
    from app.scoring.experts import services as expert_ops
    from app.scoring.review.assignments import expert_vectors
    experts = expert_ops.experts_pool()
    if user_ids is not None:
        wanted = set(user_ids)
        experts = [p for p in experts if p.user_id in wanted]
    if progress:
        progress(10, f"{len(experts)}")
    texts = expert_vectors(experts)
    return {"experts": len(experts), "texts": texts}
