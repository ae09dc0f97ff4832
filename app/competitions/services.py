"""Competitions and applications: every action of operators and applicants, for pages, API and CLI.

Each public function is one unit of work: authorize, validate, mutate, audit, commit, dispatch jobs.
"""
from __future__ import annotations

import copy
import hashlib
import json
import logging
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from app import jobs
from app.accounts.models import User
from app.competitions import rules as R
from app.competitions import schemas as S
from app.competitions.models import (A_ADMITTED, A_DRAFT, A_REJECTED, A_SUBMITTED, A_WITHDRAWN, CATEGORIES,
                                     CLOSED, DRAFT, INSTRUMENTS, LANGS, OPEN, PUBLISHED, RESULTS,
                                     Application, ApplicationMember, Attachment, BlockedPerson, Competition)
from app.competitions.permissions import manages, own_region, visible_clause
from app.core import audit, uow
from app.core import time as clock
from app.core.db import db
from app.core.schemas import load, load_valid
from app.core.errors import Conflict, NotFound, TooLarge, ValidationFailed
from app.core.permissions import authorize, can
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


# --- applications ----------------------------------------------------------------------------------------

APPLICATION_FIELDS = {
    "title", "abstract", "language", "translations", "keywords", "priority", "territory", "applicant_category",
    "requested_kzt", "budget_by_year", "cofinancing_kzt", "cofinancing_source", "duration_months", "planned",
    "ip_held", "investor_visible", "share_score_band", "trl_claimed", "trl_evidence", "excluded_experts",
    "region",
}


def _application_values(application: Application, data: dict, partial: bool = False
                        ) -> tuple[dict, dict[str, list[str]]]:
    """The validated fields of a draft. Whole: everything valid or ``ValidationFailed`` (nothing is set).
    Partial (autosave): the valid fields, and the errors of the others by field."""
    if partial:
        values, errors = load_valid(S.application_schema, data)
    else:
        values, errors = load(S.application_schema, data), {}
    limit = int((application.competition.rules or {}).get("max_excluded_experts", 3))
    if len(values.get("excluded_experts") or []) > limit:
        values.pop("excluded_experts")
        errors["excluded_experts"] = [_("At most %(n)d people may be excluded.", n=limit)]
        if not partial:
            raise ValidationFailed(fields=errors)
    return values, errors


def _apply_application(application: Application, values: dict) -> None:
    for key, value in values.items():
        setattr(application, "region_code" if key == "region" else key, value)


def _ensure_open(competition: Competition) -> None:
    now = clock.now()
    if competition.status != OPEN:
        raise Conflict(_("The competition is not accepting applications."), code="not_open")
    if competition.deadline is None or now >= competition.deadline:
        raise Conflict(_("The deadline has passed: applications can no longer change."), code="deadline_passed")


def create_application(actor, competition_id: int, data: dict) -> Application:
    competition = get_competition_for(actor, competition_id)
    authorize(actor, "competition.apply", competition)
    _ensure_open(competition)
    application = Application(
        competition=competition, leader_id=actor.id, organisation_id=actor.organisation_id, status=A_DRAFT,
        region_code=(actor.organisation.region_code if actor.organisation else None) or competition.region_code,
        translations={}, keywords=[], budget_by_year=[], planned={}, ip_held=[], trl_evidence={},
        excluded_experts=[], formal_reasons=[], formal_checklist={},
    )
    values, _errors = _application_values(application, data)
    _apply_application(application, values)
    db.session.add(application)
    db.session.flush()
    audit.record(actor, "application.create", application, scope_id=competition.id)
    db.session.flush()
    return application


def get_application_for(user, application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound()
    authorize(user, "application.view", application, hide=True)
    return application


_declaration_checks = []


def declaration_check(func):
    """Scoring registers here how to tell an expert who was invited but has not declared yet."""
    _declaration_checks.append(func)
    return func


def awaits_declaration(user, application: Application) -> bool:
    """True for an expert who may see the application only because they were invited to review it, before
    their declaration of (no) conflict: the full text stays closed until then."""
    if can(user, "application.full", application):
        return False
    return any(check(user, application) for check in _declaration_checks)


def _editable(actor, application_id: int, expected_version: int | None = None) -> Application:
    application = get_application_for(actor, application_id)
    authorize(actor, "application.edit", application)
    if application.status != A_DRAFT:
        raise Conflict(_("The application was submitted and can no longer change."), code="already_submitted")
    _ensure_open(application.competition)
    if expected_version is not None and expected_version != application.version:
        raise Conflict(_("This draft was changed elsewhere (another tab or device). Reload to see the latest "
                         "version; your unsaved text is still in this form."), code="version_conflict")
    return application


def update_application(actor, application_id: int, data: dict, expected_version: int | None = None
                       ) -> Application:
    """Save a draft: every field valid, or nothing changes. ``expected_version`` detects an edit made
    meanwhile in another tab."""
    application = _editable(actor, application_id, expected_version)
    values, _errors = _application_values(application, data)
    return _save_draft(application, values)


def autosave_application(actor, application_id: int, data: dict, expected_version: int | None = None
                         ) -> tuple[Application, dict[str, list[str]]]:
    """Save what is valid of a draft as it is typed, and return the errors of the rest by field, so a wrong
    number beside a good abstract keeps the abstract. Nothing valid at all: ``ValidationFailed``."""
    application = _editable(actor, application_id, expected_version)
    values, errors = _application_values(application, data, partial=True)
    if errors and not values:
        raise ValidationFailed(fields=errors)
    return _save_draft(application, values), errors


def _save_draft(application: Application, values: dict) -> Application:
    _apply_application(application, values)
    try:
        db.session.flush()
        application_changed.send(application)  # subscribers add their jobs to this unit of work
    except StaleDataError:
        raise Conflict(_("This draft was changed elsewhere. Reload to see the latest version."),
                       code="version_conflict") from None
    return application


def invite_member(actor, application_id: int, email: str, name: str = "", role: str = "") -> ApplicationMember:
    application = _editable(actor, application_id)
    email = (email or "").strip().lower()
    from app.accounts.services import is_valid_email
    if not is_valid_email(email):
        raise ValidationFailed(fields={"email": [_("Enter a valid e-mail address.")]})
    if email == application.leader.email or any(m.email == email for m in application.members):
        raise ValidationFailed(fields={"email": [_("This person is already in the team.")]})
    user = db.session.scalar(select(User).where(User.email == email))
    member = ApplicationMember(email=email, name=(name or (user.name if user else "")).strip()[:200],
                               role=(role or "").strip()[:100], user_id=user.id if user else None,
                               invited_at=clock.now())
    application.members.append(member)
    db.session.flush()
    audit.record(actor, "application.invite", application, scope_id=application.competition_id,
                 after={"email": email})
    _notify("team_invitation", email=email, application_id=application.id)
    db.session.flush()
    return member


def remove_member(actor, application_id: int, member_id: int) -> None:
    application = _editable(actor, application_id)
    member = next((m for m in application.members if m.id == member_id), None)
    if member is None:
        raise NotFound()
    application.members.remove(member)
    audit.record(actor, "application.remove_member", application, scope_id=application.competition_id,
                 before={"email": member.email})
    db.session.flush()


def pending_invitations(user) -> list[ApplicationMember]:
    return db.session.scalars(select(ApplicationMember).where(
        or_(ApplicationMember.user_id == user.id, ApplicationMember.email == user.email),
        ApplicationMember.status == ApplicationMember.INVITED)).all()


def answer_invitation(actor, member_id: int, accept: bool) -> ApplicationMember:
    member = db.session.get(ApplicationMember, member_id)
    if member is None or not (member.user_id == actor.id or member.email == actor.email):
        raise NotFound()
    if member.application.status != A_DRAFT:
        raise Conflict(_("The application was already submitted."), code="already_submitted")
    _ensure_open(member.application.competition)
    member.user_id = actor.id
    member.status = member.CONFIRMED if accept else member.DECLINED
    member.answered_at = clock.now()
    audit.record(actor, "application.member_answer", member.application,
                 scope_id=member.application.competition_id, after={"accepted": accept})
    db.session.flush()
    return member


def sign_application(actor, application_id: int) -> Application:
    application = get_application_for(actor, application_id)
    authorize(actor, "application.sign", application)
    if application.status != A_DRAFT:
        raise Conflict(_("The application was already submitted."), code="already_submitted")
    _ensure_open(application.competition)
    application.org_signed_by_id = actor.id
    application.org_signed_at = clock.now()
    audit.record(actor, "application.sign", application, scope_id=application.competition_id)
    db.session.flush()
    return application


PDF_MAGIC = b"%PDF-"


def add_attachment(actor, application_id: int, doc_type: str, filename: str, stream) -> Attachment:
    application = _editable(actor, application_id)
    from app.reference import data as reference_data
    if doc_type not in reference_data.DOCUMENT_TYPES_BY_CODE:
        raise ValidationFailed(fields={"doc_type": [_("Choose the document type.")]})
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    if not data.startswith(PDF_MAGIC):
        raise ValidationFailed(fields={"file": [_("Only PDF documents are accepted.")]})
    stored = uuid.uuid4().hex
    folder = Path(current_app.config["UPLOAD_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored
    path.write_bytes(data)
    try:
        attachment = Attachment(doc_type=doc_type, filename=Path(filename or "document.pdf").name[:255],
                                stored_name=stored, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                uploaded_by_id=actor.id, uploaded_at=clock.now())
        application.attachments.append(attachment)
        audit.record(actor, "application.attach", application, scope_id=application.competition_id,
                     after={"doc_type": doc_type, "sha256": attachment.sha256})
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    uow.on_rollback(lambda: path.unlink(missing_ok=True))
    return attachment


def remove_attachment(actor, application_id: int, attachment_id: int) -> None:
    application = _editable(actor, application_id)
    attachment = next((a for a in application.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound()
    application.attachments.remove(attachment)
    db.session.flush()
    stored = Path(current_app.config["UPLOAD_PATH"]) / attachment.stored_name
    uow.on_commit(lambda: stored.unlink(missing_ok=True))


def attachment_for(user, attachment_id: int) -> tuple[Attachment, Path]:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    get_application_for(user, attachment.application_id)
    from app.core.permissions import can as _can
    if not _can(user, "application.full", attachment.application):
        raise NotFound()
    return attachment, Path(current_app.config["UPLOAD_PATH"]) / attachment.stored_name


def eligibility_problems(application: Application) -> dict[str, list[str]]:
    """Every rule the application fails, keyed by the field the applicant must fix."""
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
    requested = R.as_decimal(application.requested_kzt)
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
        share = R.cofinancing_share(requested, application.cofinancing_kzt)
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
    if is_blocked(application.leader_id, "leader"):
        add("leader", _("The project leader is in the registry of unscrupulous participants."))
    return problems


def is_blocked(user_id: int, kind: str) -> bool:
    now = clock.now()
    return bool(db.session.scalar(select(BlockedPerson.id).where(
        BlockedPerson.user_id == user_id, BlockedPerson.kind == kind, BlockedPerson.since <= now,
        or_(BlockedPerson.until.is_(None), BlockedPerson.until > now))))


def document_name(code: str) -> str:
    from app.reference import data, localized
    doc = data.DOCUMENT_TYPES_BY_CODE.get(code)
    return localized(doc["name"]) if doc else code


def snapshot(application: Application) -> dict:
    """The frozen content of a submission; its canonical JSON's SHA-256 is the receipt."""
    return {
        "competition_id": application.competition_id, "leader_id": application.leader_id,
        "organisation_id": application.organisation_id, "language": application.language,
        "title": application.title, "abstract": application.abstract, "translations": application.translations,
        "keywords": application.keywords, "priority": application.priority, "territory": application.territory,
        "region": application.region_code, "applicant_category": application.applicant_category,
        "requested_kzt": str(application.requested_kzt), "budget_by_year": application.budget_by_year,
        "cofinancing_kzt": str(application.cofinancing_kzt), "cofinancing_source": application.cofinancing_source,
        "duration_months": application.duration_months, "planned": application.planned,
        "ip_held": application.ip_held, "investor_visible": application.investor_visible,
        "trl_claimed": application.trl_claimed, "trl_evidence": application.trl_evidence,
        "team": [{"email": m.email, "name": m.name, "role": m.role} for m in application.members],
        "attachments": [{"doc_type": a.doc_type, "filename": a.filename, "sha256": a.sha256}
                        for a in application.attachments],
    }


def receipt(application: Application) -> dict:
    return {"irn": application.irn, "submitted_at": application.submitted_at.isoformat(),
            "receipt_sha256": application.receipt_sha256}


def submit(actor, application_id: int) -> Application:
    """Atomic and idempotent: a repeated submit returns the same receipt."""
    application = get_application_for(actor, application_id)
    authorize(actor, "application.edit", application)
    if application.status != A_DRAFT:
        if application.irn and application.status != A_WITHDRAWN:
            return application
        raise Conflict(_("This application cannot be submitted in its current state."), code="wrong_state")
    _ensure_open(application.competition)
    problems = eligibility_problems(application)
    if problems:
        raise ValidationFailed(_("The application does not meet the competition's rules yet."), fields=problems)
    now = clock.now()
    frozen = snapshot(application)
    frozen["submitted_at"] = now.isoformat()
    canonical = json.dumps(frozen, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    application.snapshot = frozen
    application.receipt_sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    application.submitted_at = now
    application.irn = R.irn_for(application.competition.irn_prefix, clock.to_local(now).year, application.id)
    application.status = A_SUBMITTED
    try:
        db.session.flush()  # the version check: a concurrent submit of the same draft fails here
        audit.record(actor, "application.submit", application, scope_id=application.competition_id,
                     after={"irn": application.irn, "sha256": application.receipt_sha256})
        _notify("submission_receipt", user_id=actor.id, application_id=application.id)
        application_submitted.send(application)  # subscribers add their jobs to this transaction
        db.session.flush()
    except StaleDataError:
        # A concurrent submit (double click, retry) won: answer with its receipt.
        db.session.rollback()
        application = db.session.get(Application, application_id)
        db.session.refresh(application)
        if application.status == A_SUBMITTED:
            return application
        raise Conflict(_("The application changed while submitting; try again."), code="version_conflict") from None
    return application


def withdraw(actor, application_id: int) -> Application:
    application = get_application_for(actor, application_id)
    authorize(actor, "application.edit", application)
    if application.status != A_SUBMITTED:
        raise Conflict(_("Only a submitted application can be withdrawn."), code="wrong_state")
    _ensure_open(application.competition)
    application.status = A_WITHDRAWN
    application.withdrawn_at = clock.now()
    audit.record(actor, "application.withdraw", application, scope_id=application.competition_id)
    db.session.flush()
    return application


def formal_check(actor, application_id: int, passed, reasons: list | None = None,
                 checklist: dict | None = None) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound()
    authorize(actor, "application.formal_check", application, hide=not can(actor, "application.view", application))
    if not isinstance(passed, bool):
        raise ValidationFailed(fields={"passed": [_("Must be true or false.")]})
    reasons = [r.strip() for r in (reasons or []) if isinstance(r, str) and r.strip()]
    if not passed and not reasons:
        raise ValidationFailed(fields={"reasons": [_("Give the reasons for the refusal.")]})
    if application.competition.status != CLOSED:
        raise Conflict(_("The formal check happens while the competition is closed."), code="wrong_state")
    if application.status not in (A_SUBMITTED, A_ADMITTED, A_REJECTED):
        raise Conflict(_("Only submitted applications are checked."), code="wrong_state")
    before = {"status": application.status, "reasons": application.formal_reasons}
    application.formal_passed = passed
    application.formal_reasons = reasons
    application.formal_checklist = {str(k): bool(v) for k, v in (checklist or {}).items()}
    application.formal_checked_at = clock.now()
    application.formal_checked_by_id = actor.id
    application.status = A_ADMITTED if passed else A_REJECTED
    audit.record(actor, "application.formal_check", application, scope_id=application.competition_id,
                 before=before, after={"status": application.status, "reasons": reasons})
    _notify("formal_check", user_id=application.leader_id, application_id=application.id)
    db.session.flush()
    return application


def applications_of(competition: Competition, statuses: tuple | None = None) -> list[Application]:
    query = select(Application).where(Application.competition_id == competition.id)
    if statuses:
        query = query.where(Application.status.in_(statuses))
    return db.session.scalars(query.order_by(Application.submitted_at.nullslast(), Application.id)).all()


def competition_applications_for(actor, competition_id: int, status: str | None = None,
                                 page: int | None = None, per_page: int = 20):
    """The submitted applications of a competition, for its organiser; a page of them when ``page`` is
    given (then the total is returned too). Members, attachments and organisations come in a fixed
    number of queries, whatever the page size."""
    from sqlalchemy.orm import selectinload
    competition = get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    query = select(Application).where(Application.competition_id == competition.id,
                                      Application.status != A_DRAFT)
    if status:
        query = query.where(Application.status == status)
    query = query.options(selectinload(Application.members), selectinload(Application.attachments),
                          selectinload(Application.organisation), selectinload(Application.leader))
    query = query.order_by(Application.submitted_at, Application.id)
    if page is None:
        return competition, db.session.scalars(query).all()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return competition, items, total


def my_applications(user) -> list[Application]:
    return db.session.scalars(select(Application).where(or_(
        Application.leader_id == user.id,
        Application.id.in_(select(ApplicationMember.application_id).where(
            ApplicationMember.user_id == user.id, ApplicationMember.status == ApplicationMember.CONFIRMED)),
    )).order_by(Application.updated_at.desc())).all()


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


def _notify(kind: str, **params) -> None:
    """Queue a notification (sent by a background job after commit; never blocks the request)."""
    jobs.submit("app.notifications.tasks.deliver", kind, params, queue="mail", title=f"notify {kind}")


