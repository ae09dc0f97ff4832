"""``flask seed-demo``: the demo data, step by step, in an explicit order (each step's data needs the
earlier ones: accounts before applications, applications before reviews, reviews before deals).

Each step is a unit of work and skips what already exists, so the whole is idempotent.
"""
from __future__ import annotations

from app.accounts import seed as accounts
from app.competitions import seed as competitions
from app.core import uow
from app.matching import seed as matching
from app.scoring import seed as scoring

STEPS = (
    ("organisations", accounts.seed_organisations),
    ("accounts", accounts.seed_accounts),
    ("competitions and applications", competitions.seed_competitions),
    ("experts", scoring.seed_experts),
    ("review rounds", scoring.seed_reviews),
    ("investors", matching.seed_investors),
    ("introductions and commitments", matching.seed_deals),
    ("embeddings", matching.seed_embeddings),
)


def seed_demo(echo=print) -> dict[str, int]:
    summary = {}
    for name, func in STEPS:
        echo(f"seeding {name}…")
        summary[name] = func(echo)
        uow.commit()  # each step is a unit of work: a later step's failure keeps the earlier ones
    return summary
