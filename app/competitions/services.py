"""Competitions: instrument templates, the rules and their validation, the lifecycle, listings, statistics
and the audit trail, for pages, API and CLI. Applications are in ``app.competitions.applications``.

Each public function is one unit of work: authorize, validate, mutate, audit and flush; the request, the CLI
command or the job commits (``app.core.uow``).
"""
from __future__ import annotations

import copy
import logging
from datetime import datetime
from decimal import Decimal

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.competitions import rules as R
from app.competitions import schemas as S
from app.competitions.models import (
    A_DRAFT,
    A_SUBMITTED,
    A_WITHDRAWN,
    CLOSED,
    DRAFT,
    INSTRUMENTS,
    OPEN,
    PUBLISHED,
    RESULTS,
    Application,
    Competition,
)
from app.competitions.permissions import manages, own_region, visible_clause
from app.core import audit
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.schemas import load_valid
from app.core.permissions import authorize
from app.reference import instruments as instrument_templates
from app.reference import is_region

logger = logging.getLogger(__name__)
signals = Namespace()
competition_transitioned = signals.signal("competition-transitioned")
application_submitted = signals.signal("application-submitted")
application_changed = signals.signal("application-changed")

# Extra guards other domains add to lifecycle steps: func(competition) -> error message or None.
transition_guards: dict[tuple[str, str], list] = {}


def guard(from_state: str, to_state: str):
    def decorator(func):
        transition_guards.setdefault((from_state, to_state), []).append(func)
        return func
    return decorator


# --- competitions ----------------------------------------------------------------------------------------

def template(instrument: str) -> dict:
    """The defaults of an instrument (DOMAIN.md), as a complete set of competition fields."""
    if instrument not in INSTRUMENTS:
        raise ValidationFailed(fields={"instrument": [_("Unknown instrument.")]})
    t = instrument_templates().get(instrument, {})
    rules = copy.deepcopy(R.RULE_DEFAULTS)
    if t.get("cofinancing"):
        rules["cofinancing"] = dict(t["cofinancing"])
    if t.get("required_documents"):
        rules["required_documents"] = [d["code"] if isinstance(d, dict) else d for d in t["required_documents"]]
    if t.get("total_threshold") is not None:
        rules["total_threshold"] = float(t["total_threshold"])
    if t.get("tie_break"):
        rules["tie_break"] = list(t["tie_break"])
    return {
        "instrument": instrument,
        "max_grant_kzt": t.get("max_grant_kzt"),
        "max_duration_months": t.get("max_duration_months"),
        "trl_min": t.get("trl_min", 1),
        "trl_max": t.get("trl_max", 9),
        "require_accreditation": t.get("require_accreditation", True),
        "experts_per_application": t.get("experts_per_application", 3),
        "min_foreign": t.get("min_foreign", 0),
        "irn_prefix": t.get("irn_prefix") or R.IRN_PREFIXES[instrument],
        "criteria": copy.deepcopy(t.get("criteria") or R.DEFAULT_CRITERIA),
        "rules": rules,
    }


def _values(c: Competition) -> dict:
    """A competition's columns and (flattened) rules: what the cross-field rules judge."""
    return {**{key: getattr(c, key) for key in S.COLUMN_FIELDS}, **(c.rules or {})}


def _candidate(current: dict, values: dict) -> dict:
    merged = {**current, **values}
    if "cofinancing" in values:
        merged["cofinancing"] = {**(current.get("cofinancing") or {}), **values["cofinancing"]}
    return merged


def _check(candidate: dict, creating: bool, errors: dict | None = None) -> None:
    problems = {**S.competition_problems(candidate)}
    for key, messages in (errors or {}).items():
        problems[key] = list(messages) + [m for m in problems.get(key, []) if m not in messages]
    if creating:
        for key in ("title", "budget_kzt"):
            if candidate.get(key) in (None, {}, "") and key not in problems:
                problems[key] = [_("This field is required.")]
    if problems:
        raise ValidationFailed(fields=problems)


def _apply(competition: Competition, values: dict) -> None:
    """Set validated values (the whole input was checked first: nothing is set when anything is wrong)."""
    for key in S.COLUMN_FIELDS:
        if key in values:
            setattr(competition, key, values[key])
    rules = {key: values[key] for key in S.RULE_FIELDS if key in values}
    if rules:
        merged = dict(competition.rules or {})
        if "cofinancing" in rules:
            rules["cofinancing"] = {**merged.get("cofinancing", {}), **rules["cofinancing"]}
        merged.update(rules)
        competition.rules = merged












def create_competition(actor, data: dict) -> Competition:
    """Create a draft from the instrument's template plus the given overrides. Every field is validated,
    and the rules that tie fields together are checked, before anything is created."""
    region = data.get("region") if isinstance(data, dict) else None
    if region is not None and not is_region(region):
        raise ValidationFailed(fields={"region": [_("Unknown region code %(code)s.", code=str(region)[:40])]})
    region = region or own_region(actor)
    authorize(actor, "competition.create", region)
    values, errors = load_valid(S.competition_schema, data)
    if "instrument" not in values:
        raise ValidationFailed(fields={"instrument": errors.get("instrument") or [_("Unknown instrument.")]})
    defaults = template(values["instrument"])
    current = {**{k: defaults[k] for k in ("max_grant_kzt", "max_duration_months", "trl_min", "trl_max",
                                          "require_accreditation", "experts_per_application", "min_foreign",
                                          "criteria")},
               **defaults["rules"], "title": {}, "description": {}, "budget_kzt": None}
    budget, default_grant = values.get("budget_kzt"), current.get("max_grant_kzt")
    if "max_grant_kzt" not in values and budget and default_grant and Decimal(default_grant) > budget:
        values["max_grant_kzt"] = budget  # the instrument's usual maximum, within this call's budget
    _check(_candidate(current, values), creating=True, errors=errors)
    competition = Competition(
        instrument=values["instrument"], region_code=region, created_by_id=actor.id, status=DRAFT,
        title={}, description={}, budget_kzt=0, rules=defaults["rules"], criteria=defaults["criteria"],
        irn_prefix=defaults["irn_prefix"],
        **{k: defaults[k] for k in ("max_grant_kzt", "max_duration_months", "trl_min", "trl_max",
                                    "require_accreditation", "experts_per_application", "min_foreign")},
    )
    _apply(competition, values)
    db.session.add(competition)
    db.session.flush()
    audit.record(actor, "competition.create", competition, scope_id=competition.id,
                 after={"instrument": competition.instrument, "region": region, "title": competition.title})
    db.session.flush()
    logger.info("competition %s created by %s", competition.id, actor.id)
    return competition


OPEN_FIELDS = {"deadline", "review_deadline", "council_date", "description"}


def update_competition(actor, competition_id: int, data: dict) -> Competition:
    competition = get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition)
    values, errors = load_valid(S.competition_schema, data)
    values.pop("instrument", None), values.pop("region", None)  # fixed at creation
    if competition.status not in (DRAFT, PUBLISHED):
        if competition.status != OPEN or set(values) - OPEN_FIELDS:
            raise Conflict(_("Only key dates can change once a competition is open."), code="wrong_state")
        if "deadline" in values and (values["deadline"] is None or values["deadline"] < competition.deadline):
            raise Conflict(_("An open competition's deadline may only be extended."), code="wrong_state")
    _check(_candidate(_values(competition), values), creating=False, errors=errors)
    before = _competition_state(competition)
    _apply(competition, values)
    audit.record(actor, "competition.update", competition, scope_id=competition.id, before=before,
                 after=_competition_state(competition))
    db.session.flush()
    return competition


def _competition_state(c: Competition) -> dict:
    return {"title": c.title, "deadline": c.deadline.isoformat() if c.deadline else None,
            "opens_at": c.opens_at.isoformat() if c.opens_at else None, "budget_kzt": str(c.budget_kzt),
            "max_grant_kzt": str(c.max_grant_kzt) if c.max_grant_kzt is not None else None,
            "trl": [c.trl_min, c.trl_max], "rules": c.rules, "criteria": c.criteria, "status": c.status}


def transition(actor, competition_id: int, to: str, reason: str | None = None) -> Competition:
    competition = get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition)
    now = clock.now()
    if to not in R.TRANSITIONS:
        raise ValidationFailed(fields={"to": [_("Unknown state %(state)s.", state=to)]})
    if to not in R.TRANSITIONS[competition.status]:
        raise Conflict(_("A competition cannot go from %(a)s to %(b)s.", a=competition.status, b=to),
                       code="illegal_transition")
    problem = _transition_problem(competition, to, now, reason)
    if problem is None:
        for check in transition_guards.get((competition.status, to), []):
            problem = check(competition)
            if problem:
                break
    if problem:
        raise Conflict(problem, code="transition_refused")
    before = competition.status
    competition.status = to
    if to == CLOSED and now < competition.deadline:
        competition.closed_early_reason = reason.strip()
    if to == RESULTS:
        competition.results_published_at = now
    audit.record(actor, "competition.transition", competition, scope_id=competition.id,
                 before={"status": before}, after={"status": to}, reason=reason)
    competition_transitioned.send(competition, before=before, to=to, actor=actor)
    db.session.flush()
    logger.info("competition %s: %s -> %s by %s", competition.id, before, to, actor.id)
    return competition


def _transition_problem(c: Competition, to: str, now: datetime, reason: str | None) -> str | None:
    if to == PUBLISHED:
        if not c.title:
            return _("A title is required before publishing.")
        if c.deadline is None:
            return _("Set a deadline before publishing.")
        if not c.criteria:
            return _("Set the review criteria before publishing.")
        if not c.budget_kzt or c.budget_kzt <= 0:
            return _("Set the total budget before publishing.")
    if to == PUBLISHED and c.deadline is not None and c.deadline <= now:
        return _("The deadline must be in the future to publish the competition.")
    if to == OPEN:
        if c.deadline is None or c.deadline <= now:
            return _("The deadline must be in the future to open the competition.")
    if to in (PUBLISHED, OPEN):
        problems = S.competition_problems(_values(c))
        if problems:
            return " ".join(m for messages in problems.values() for m in messages)
    if to == CLOSED and c.deadline is not None and now < c.deadline and not (reason or "").strip():
        return _("The deadline has not passed yet: give a reason to close early.")
    if to == "review":
        pending = db.session.scalar(select(func.count(Application.id)).where(
            Application.competition_id == c.id, Application.status == A_SUBMITTED))
        if pending:
            return _("%(n)d applications still await the formal check.", n=pending)
    return None


def visible_competitions_query(user, status: str | None = None):
    query = select(Competition).where(visible_clause(user))
    if status:
        query = query.where(Competition.status == status)
    return query


def list_competitions(user, status: str | None = None, page: int = 1, per_page: int = 20,
                      instrument: str | None = None):
    query = visible_competitions_query(user, status)
    if instrument:
        query = query.where(Competition.instrument == instrument)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(Competition.deadline.desc().nullslast(), Competition.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def get_competition_for(user, competition_id: int) -> Competition:
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise NotFound()
    if competition.status == DRAFT and not (user is not None and getattr(user, "is_authenticated", False)
                                            and manages(user, competition)):
        raise NotFound()
    return competition


def statistics(actor, competition_id: int) -> dict:
    """Counts by status, TRL, region, priority, category and day, and the requested total: aggregated in
    the database, so the cost does not grow with the rows shown."""
    competition = get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    base = (Application.competition_id == competition.id, Application.status != A_DRAFT)
    stats = {"budget_kzt": competition.budget_kzt}
    for key, column in (("by_status", Application.status), ("by_trl", Application.trl_claimed),
                        ("by_region", Application.region_code), ("by_priority", Application.priority),
                        ("by_category", Application.applicant_category)):
        stats[key] = dict(db.session.execute(select(column, func.count(Application.id)).where(*base)
                                             .group_by(column)).all())
    stats["total"] = sum(stats["by_status"].values())
    stats["requested_kzt"] = db.session.scalar(select(func.coalesce(func.sum(Application.requested_kzt), 0))
                                               .where(*base, Application.status != A_WITHDRAWN)) or Decimal(0)
    by_day: dict[str, int] = {}
    for (submitted_at,) in db.session.execute(select(Application.submitted_at).where(
            *base, Application.submitted_at.is_not(None))):
        day = clock.to_local(submitted_at).date().isoformat()
        by_day[day] = by_day.get(day, 0) + 1
    stats["by_day"] = by_day
    return stats


def audit_trail(actor, competition_id: int, limit: int = 200):
    competition = get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    from app.core.audit import AuditEntry
    return db.session.scalars(select(AuditEntry).where(AuditEntry.scope_id == competition.id)
                              .order_by(AuditEntry.id.desc()).limit(limit)).all()


def funded_projects(competition_id: int) -> tuple[Competition, list[Application]]:
    """The public results page: only once results are published."""
    competition = db.session.get(Competition, competition_id)
    if competition is None or competition.status not in (RESULTS, "archived"):
        raise NotFound()
    from app.competitions.models import A_FUNDED
    items = db.session.scalars(select(Application).where(Application.competition_id == competition.id,
                                                         Application.status == A_FUNDED)
                               .order_by(Application.irn)).all()
    return competition, items
