"""Competitions: instrument templates, the rules and their validation, the lifecycle, listings, statistics
and the audit trail, for pages, API and CLI. Applications are in ``app.competitions.applications``.

Each public function is one unit of work: authorize, validate, mutate, audit and flush; the request, the CLI
command or the job commits (``app.core.uow``).
"""
from __future__ import annotations

import copy
import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.competitions import rules as R
from app.competitions.models import (
    A_DRAFT,
    A_SUBMITTED,
    A_WITHDRAWN,
    CATEGORIES,
    CLOSED,
    DRAFT,
    INSTRUMENTS,
    LANGS,
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
from app.core.permissions import authorize
from app.reference import instruments as instrument_templates
from app.reference import is_region, priorities_by_id, territories_by_code

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


def _num(errors, data, key, kind=Decimal, minimum=None, maximum=None, required=False):
    value = data.get(key)
    if value is None or value == "":
        if required:
            errors.setdefault(key, []).append(_("This field is required."))
        return None
    if isinstance(value, bool):
        errors.setdefault(key, []).append(_("Enter a number."))
        return None
    try:
        number = kind(str(value)) if kind is Decimal else kind(value)
        if kind is int and (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        if kind is Decimal and (not number.is_finite() or abs(number) >= Decimal(10) ** 15):
            raise InvalidOperation
    except (ValueError, TypeError, InvalidOperation):
        errors.setdefault(key, []).append(_("Enter a number."))
        return None
    if minimum is not None and number < minimum:
        errors.setdefault(key, []).append(_("Must be at least %(n)s.", n=minimum))
    if maximum is not None and number > maximum:
        errors.setdefault(key, []).append(_("Must be at most %(n)s.", n=maximum))
    return number


def _date(errors, data, key, required=False):
    value = data.get(key)
    if value in (None, ""):
        if required:
            errors.setdefault(key, []).append(_("This field is required."))
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=clock.ALMATY)
    try:
        return clock.parse_iso(str(value))
    except ValueError:
        errors.setdefault(key, []).append(_("Enter a date and time in ISO 8601, e.g. 2026-12-31T18:00:00+05:00."))
        return None


def _validate_criteria(errors, criteria) -> list:
    if not isinstance(criteria, list) or not criteria:
        errors.setdefault("criteria", []).append(_("At least one review criterion is required."))
        return []
    cleaned, keys = [], set()
    for item in criteria:
        if not isinstance(item, dict) or not item.get("key"):
            errors.setdefault("criteria", []).append(_("Each criterion needs a key."))
            continue
        try:
            lo, hi, step = float(item.get("min", 0)), float(item.get("max", 5)), float(item.get("step", 0.5))
            threshold = float(item.get("threshold", lo))
            weight = float(item.get("weight", 1))
        except (TypeError, ValueError):
            errors.setdefault("criteria", []).append(_("Criterion scales must be numbers."))
            continue
        import math
        if not all(math.isfinite(v) for v in (lo, hi, step, threshold, weight)) or \
                not (hi > lo and step > 0 and lo <= threshold <= hi and weight >= 0):
            errors.setdefault("criteria", []).append(
                _("Criterion %(key)s: the scale or threshold is inconsistent.", key=item["key"]))
        if item["key"] in keys:
            errors.setdefault("criteria", []).append(_("Criterion keys must be unique."))
        keys.add(item["key"])
        name = item.get("name") or {"ru": item["key"]}
        if isinstance(name, str):
            name = {"ru": name, "kk": name, "en": name}
        cleaned.append({"key": str(item["key"]), "name": name, "weight": weight, "min": lo, "max": hi,
                        "step": step, "threshold": threshold})
    return cleaned


RULE_KEYS = set(R.RULE_DEFAULTS)
COLUMN_KEYS = ("max_grant_kzt", "max_duration_months", "trl_min", "trl_max", "require_accreditation",
               "experts_per_application", "min_foreign", "budget_kzt")


def _apply_competition_fields(competition: Competition, data: dict, errors: dict, creating: bool) -> None:
    title = data.get("title")
    if title is not None or creating:
        if isinstance(title, str):
            title = {"ru": title.strip()} if title.strip() else {}
        if not isinstance(title, dict) or not any(str(v).strip() for v in title.values()):
            errors.setdefault("title", []).append(_("A title in at least one language is required."))
        else:
            competition.title = {k: str(v).strip() for k, v in title.items() if k in LANGS and str(v).strip()}
    if "description" in data:
        description = data["description"]
        competition.description = ({"ru": description} if isinstance(description, str)
                                   else {k: str(v) for k, v in (description or {}).items() if k in LANGS})
    for key in ("opens_at", "deadline", "review_deadline", "council_date"):
        if key in data:
            setattr(competition, key, _date(errors, data, key))
    if "budget_kzt" in data or creating:
        budget = _num(errors, data, "budget_kzt", minimum=0, required=creating)
        if budget is not None:
            competition.budget_kzt = budget
    if "max_grant_kzt" in data:
        competition.max_grant_kzt = _num(errors, data, "max_grant_kzt", minimum=1)
    if "max_duration_months" in data:
        competition.max_duration_months = _num(errors, data, "max_duration_months", int, 1, 120)
    for key in ("trl_min", "trl_max"):
        if key in data:
            value = _num(errors, data, key, int, 1, 9, required=True)
            if value is not None:
                setattr(competition, key, value)
    if competition.trl_min > competition.trl_max:
        errors.setdefault("trl_min", []).append(_("The minimum TRL is above the maximum."))
    if "require_accreditation" in data:
        if not isinstance(data["require_accreditation"], bool):
            errors.setdefault("require_accreditation", []).append(_("Must be true or false."))
        else:
            competition.require_accreditation = data["require_accreditation"]
    if "experts_per_application" in data:
        value = _num(errors, data, "experts_per_application", int, 1, 10, required=True)
        if value is not None:
            competition.experts_per_application = value
    if "min_foreign" in data:
        value = _num(errors, data, "min_foreign", int, 0, 10, required=True)
        if value is not None:
            competition.min_foreign = value
    if competition.min_foreign > competition.experts_per_application:
        errors.setdefault("min_foreign", []).append(_("More foreign experts than experts per application."))
    if "criteria" in data:
        competition.criteria = _validate_criteria(errors, data["criteria"])
    rules = dict(competition.rules or {})
    for key in RULE_KEYS & set(data):
        value = data[key]
        if key == "cofinancing":
            if not isinstance(value, dict) or any(
                    k not in CATEGORIES or not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1
                    for k, v in value.items()):
                errors.setdefault(key, []).append(_("Shares per category between 0 and 1."))
                continue
            value = {**rules.get("cofinancing", {}), **{k: float(v) for k, v in value.items()}}
        elif key in ("priorities",):
            if not isinstance(value, list) or any(not isinstance(v, int) or v not in priorities_by_id()
                                                  for v in value):
                errors.setdefault(key, []).append(_("Unknown priority direction."))
                continue
        elif key == "territories":
            if not isinstance(value, list) or any(not isinstance(v, str) or v not in territories_by_code()
                                                  for v in value):
                errors.setdefault(key, []).append(_("Unknown territory."))
                continue
        elif key == "required_documents":
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                errors.setdefault(key, []).append(_("A list of document codes."))
                continue
        elif key == "quotas":
            if not isinstance(value, dict) or any(
                    not is_region(k) or isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1
                    for k, v in value.items()):
                errors.setdefault(key, []).append(_("Budget shares per region code, between 0 and 1."))
                continue
        elif key == "tie_break":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.setdefault(key, []).append(_("A list of criterion keys."))
                continue
        elif key == "aggregation":
            if value not in ("mean", "median"):
                errors.setdefault(key, []).append(_("mean or median."))
                continue
        elif key in ("require_org_signature",):
            if not isinstance(value, bool):
                errors.setdefault(key, []).append(_("Must be true or false."))
                continue
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0 \
                    or value > 10**6:
                errors.setdefault(key, []).append(_("Enter a non-negative number."))
                continue
        rules[key] = value
    competition.rules = rules


def create_competition(actor, data: dict) -> Competition:
    """Create a draft from the instrument's template plus the given overrides."""
    region = data.get("region") or None
    if region is not None and not is_region(region):
        raise ValidationFailed(fields={"region": [_("Unknown region code %(code)s.", code=str(region)[:40])]})
    if region is None:
        region = own_region(actor)
    authorize(actor, "competition.create", region)
    instrument = data.get("instrument")
    defaults = template(instrument if isinstance(instrument, str) else "")
    competition = Competition(
        instrument=instrument, region_code=region, created_by_id=actor.id, status=DRAFT,
        title={}, description={}, budget_kzt=0, rules=defaults["rules"], criteria=defaults["criteria"],
        irn_prefix=defaults["irn_prefix"],
        **{k: defaults[k] for k in ("max_grant_kzt", "max_duration_months", "trl_min", "trl_max",
                                    "require_accreditation", "experts_per_application", "min_foreign")},
    )
    errors: dict = {}
    _apply_competition_fields(competition, data, errors, creating=True)
    if errors:
        raise ValidationFailed(fields=errors)
    db.session.add(competition)
    db.session.flush()
    audit.record(actor, "competition.create", competition, scope_id=competition.id,
                 after={"instrument": instrument, "region": region, "title": competition.title})
    db.session.flush()
    logger.info("competition %s created by %s", competition.id, actor.id)
    return competition


def update_competition(actor, competition_id: int, data: dict) -> Competition:
    competition = get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition)
    if competition.status not in (DRAFT, PUBLISHED):
        allowed = {"deadline", "review_deadline", "council_date", "description"}
        if competition.status != OPEN or set(data) - allowed:
            raise Conflict(_("Only key dates can change once a competition is open."), code="wrong_state")
        if "deadline" in data:
            new_deadline = clock.parse_iso(str(data["deadline"])) if data["deadline"] else None
            if new_deadline is None or new_deadline < competition.deadline:
                raise Conflict(_("An open competition's deadline may only be extended."), code="wrong_state")
    before = _competition_state(competition)
    errors: dict = {}
    _apply_competition_fields(competition, data, errors, creating=False)
    if errors:
        raise ValidationFailed(fields=errors)
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
    if to == OPEN:
        if c.deadline is None or c.deadline <= now:
            return _("The deadline must be in the future to open the competition.")
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
