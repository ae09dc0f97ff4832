"""Assigning experts to applications: the optimal assignment job, manual picks, invitations,
the expert's declaration and decline, and replacements.

The arithmetic lives in the pure modules ``affinity`` and ``assignment`` beside this one.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import jobs
from app.accounts.models import User
from app.competitions import applications as application_ops
from app.competitions import services as competitions
from app.competitions.models import A_ADMITTED, REVIEW, Application, Competition
from app.core import audit
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.permissions import authorize
from app.scoring.experts.services import (
    _application_record,
    _expert_record,
    detect_conflicts,
    experts_pool,
    profile_for,
)
from app.scoring.models import (
    ACCEPTED,
    ACTIVE_ASSIGNMENT_STATES,
    DECLINED,
    INVITED,
    PROPOSED,
    RELEASED,
    SUBMITTED,
    ConflictRecord,
    ExpertAssignment,
    ExpertProfile,
)

logger = logging.getLogger(__name__)


# --- assignment ------------------------------------------------------------------------------------------

def _review_applications(competition: Competition) -> list[Application]:
    return db.session.scalars(select(Application).where(Application.competition_id == competition.id,
                                                        Application.status == A_ADMITTED)
                              .order_by(Application.id)).all()


def _active_assignments(competition_id: int) -> list[ExpertAssignment]:
    return db.session.scalars(select(ExpertAssignment).where(
        ExpertAssignment.competition_id == competition_id,
        ExpertAssignment.status.in_(ACTIVE_ASSIGNMENT_STATES))).all()


def affinity_matrix(experts: list[ExpertProfile], applications: list[Application], progress=None):
    from app.scoring.review.affinity import AffinityModel
    from app.text.encoders import get_encoder
    from app.text.vectors import CachedEncoder
    # expert texts and applications through the shared vector cache: only new or changed texts are embedded
    encoder = CachedEncoder(get_encoder(current_app.config["MATCHING_MODEL"]))
    model = AffinityModel(encoder=encoder)
    if progress:
        progress(20, _("Computing affinities of %(e)d experts and %(a)d applications…",
                       e=len(experts), a=len(applications)))
    records_e = [_expert_record(p) for p in experts]
    records_a = [_application_record(a) for a in applications]
    matrix = model.affinity(records_e, records_a)
    return model, records_e, records_a, matrix


def expert_vectors(experts: list[ExpertProfile]) -> int:
    """Embed the experts' texts into the shared cache, as the assignment will read them; returns how many
    texts were new or changed."""
    from app.scoring.review.affinity import AffinityModel
    from app.text.encoders import get_encoder
    from app.text.vectors import CachedEncoder
    encoder = CachedEncoder(get_encoder(current_app.config["MATCHING_MODEL"]))
    AffinityModel(encoder=encoder).encode_experts([_expert_record(p) for p in experts])
    return encoder.computed


def compute_assignment(actor, competition_id: int, progress=None) -> list[ExpertAssignment]:
    """The optimal assignment for every admitted application: exactly K experts each (existing invited,
    accepted or submitted assignments are kept and count towards K), load caps, no conflicts, no blocked
    experts, at least F foreign experts. Replaces earlier proposals. Raises ValidationFailed when infeasible,
    naming the constraint."""
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    if competition.status not in (REVIEW,):
        raise Conflict(_("Experts are assigned while the competition is in review."), code="wrong_state")
    from app.scoring.review.assignment import AssignmentInfeasible, assign
    applications = _review_applications(competition)
    experts = experts_pool()
    if progress:
        progress(5, _("Checking conflicts of interest…"))
    conflicts = detect_conflicts(competition, experts, applications)
    _release_conflicted(competition, conflicts)
    for old in db.session.scalars(select(ExpertAssignment).where(
            ExpertAssignment.competition_id == competition.id, ExpertAssignment.status == PROPOSED)):
        db.session.delete(old)
    db.session.flush()
    kept = _active_assignments(competition.id)
    if not applications:
        db.session.flush()
        return []
    model, records_e, records_a, matrix = affinity_matrix(experts, applications, progress)
    e_index = {p.user_id: i for i, p in enumerate(experts)}
    a_index = {a.id: j for j, a in enumerate(applications)}
    K = np.full(len(applications), competition.experts_per_application, dtype=np.int64)
    loads = np.array([p.max_load for p in experts], dtype=np.int64)
    allowed = np.ones(matrix.shape, dtype=bool)
    foreign = np.array([p.foreign for p in experts], dtype=bool)
    F = np.full(len(applications), competition.min_foreign, dtype=np.int64)
    for a in kept:
        i, j = e_index.get(a.expert_id), a_index.get(a.application_id)
        if j is not None:
            K[j] = max(0, K[j] - 1)
            if i is not None and foreign[i]:
                F[j] = max(0, F[j] - 1)
            if i is not None:
                allowed[i, j] = False
        if i is not None:
            loads[i] = max(0, loads[i] - 1)
    for a in db.session.scalars(select(ExpertAssignment).where(
            ExpertAssignment.competition_id == competition.id, ExpertAssignment.status.in_((DECLINED, RELEASED)))):
        i, j = e_index.get(a.expert_id), a_index.get(a.application_id)
        if i is not None and j is not None:
            allowed[i, j] = False
    conflict_pairs = {(e_index[e], a_index[a]) for e, a in conflicts if e in e_index and a in a_index}
    F = np.minimum(F, K)
    if progress:
        progress(60, _("Solving the assignment…"))
    try:
        result = assign(matrix, K, loads, conflicts=conflict_pairs, allowed=allowed, foreign=foreign,
                        min_foreign=F, expert_ids=[p.name for p in experts],
                        application_ids=[a.irn or str(a.id) for a in applications])
    except AssignmentInfeasible as error:
        raise ValidationFailed(_("The constraints cannot all be met: %(why)s", why=str(error.message)),
                               fields={"constraint": [error.constraint, str(error.message)]}) from None
    created = []
    for j, expert_indices in enumerate(result.experts):
        for i in expert_indices:
            row = ExpertAssignment(competition_id=competition.id, application_id=applications[j].id,
                                   expert_id=experts[i].user_id, status=PROPOSED, source="auto",
                                   affinity=float(matrix[i, j]),
                                   shared_terms=model.shared_terms(records_e[i], records_a[j], k=5))
            db.session.add(row)
            created.append(row)
    db.session.flush()
    audit.record(actor, "assignment.compute", object_type="competitions", object_id=competition.id,
                 scope_id=competition.id, after={"proposed": len(created), "total_affinity": result.total_affinity})
    db.session.flush()
    if progress:
        progress(100, _("%(n)d assignments proposed.", n=len(created)))
    return created


def _release_conflicted(competition: Competition, conflicts: set[tuple[int, int]]) -> list[ExpertAssignment]:
    """A conflict found after an expert was assigned (an organisation changed, a co-authorship came to
    light) releases that assignment: the expert no longer reviews the application, a review they submitted
    stops counting in the ranking, and the assignment proposes a replacement."""
    released = []
    for assignment in _active_assignments(competition.id):
        if (assignment.expert_id, assignment.application_id) not in conflicts:
            continue
        before = assignment.status
        assignment.status = RELEASED
        released.append(assignment)
        audit.record(None, "assignment.release_conflict", assignment, scope_id=competition.id,
                     before={"status": before}, after={"status": RELEASED})
        jobs.submit("app.notifications.tasks.deliver", "generic", {
            "user_id": assignment.expert_id,
            "subject": _("Your assignment was released: conflict of interest"),
            "body": _("A conflict of interest with an application you were assigned to was found; the "
                      "assignment was released and your review of it no longer counts."),
            "link": "/expert"}, queue="mail", title="notify expert")
    db.session.flush()
    return released


def start_assignment_job(actor, competition_id: int):
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    if competition.status != REVIEW:
        raise Conflict(_("Experts are assigned while the competition is in review."), code="wrong_state")
    job = jobs.submit("app.scoring.tasks.assign_experts", competition.id, actor.id, title=_("Expert assignment"),
                      actor=actor)
    db.session.flush()
    return job


def _check_pair(competition: Competition, application: Application, expert: User,
                conflicts: set[tuple[int, int]], loads: dict[int, int], errors: dict) -> None:
    key = f"{application.id}:{expert.id}"
    if "expert" not in expert.roles:
        errors.setdefault(key, []).append(_("This user is not an expert."))
    if application_ops.is_blocked(expert.id, "expert"):
        errors.setdefault(key, []).append(_("This expert is in the registry of unscrupulous experts."))
    if (expert.id, application.id) in conflicts:
        errors.setdefault(key, []).append(_("Conflict of interest."))
    profile = profile_for(expert)
    if loads.get(expert.id, 0) >= profile.max_load:
        errors.setdefault(key, []).append(_("The expert's load cap (%(n)d) is reached.", n=profile.max_load))
    if application.status != A_ADMITTED or application.competition_id != competition.id:
        errors.setdefault(key, []).append(_("The application is not in this competition's review."))


def add_assignments(actor, competition_id: int, pairs: list[dict], source: str = "manual"
                    ) -> list[ExpertAssignment]:
    """Assign by hand; conflicts, load caps and the blacklist are checked (422 otherwise)."""
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    if competition.status != REVIEW:
        raise Conflict(_("Experts are assigned while the competition is in review."), code="wrong_state")
    loads: dict[int, int] = {}
    for a in _active_assignments(competition.id):
        loads[a.expert_id] = loads.get(a.expert_id, 0) + 1
    applications = {a.id: a for a in _review_applications(competition)}
    errors: dict = {}
    wanted = []
    for pair in pairs:
        try:
            application_id, expert_id = int(pair["application_id"]), int(pair["expert_id"])
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed(fields={"pairs": [_("Each pair needs application_id and expert_id.")]}) from None
        from app.core.routing import MAX_ID
        known = 0 < application_id <= MAX_ID and 0 < expert_id <= MAX_ID  # larger ids cannot exist
        application = known and (applications.get(application_id) or db.session.get(Application, application_id))
        expert = known and db.session.get(User, expert_id)
        if not application or not expert:
            errors.setdefault(f"{application_id}:{expert_id}", []).append(_("Unknown application or expert."))
            continue
        wanted.append((application, expert))
    experts = [profile_for(e) for _a, e in wanted]
    conflicts = detect_conflicts(competition, experts, [a for a, _e in wanted]) if wanted else set()
    created = []
    for application, expert in wanted:
        _check_pair(competition, application, expert, conflicts, loads, errors)
        existing = db.session.scalar(select(ExpertAssignment).where(
            ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == expert.id))
        if existing is not None and existing.status in ACTIVE_ASSIGNMENT_STATES:
            errors.setdefault(f"{application.id}:{expert.id}", []).append(_("Already assigned."))
        if errors:
            continue
        loads[expert.id] = loads.get(expert.id, 0) + 1
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        row = ExpertAssignment(competition_id=competition.id, application_id=application.id, expert_id=expert.id,
                               status=PROPOSED, source=source)
        db.session.add(row)
        created.append(row)
    if errors:
        raise ValidationFailed(fields=errors)
    db.session.flush()
    for row in created:
        audit.record(actor, "assignment.add", row, scope_id=competition.id,
                     after={"application_id": row.application_id, "expert_id": row.expert_id, "source": source})
    db.session.flush()
    return created


def remove_assignment(actor, assignment_id: int) -> None:
    assignment = _assignment(assignment_id)
    authorize(actor, "competition.manage", assignment.application.competition, hide=True)
    if assignment.status == SUBMITTED:
        raise Conflict(_("A submitted review cannot be unassigned."), code="wrong_state")
    before = {"status": assignment.status, "expert_id": assignment.expert_id}
    assignment.status = RELEASED
    audit.record(actor, "assignment.remove", assignment, scope_id=assignment.competition_id, before=before,
                 after={"status": RELEASED})
    db.session.flush()


def send_invitations(actor, competition_id: int) -> int:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    proposed = db.session.scalars(select(ExpertAssignment).where(
        ExpertAssignment.competition_id == competition.id, ExpertAssignment.status == PROPOSED)).all()
    due = competition.review_deadline or clock.now() + timedelta(days=21)
    for a in proposed:
        a.status = INVITED
        a.invited_at = clock.now()
        a.due_at = due
        jobs.submit("app.notifications.tasks.deliver", "generic", {
            "user_id": a.expert_id, "subject": _("Invitation to review an application"),
            "body": _("You are invited to review an application. Declare any conflict of interest before "
                      "opening it. Reviews are due by the review deadline."), "link": "/expert"},
            queue="mail", title="notify expert")
        audit.record(actor, "assignment.invite", a, scope_id=competition.id)
    db.session.flush()
    return len(proposed)


def assignments_of(actor, competition_id: int) -> list[ExpertAssignment]:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    return db.session.scalars(select(ExpertAssignment).where(ExpertAssignment.competition_id == competition.id)
                              .order_by(ExpertAssignment.application_id, ExpertAssignment.id)).all()


def my_assignments(actor) -> list[ExpertAssignment]:
    authorize(actor, "desk.expert")
    from sqlalchemy.orm import selectinload
    return db.session.scalars(select(ExpertAssignment).where(
        ExpertAssignment.expert_id == actor.id, ExpertAssignment.status != PROPOSED)
        .options(selectinload(ExpertAssignment.application), selectinload(ExpertAssignment.review))
        .order_by(ExpertAssignment.id.desc())).all()


def _assignment(assignment_id: int) -> ExpertAssignment:
    assignment = db.session.get(ExpertAssignment, assignment_id)
    if assignment is None:
        raise NotFound()
    return assignment


def assignment_for_expert(actor, assignment_id: int) -> ExpertAssignment:
    assignment = _assignment(assignment_id)
    if assignment.expert_id != actor.id or assignment.status == PROPOSED:
        raise NotFound()
    return assignment


def declare(actor, assignment_id: int, conflict: bool, reason: str = "") -> ExpertAssignment:
    """The expert's declaration. No conflict: the assignment is accepted and the application opens. A declared
    conflict releases the assignment, is recorded, and a replacement expert is proposed and invited."""
    assignment = assignment_for_expert(actor, assignment_id)
    authorize(actor, "assignment.respond", assignment)
    if not isinstance(conflict, bool):
        raise ValidationFailed(fields={"conflict": [_("Must be true or false.")]})
    if assignment.status not in (INVITED, ACCEPTED) or assignment.declared_at is not None:
        raise Conflict(_("The declaration was already made."), code="already_declared")
    if conflict and not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("Describe the conflict of interest.")]})
    now = clock.now()
    assignment.declared_at = now
    assignment.responded_at = now
    if not conflict:
        assignment.status = ACCEPTED
        audit.record(actor, "assignment.declare", assignment, scope_id=assignment.competition_id,
                     after={"conflict": False})
        db.session.flush()
        return assignment
    assignment.status = RELEASED
    db.session.add(ConflictRecord(competition_id=assignment.competition_id, application_id=assignment.application_id,
                                  expert_id=actor.id, source="declared", code="declared", reason=reason.strip(),
                                  created_at=now))
    audit.record(actor, "assignment.declare", assignment, scope_id=assignment.competition_id,
                 after={"conflict": True}, reason=reason.strip())
    db.session.flush()
    replacement = _find_replacement(assignment)
    db.session.flush()
    if replacement is not None:
        logger.info("assignment %s released (conflict); replacement %s", assignment.id, replacement.id)
    return assignment


def decline(actor, assignment_id: int, reason: str = "") -> ExpertAssignment:
    assignment = assignment_for_expert(actor, assignment_id)
    authorize(actor, "assignment.respond", assignment)
    if assignment.status != INVITED:
        raise Conflict(_("Only a pending invitation can be declined."), code="wrong_state")
    assignment.status = DECLINED
    assignment.responded_at = clock.now()
    audit.record(actor, "assignment.decline", assignment, scope_id=assignment.competition_id, reason=reason or None)
    db.session.flush()
    _find_replacement(assignment)
    db.session.flush()
    return assignment


def _find_replacement(released: ExpertAssignment) -> ExpertAssignment | None:
    """The best eligible expert not yet involved with this application, within their load cap."""
    competition = released.application.competition
    application = released.application
    experts = experts_pool()
    involved = {a.expert_id for a in db.session.scalars(select(ExpertAssignment).where(
        ExpertAssignment.application_id == application.id))}
    loads: dict[int, int] = {}
    for a in _active_assignments(competition.id):
        loads[a.expert_id] = loads.get(a.expert_id, 0) + 1
    candidates = [p for p in experts if p.user_id not in involved and loads.get(p.user_id, 0) < p.max_load]
    if not candidates:
        return None
    conflicts = detect_conflicts(competition, candidates, [application])
    candidates = [p for p in candidates if (p.user_id, application.id) not in conflicts]
    if not candidates:
        return None
    model, records_e, records_a, matrix = affinity_matrix(candidates, [application])
    best = int(np.argmax(matrix[:, 0]))
    row = ExpertAssignment(competition_id=competition.id, application_id=application.id,
                           expert_id=candidates[best].user_id, status=INVITED, source="reserve",
                           affinity=float(matrix[best, 0]), invited_at=clock.now(), due_at=released.due_at,
                           shared_terms=model.shared_terms(records_e[best], records_a[0], k=5))
    db.session.add(row)
    db.session.flush()
    audit.record(None, "assignment.replacement", row, scope_id=competition.id,
                 after={"replaces": released.id, "expert_id": row.expert_id})
    jobs.submit("app.notifications.tasks.deliver", "generic", {
        "user_id": row.expert_id, "subject": _("Invitation to review an application"),
        "body": _("You are invited to review an application as a reserve expert."), "link": "/expert"},
        queue="mail", title="notify expert")
    return row
