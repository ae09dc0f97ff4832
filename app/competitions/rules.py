"""Pure rules of competitions: instrument templates, lifecycle steps, eligibility. No Flask, no DB."""
from __future__ import annotations

from decimal import Decimal

from app.competitions.states import ARCHIVED, CLOSED, COUNCIL, DRAFT, OPEN, PUBLISHED, RESULTS, REVIEW
from app.reference import data as reference

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

# The criteria of a competition whose instrument has no template: the reference data's, the one source.
DEFAULT_CRITERIA = reference.default_criteria("grant")

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


def _untranslated(message: str, **params) -> str:
    return message % params if params else message


def eligibility_problems(application, *, leader_blocked: bool = False, document_name=lambda code: code,
                         gettext=_untranslated) -> dict[str, list[str]]:
    """Every rule the application fails, keyed by the field the applicant must fix.

    ``application`` is the application (or any object with its fields), with its ``competition``,
    ``attachments``, ``members`` and ``organisation``; ``leader_blocked`` says whether its leader is in the
    registry of unscrupulous participants; ``document_name`` names a document type and ``gettext`` translates
    (the service passes the locale's)."""
    _ = gettext
    c = application.competition
    rules = c.rules or {}
    problems: dict[str, list[str]] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    if not application.title.strip():
        add("title", _("Enter the project title."))
    if not application.abstract.strip():
        add("abstract", _("Enter the abstract."))
    if not application.keywords:
        add("keywords", _("Give at least one keyword."))
    if application.priority is None:
        add("priority", _("Choose the priority direction."))
    elif rules.get("priorities") and application.priority not in rules["priorities"]:
        add("priority", _("This competition does not fund this priority direction."))
    if rules.get("territories") and application.territory not in rules["territories"]:
        add("territory", _("This competition is limited to projects of certain science-intensive territories."))
    if c.region_code and application.region_code != c.region_code:
        add("region", _("This regional competition accepts only applicants from %(region)s.",
                        region=c.region_code))
    trl = application.trl_claimed
    if trl is None:
        add("trl_claimed", _("Choose the technology readiness level (TRL)."))
    else:
        if not c.trl_min <= trl <= c.trl_max:
            add("trl_claimed", _("TRL %(trl)d is outside the eligible range %(lo)d–%(hi)d.", trl=trl, lo=c.trl_min,
                                 hi=c.trl_max))
        missing = [str(level) for level in range(1, trl + 1)
                   if not (application.trl_evidence or {}).get(str(level), "").strip()]
        if missing:
            add("trl_evidence", _("Describe the evidence for TRL levels: %(levels)s.", levels=", ".join(missing)))
    requested = as_decimal(application.requested_kzt)
    if requested <= 0:
        add("requested_kzt", _("Enter the requested amount."))
    elif c.max_grant_kzt is not None and requested > c.max_grant_kzt:
        add("requested_kzt", _("The requested amount exceeds the maximum grant of %(max)s KZT.",
                               max=f"{c.max_grant_kzt:,.0f}".replace(",", " ")))
    if application.duration_months is None:
        add("duration_months", _("Enter the project duration."))
    elif c.max_duration_months and application.duration_months > c.max_duration_months:
        add("duration_months", _("The project may last at most %(n)d months.", n=c.max_duration_months))
    minimum = float((rules.get("cofinancing") or {}).get(application.applicant_category, 0) or 0)
    if requested > 0 and minimum > 0:
        share = cofinancing_share(requested, application.cofinancing_kzt)
        if share + 1e-9 < minimum:
            add("cofinancing_kzt", _("Co-financing is %(share).1f%% of the grant; at least %(min).0f%% is required "
                                     "for this applicant category.", share=share * 100, min=minimum * 100))
    present = {a.doc_type for a in application.attachments}
    missing_docs = [d for d in rules.get("required_documents", []) if d not in present]
    if missing_docs:
        add("documents", _("Attach the required documents: %(docs)s.",
                           docs=", ".join(document_name(d) for d in missing_docs)))
    unconfirmed = [m.email for m in application.members if m.status != m.CONFIRMED]
    if unconfirmed:
        add("team", _("Team members have not confirmed participation: %(who)s.", who=", ".join(unconfirmed)))
    if application.organisation_id is None:
        if c.require_accreditation:
            add("organisation", _("The applicant must belong to an accredited organisation."))
    else:
        if c.require_accreditation and not application.organisation.accredited:
            add("organisation", _("The organisation is not accredited."))
        if rules.get("require_org_signature", True) and application.org_signed_at is None:
            add("signature", _("The head of the organisation has not signed the application yet."))
    if leader_blocked:
        add("leader", _("The project leader is in the registry of unscrupulous participants."))
    return problems
