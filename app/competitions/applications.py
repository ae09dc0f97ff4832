"""Applications: drafts, the team, attachments, submission, withdrawal and the formal check, for pages, API
and CLI.

Each public function is one unit of work: authorize, validate, mutate, audit and flush; the request, the CLI
command or the job commits (``app.core.uow``). Eligibility itself is the pure ``rules.eligibility_problems``.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from app import jobs
from app.accounts.models import User
from app.competitions import permissions as P
from app.competitions import rules as R
from app.competitions import schemas as S
from app.competitions.models import (
    A_ADMITTED,
    A_DRAFT,
    A_REJECTED,
    A_SUBMITTED,
    A_WITHDRAWN,
    CLOSED,
    Application,
    ApplicationMember,
    Attachment,
    BlockedPerson,
    Competition,
)
from app.core import audit, uow
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, NotFound, TooLarge, ValidationFailed
from app.core.schemas import load, load_valid
from app.core.permissions import authorize, can

logger = logging.getLogger(__name__)

# --- applications ----------------------------------------------------------------------------------------

from app.competitions.services import application_changed, application_submitted, get_competition_for




def _ensure_open(competition: Competition, now=None) -> None:
    """409 with the reason when the competition's applications cannot change at ``now`` (default: the clock;
    the state part of the ``application.edit``/``.sign``/``.withdraw`` predicates,
    ``permissions.closed_for_changes``)."""
    refusal = P.closed_for_changes(competition, now or clock.now())
    if refusal == "not_open":
        raise Conflict(_("The competition is not accepting applications."), code="not_open")
    if refusal == "deadline_passed":
        raise Conflict(_("The deadline has passed: applications can no longer change."), code="deadline_passed")


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
    """Scoring registers here how to tell an expert who was invited but has not declared yet: ``func(user,
    application)`` answers the id of the assignment that awaits the declaration, or None."""
    _declaration_checks.append(func)
    return func


def _pending_declaration(user, application: Application) -> int | None:
    for check in _declaration_checks:
        pending = check(user, application)
        if pending:
            return pending
    return None


def awaits_declaration(user, application: Application) -> bool:
    """True for an expert who may see the application only because they were invited to review it, before
    their declaration of (no) conflict: the full text stays closed until then."""
    return view_of(user, application).reason == DECLARATION_REQUIRED


TEASER, FULL = "teaser", "full"
DECLARATION_REQUIRED = "declaration_required"


@dataclass(frozen=True)
class ApplicationView:
    """What a caller sees of an application: the ``teaser`` (title, abstract and the key facts investors and
    invited experts may see) or the ``full`` application (text, team, contacts, documents, receipt). ``reason``
    says why a teaser is all there is when the caller can do something about it: ``declaration_required``
    for an invited expert before their declaration of (no) conflict, with ``declaration_for`` the
    assignment to declare on."""
    application: Application
    level: Literal["teaser", "full"]
    reason: str | None = None
    declaration_for: int | None = None

    @property
    def full(self) -> bool:
        return self.level == FULL


def view_of(actor, application: Application) -> ApplicationView:
    """The view of an application already known to be visible to ``actor`` (listings, the answer to an
    update). The rules are the permission predicates: ``application.full`` and the registered declaration
    checks; nothing is re-derived here."""
    if can(actor, "application.full", application):
        return ApplicationView(application, FULL)
    pending = _pending_declaration(actor, application)
    if pending:
        return ApplicationView(application, TEASER, DECLARATION_REQUIRED, pending)
    return ApplicationView(application, TEASER)


def application_view(actor, application_id: int) -> ApplicationView:
    """The one decision of what ``actor`` sees of application ``application_id``, for the pages and the API
    alike: ``NotFound`` when nothing (identical whether or not it exists), else the teaser or the full
    application (``view_of``)."""
    return view_of(actor, get_application_for(actor, application_id))


def _editable(actor, application_id: int, expected_version: int | None = None) -> Application:
    application = get_application_for(actor, application_id)
    authorize(actor, "application.lead", application)  # someone else: 403; the leader, at the wrong time: 409
    if application.status != A_DRAFT:
        raise Conflict(_("The application was submitted and can no longer change."), code="already_submitted")
    _ensure_open(application.competition)
    authorize(actor, "application.edit", application)  # the one predicate the pages ask
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


def draft_problems(actor, application_id: int, data: dict) -> dict[str, list[str]]:
    """What would be wrong with saving ``data`` into the draft, by field; nothing is changed."""
    application = _editable(actor, application_id)
    return _application_values(application, data, partial=True)[1]


def autosave_application(actor, application_id: int, data: dict, expected_version: int | None = None
                         ) -> tuple[Application, dict[str, list[str]]]:
    """Save what is valid of a draft as it is typed, and return the errors of the rest by field, so a wrong
    number beside a good abstract keeps the abstract. Nothing valid at all: ``ValidationFailed``."""
    application = _editable(actor, application_id, expected_version)
    values, errors = _application_values(application, data, partial=True)
    if errors and not values:
        raise ValidationFailed(fields=errors)
    return _save_draft(application, values), errors


def void_signature(application: Application, actor=None, why: str = "changed") -> None:
    """The head signed what they read: once the draft changes, the signature no longer covers it."""
    if application.org_signed_at is None:
        return
    audit.record(actor, "application.signature_voided", application, scope_id=application.competition_id,
                 before={"signed_by": application.org_signed_by_id,
                         "signed_at": application.org_signed_at.isoformat()}, after={"why": why})
    application.org_signed_by_id = None
    application.org_signed_at = None


def _content(application: Application) -> str:
    """What the head's signature covers: the submission's content, with equal things written one way (an
    amount with or without decimals, an empty evidence box or none)."""
    from decimal import Decimal
    content = snapshot(application)
    for key in ("requested_kzt", "cofinancing_kzt"):
        content[key] = str(Decimal(content[key] or 0).normalize())
    content["trl_evidence"] = {k: v for k, v in (content["trl_evidence"] or {}).items() if (v or "").strip()}
    content["translations"] = {k: v for k, v in (content["translations"] or {}).items()
                               if any((x or "").strip() for x in v.values())}
    content["planned"] = {k: v for k, v in (content["planned"] or {}).items() if v is not None}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)


def _save_draft(application: Application, values: dict) -> Application:
    signed = _content(application) if application.org_signed_at is not None else None
    _apply_application(application, values)
    if signed is not None and _content(application) != signed:
        void_signature(application, why="draft changed")
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
    authorize(actor, "application.org_head", application)
    if application.status != A_DRAFT:
        raise Conflict(_("The application was already submitted."), code="already_submitted")
    _ensure_open(application.competition)
    authorize(actor, "application.sign", application)
    if application.org_signed_at is not None:
        raise Conflict(_("The application is already signed; a change to it voids the signature."),
                       code="already_signed")
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
        void_signature(application, actor, why="document added")
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
    void_signature(application, actor, why="document removed")
    db.session.flush()
    stored = Path(current_app.config["UPLOAD_PATH"]) / attachment.stored_name
    uow.on_commit(lambda: stored.unlink(missing_ok=True))


def attachment_for(user, attachment_id: int) -> tuple[Attachment, Path]:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    if not application_view(user, attachment.application_id).full:
        raise NotFound()
    return attachment, Path(current_app.config["UPLOAD_PATH"]) / attachment.stored_name


def eligibility_problems(application: Application) -> dict[str, list[str]]:
    """Every rule the application fails, keyed by the field the applicant must fix: the pure
    ``rules.eligibility_problems`` given what it cannot look up itself (the registry of unscrupulous
    participants, the documents' names, the translation)."""
    return R.eligibility_problems(application, leader_blocked=is_blocked(application.leader_id, "leader"),
                                  document_name=document_name, gettext=_)


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
    """Atomic and idempotent: a repeated submit returns the same receipt. The clock is read once, when the
    submission arrives: the deadline is judged and the receipt stamped with the same moment."""
    now = clock.now()
    application = get_application_for(actor, application_id)
    authorize(actor, "application.lead", application)
    if application.status != A_DRAFT:
        if application.irn and application.status != A_WITHDRAWN:
            return application
        raise Conflict(_("This application cannot be submitted in its current state."), code="wrong_state")
    _ensure_open(application.competition, now)
    authorize(actor, "application.edit", application)
    problems = eligibility_problems(application)
    if problems:
        raise ValidationFailed(_("The application does not meet the competition's rules yet."), fields=problems)
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
    authorize(actor, "application.lead", application)
    if application.status != A_SUBMITTED:
        raise Conflict(_("Only a submitted application can be withdrawn."), code="wrong_state")
    _ensure_open(application.competition)
    authorize(actor, "application.withdraw", application)
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
    unticked = [str(k) for k, v in (checklist or {}).items() if not v]
    if passed and unticked and not reasons:  # the checklist binds: passing past an unticked item is explained
        raise ValidationFailed(fields={"reasons": [
            _("An unticked checklist item needs a written reason to pass the application.")]})
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


def _notify(kind: str, **params) -> None:
    """Queue a notification (sent by a background job after commit; never blocks the request)."""
    jobs.submit("app.notifications.tasks.deliver", kind, params, queue="mail", title=f"notify {kind}")
