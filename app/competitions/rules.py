"""Pure rules of competitions: instrument templates, lifecycle steps, eligibility. No Flask, no DB."""
from __future__ import annotations

from decimal import Decimal

from app.competitions.models import (ARCHIVED, CLOSED, COUNCIL, DRAFT, OPEN, PUBLISHED, RESULTS, REVIEW)

# The lifecycle: each state and the states it may move to.
TRANSITIONS = {
    DRAFT: (PUBLISHED,),
    PUBLISHED: (OPEN, DRAFT),
    OPEN: (CLOSED,),
    CLOSED: (REVIEW,),
    REVIEW: (COUNCIL,),
    COUNCIL: (RESULTS,),
    RESULTS: (ARCHIVED,),
    ARCHIVED: (),
}

DEFAULT_CRITERIA = [
    {"key": "excellence", "name": {"ru": "Научная значимость и новизна", "kk": "Ғылыми маңыздылығы мен жаңалығы",
                                   "en": "Excellence"}, "weight": 1.0, "min": 0, "max": 5, "step": 0.5,
     "threshold": 3},
    {"key": "impact", "name": {"ru": "Влияние и коммерческий потенциал", "kk": "Әсері және коммерциялық әлеуеті",
                               "en": "Impact"}, "weight": 1.0, "min": 0, "max": 5, "step": 0.5, "threshold": 3},
    {"key": "implementation", "name": {"ru": "Качество и эффективность реализации",
                                       "kk": "Іске асырудың сапасы мен тиімділігі",
                                       "en": "Quality and efficiency of implementation"},
     "weight": 1.0, "min": 0, "max": 5, "step": 0.5, "threshold": 3},
]

RULE_DEFAULTS = {
    "cofinancing": {"scientist": 0.10, "startup": 0.20, "business": 0.30},
    "priorities": [],          # eligible priority directions; empty: all
    "territories": [],         # eligible territories; empty: any
    "required_documents": ["project_description", "budget_justification"],
    "require_org_signature": True,
    "total_threshold": 10.0,
    "aggregation": "mean",     # or "median"
    "spread_threshold": 2.0,
    "tie_break": ["excellence", "impact", "submitted_at"],
    "quorum": 0.5,             # share of council members who must vote
    "majority": 0.5,           # share of votes cast "for" needed (strictly more than)
    "appeal_days": 10,
    "max_excluded_experts": 3,
    "quotas": {},              # optional cap of the budget share per region: {"almaty_city": 0.4}
}

IRN_PREFIXES = {"grant": "AP", "programme": "BR", "commercialisation": "DP", "megagrant": "MG",
                "regional": "RG"}


def as_decimal(value) -> Decimal:
    return Decimal(str(value or 0))


def cofinancing_share(requested, cofinancing) -> float:
    """Co-financing as a share of the grant requested (DOMAIN.md: ≥10 % scientists, ≥20 % startups,
    ≥30 % business)."""
    requested = as_decimal(requested)
    if requested <= 0:
        return 0.0
    return float(as_decimal(cofinancing) / requested)


def irn_for(prefix: str, year: int, application_id: int) -> str:
    """A registration number unique by construction (it embeds the application's id)."""
    return f"{prefix}{year % 100:02d}{application_id:06d}"
