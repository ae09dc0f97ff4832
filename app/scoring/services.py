"""Expert review rounds: registry, conflicts, optimal assignment, reviews, ranking, council, appeals.

Public functions are units of work (authorize → validate → mutate → audit → commit → dispatch). The
arithmetic lives in the pure modules ``affinity``, ``assignment``, ``conflicts`` and ``aggregate``.
"""
from __future__ import annotations

import logging
import statistics
import threading
from datetime import timedelta
from decimal import Decimal

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from app import jobs
from app.accounts.models import User
from app.competitions import services as competitions
from app.competitions.models import (A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE, COUNCIL, RESULTS, REVIEW,
                                     Application, Competition)
from app.competitions.permissions import manages
from app.core import audit
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.permissions import authorize, can
from app.scoring import aggregate as agg
from app.scoring.models import (ACCEPTED, ACTIVE_ASSIGNMENT_STATES, DECLINED, INVITED, PROPOSED, RELEASED,
                                SUBMITTED, Appeal, ConflictRecord, ConsensusReport, CouncilSession, Decision,
                                ExpertAssignment, ExpertProfile, Review, Vote)

logger = logging.getLogger(__name__)
IN_REVIEW_STATES = (A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE)


# --- the expert registry -----------------------------------------------------------------------------------

def profile_for(user: User) -> ExpertProfile:
    """Every user with the expert role has a profile, created on first use."""
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))
    if profile is None:
        profile = ExpertProfile(user_id=user.id, organisation=user.organisation.name_ru if user.organisation else "",
                                languages=[], keywords=[], priorities=[], texts=[])
        db.session.add(profile)
        db.session.flush()
    return profile


def update_profile(actor, data: dict) -> ExpertProfile:
    authorize(actor, "desk.expert")
    profile = profile_for(actor)
    errors: dict = {}
    for key in ("organisation", "country"):
        if key in data:
            if not isinstance(data[key], str) or len(data[key]) > 300:
                errors.setdefault(key, []).append(_("Enter text."))
            else:
                setattr(profile, key, data[key].strip())
    if "foreign" in data:
        if not isinstance(data["foreign"], bool):
            errors.setdefault("foreign", []).append(_("Must be true or false."))
        else:
            profile.foreign = data["foreign"]
    for key in ("languages", "keywords", "texts"):
        if key in data:
            value = data[key]
            if isinstance(value, str):
                value = [v.strip() for v in (value.split("\n\n") if key == "texts" else value.split(","))]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.setdefault(key, []).append(_("A list of texts."))
            else:
                setattr(profile, key, [v.strip() for v in value if v.strip()][:50])
    if "priorities" in data:
        value = data["priorities"]
        if not isinstance(value, list) or not all(isinstance(v, int) and 1 <= v <= 7 for v in value):
            errors.setdefault("priorities", []).append(_("Priority directions 1–7."))
        else:
            profile.priorities = value
    if errors:
        raise ValidationFailed(fields=errors)
    audit.record(actor, "expert.profile", profile)
    db.session.flush()
    return profile


def import_experts(actor, competition_id: int, rows: list[dict]) -> list[ExpertProfile]:
    """The organiser of a competition imports new experts in bulk (all or nothing) and invites them (a
    notification each). An import creates accounts; it never changes an existing one: granting a role to
    someone else's account or rewriting an expert's organisation, country or foreign flag (which the
    conflict checks and the foreign quota rely on) is refused with the row's number."""
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "experts.import", competition, hide=True)
    from app.accounts.services import NewUser, create_user
    import secrets
    profiles = []
    for number, row in enumerate(rows, start=1):
        email = str(row.get("email") or "").strip().lower()
        if not email or not row.get("name"):
            raise ValidationFailed(_("Row %(n)d: e-mail and name are required.", n=number),
                                   fields={"file": [_("Row %(n)d: e-mail and name are required.", n=number)]})
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            try:
                user = create_user(NewUser(email=email, password=secrets.token_urlsafe(16) + "a1",
                                           roles=["expert"], name=str(row["name"])))
            except ValidationFailed as error:
                message = _("Row %(n)d: %(e)s", n=number,
                            e="; ".join(" ".join(v) for v in error.fields.values()))
                raise ValidationFailed(message, fields={"file": [message]}) from None
        else:
            message = _("Row %(n)d: %(email)s already has an account; an import only creates new experts "
                        "(existing experts keep their own profile).", n=number, email=email)
            raise ValidationFailed(message, fields={"file": [message]})
        texts = row.get("texts")
        if not texts or (isinstance(texts, list) and not any(str(t).strip() for t in texts)):
            message = _("Row %(n)d: give the expert's publication or project texts (the assignment matches "
                        "them with the applications).", n=number)
            raise ValidationFailed(message, fields={"file": [message]})
        profile = profile_for(user)
        profile.organisation = str(row.get("organisation") or profile.organisation)
        profile.country = str(row.get("country") or profile.country)
        foreign = row.get("foreign", profile.foreign)
        if isinstance(foreign, str):
            foreign = foreign.strip().lower() in ("1", "true", "yes", "y", "да", "иә")
        profile.foreign = bool(foreign)
        for key in ("languages", "keywords", "texts", "priorities"):
            value = row.get(key)
            if isinstance(value, str):
                value = [v.strip() for v in value.split("|" if key == "texts" else ",") if v.strip()]
            if isinstance(value, list):
                setattr(profile, key, value)
        profiles.append(profile)
        jobs.submit("app.notifications.tasks.deliver", "generic", {
            "user_id": user.id, "subject": _("You are invited to the expert registry"),
            "body": _("You were added to the registry of experts of the science-intensive territories platform. "
                      "Use “Forgot password” on the sign-in page or ask the operator for access."),
            "link": "/expert"}, queue="mail", title="notify expert")
    audit.record(actor, "expert.import", object_type="expert_profiles", after={"count": len(profiles)})
    db.session.flush()
    return profiles


def block_expert(actor, user_id: int, reason: str) -> None:
    authorize(actor, "expert.block")
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("Give the reason.")]})
    user = db.session.get(User, user_id)
    if user is None or "expert" not in user.roles:
        raise NotFound()
    from app.competitions.models import BlockedPerson
    db.session.add(BlockedPerson(user_id=user_id, kind="expert", reason=reason.strip(), since=clock.now(),
                                 added_by_id=actor.id))
    audit.record(actor, "expert.block", object_type="users", object_id=user_id, reason=reason)
    db.session.flush()


def _users_with_role(role: str):
    from app.accounts.models import UserRole
    return select(User).join(UserRole, UserRole.user_id == User.id).where(User.active.is_(True),
                                                                        UserRole.role == role)


def experts_pool() -> list[ExpertProfile]:
    """Active, not blocked experts with their profiles (profiles created for any that lack one), in a fixed
    number of queries."""
    from app.competitions.models import BlockedPerson
    now = clock.now()
    blocked = set(db.session.scalars(select(BlockedPerson.user_id).where(
        BlockedPerson.kind == "expert", BlockedPerson.since <= now,
        or_(BlockedPerson.until.is_(None), BlockedPerson.until > now))))
    experts = [u for u in db.session.scalars(_users_with_role("expert").order_by(User.id)) if u.id not in blocked]
    profiles = {p.user_id: p for p in db.session.scalars(select(ExpertProfile).where(
        ExpertProfile.user_id.in_([u.id for u in experts])))} if experts else {}
    result = [profiles.get(u.id) or profile_for(u) for u in experts]
    db.session.flush()
    return result


def activity(user_ids: list[int] | None = None) -> dict[int, dict]:
    """Per expert: invited, accepted, declined, completed, on time, average lateness (days)."""
    query = select(ExpertAssignment)
    if user_ids is not None:
        query = query.where(ExpertAssignment.expert_id.in_(user_ids))
    stats: dict[int, dict] = {}
    for a in db.session.scalars(query):
        s = stats.setdefault(a.expert_id, {"invited": 0, "accepted": 0, "declined": 0, "completed": 0,
                                           "on_time": 0, "lateness_days": []})
        if a.status == PROPOSED:
            continue
        s["invited"] += 1
        if a.status in (ACCEPTED, SUBMITTED):
            s["accepted"] += 1
        if a.status == DECLINED:
            s["declined"] += 1
        if a.review is not None and a.review.submitted_at is not None:
            s["completed"] += 1
            if a.due_at is None or a.review.submitted_at <= a.due_at:
                s["on_time"] += 1
            else:
                s["lateness_days"].append((a.review.submitted_at - a.due_at).total_seconds() / 86400)
    for s in stats.values():
        late = s.pop("lateness_days")
        s["average_lateness_days"] = round(statistics.fmean(late), 1) if late else 0.0
    return stats


# --- conflicts ---------------------------------------------------------------------------------------------

def _application_record(a: Application) -> dict:
    org = a.organisation.name_ru if a.organisation else ""
    team = [{"name": a.leader.name, "organisation": org}]
    team += [{"name": m.name, "organisation": (m.user.organisation.name_ru if m.user and m.user.organisation
                                               else org)} for m in a.members if m.name]
    return {"id": a.id, "title": a.title, "abstract": a.abstract, "keywords": a.keywords, "organisation": org,
            "team": team, "excluded_experts": a.excluded_experts,
            "translations": a.translations}


def _expert_record(p: ExpertProfile) -> dict:
    return {"id": p.user_id, "name": p.name, "organisation": p.organisation, "texts": p.texts,
            "keywords": p.keywords, "foreign": p.foreign, "email": p.user.email}


def detect_conflicts(competition: Competition, experts: list[ExpertProfile], applications: list[Application]
                     ) -> set[tuple[int, int]]:
    """Record every detected conflict (idempotent); return the (expert user id, application id) pairs in
    conflict, declared ones included."""
    from app.scoring.conflicts import detect_all
    found = detect_all([_expert_record(p) for p in experts], [_application_record(a) for a in applications])
    existing = {(c.expert_id, c.application_id, c.code) for c in db.session.scalars(
        select(ConflictRecord).where(ConflictRecord.competition_id == competition.id))}
    pairs = set()
    for (i, j), reasons in found.items():
        expert_id, application_id = experts[i].user_id, applications[j].id
        pairs.add((expert_id, application_id))
        for conflict in reasons:
            if (expert_id, application_id, conflict.code) in existing:
                continue
            db.session.add(ConflictRecord(competition_id=competition.id, application_id=application_id,
                                          expert_id=expert_id, source="detected", code=conflict.code,
                                          reason=conflict.describe(), created_at=clock.now()))
            existing.add((expert_id, application_id, conflict.code))
            audit.record(None, "conflict.detected", object_type="applications", object_id=application_id,
                         scope_id=competition.id, after={"expert_id": expert_id, "code": conflict.code})
    pairs |= {(expert_id, application_id) for expert_id, application_id, _code in existing}
    return pairs


def conflicts_of(actor, competition_id: int) -> list[ConflictRecord]:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    return db.session.scalars(select(ConflictRecord).where(ConflictRecord.competition_id == competition.id)
                              .order_by(ConflictRecord.id)).all()


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
    from app.scoring.affinity import AffinityModel
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


def compute_assignment(actor, competition_id: int, progress=None) -> list[ExpertAssignment]:
    """The optimal assignment for every admitted application: exactly K experts each (existing invited,
    accepted or submitted assignments are kept and count towards K), load caps, no conflicts, no blocked
    experts, at least F foreign experts. Replaces earlier proposals. Raises ValidationFailed when infeasible,
    naming the constraint."""
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    if competition.status not in (REVIEW,):
        raise Conflict(_("Experts are assigned while the competition is in review."), code="wrong_state")
    from app.scoring.assignment import AssignmentInfeasible, assign
    applications = _review_applications(competition)
    experts = experts_pool()
    if progress:
        progress(5, _("Checking conflicts of interest…"))
    conflicts = detect_conflicts(competition, experts, applications)
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
    if competitions.is_blocked(expert.id, "expert"):
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


# --- reviews ---------------------------------------------------------------------------------------------

BUDGET_OPINIONS = ("yes", "partly", "no")


def _validate_review(competition: Competition, data: dict, errors: dict) -> dict:
    criteria = {c["key"]: c for c in competition.criteria}
    cleaned: dict = {}
    scores = data.get("scores", {})
    if not isinstance(scores, dict):
        errors.setdefault("scores", []).append(_("Scores per criterion."))
        scores = {}
    cleaned_scores = {}
    for key, value in scores.items():
        criterion = criteria.get(key)
        if criterion is None:
            errors.setdefault(f"scores.{key}", []).append(_("Unknown criterion."))
            continue
        if value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors.setdefault(f"scores.{key}", []).append(_("Enter a number."))
            continue
        if isinstance(value, bool) or not np.isfinite(number):
            errors.setdefault(f"scores.{key}", []).append(_("Enter a number."))
            continue
        lo, hi, step = float(criterion["min"]), float(criterion["max"]), float(criterion["step"])
        steps = (number - lo) / step
        if number < lo or number > hi or abs(steps - round(steps)) > 1e-9:
            errors.setdefault(f"scores.{key}", []).append(
                _("Use the scale %(lo)s–%(hi)s in steps of %(step)s.", lo=lo, hi=hi, step=step))
            continue
        cleaned_scores[key] = number
    cleaned["scores"] = cleaned_scores
    comments = data.get("comments", {})
    if not isinstance(comments, dict) or not all(isinstance(v, str) for v in comments.values()):
        errors.setdefault("comments", []).append(_("Comments per criterion."))
        comments = {}
    for key in comments:
        if key not in criteria:
            errors.setdefault(f"comments.{key}", []).append(_("Unknown criterion."))
    cleaned["comments"] = {k: v.strip()[:10000] for k, v in comments.items() if k in criteria}
    if "trl_verified" in data and data["trl_verified"] not in (None, ""):
        value = data["trl_verified"]
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
                or not 1 <= int(value) <= 9:
            errors.setdefault("trl_verified", []).append(_("A TRL from 1 to 9."))
        else:
            cleaned["trl_verified"] = int(value)
    for key in ("trl_comment", "overall_comment", "budget_comment"):
        if key in data:
            if not isinstance(data[key], str):
                errors.setdefault(key, []).append(_("Enter text."))
            else:
                cleaned[key] = data[key].strip()[:10000]
    if data.get("budget_justified") not in (None, ""):
        if data["budget_justified"] not in BUDGET_OPINIONS:
            errors.setdefault("budget_justified", []).append(_("yes, partly or no."))
        else:
            cleaned["budget_justified"] = data["budget_justified"]
    return cleaned


def _completeness(review: Review, competition: Competition, claimed: int | None) -> dict:
    errors: dict = {}
    for c in competition.criteria:
        if c["key"] not in review.scores:
            errors.setdefault(f"scores.{c['key']}", []).append(_("Score every criterion."))
        if not (review.comments.get(c["key"]) or "").strip():
            errors.setdefault(f"comments.{c['key']}", []).append(_("A comment is required for every criterion."))
    if review.trl_verified is None:
        errors.setdefault("trl_verified", []).append(_("Verify the TRL."))
    elif claimed is not None and review.trl_verified != claimed and not review.trl_comment.strip():
        errors.setdefault("trl_comment", []).append(_("Explain why the verified TRL differs from the claimed one."))
    if review.budget_justified is None:
        errors.setdefault("budget_justified", []).append(_("Give an opinion on the budget."))
    if not review.overall_comment.strip():
        errors.setdefault("overall_comment", []).append(_("Write an overall comment for the applicant."))
    return errors


def review_for(actor, assignment_id: int) -> ExpertAssignment:
    assignment = assignment_for_expert(actor, assignment_id)
    if not can(actor, "assignment.review", assignment):
        raise PermissionDenied(_("Declare whether you have a conflict of interest before opening the application."))
    return assignment


def save_review(actor, assignment_id: int, data: dict, expected_version: int | None = None) -> Review:
    """Save a draft review; ``submit: true`` checks completeness and locks it."""
    assignment = review_for(actor, assignment_id)
    competition = assignment.application.competition
    if competition.status != REVIEW:
        raise Conflict(_("Reviews are accepted while the competition is in review."), code="wrong_state")
    review = assignment.review
    if review is not None and review.status == "submitted":
        raise Conflict(_("The review was submitted and is locked."), code="already_submitted")
    if review is not None and expected_version is not None and review.version != expected_version:
        raise Conflict(_("This review was changed elsewhere (another tab or device). Reload to see the latest "
                         "version."), code="version_conflict")
    errors: dict = {}
    cleaned = _validate_review(competition, data, errors)
    submit = data.get("submit", False)
    if not isinstance(submit, bool):
        errors.setdefault("submit", []).append(_("Must be true or false."))
    if errors:
        raise ValidationFailed(fields=errors)
    if review is None:
        review = Review(assignment=assignment, scores={}, comments={})
        db.session.add(review)
    before = {"scores": dict(review.scores), "trl_verified": review.trl_verified}
    review.scores = {**review.scores, **cleaned["scores"]}
    review.comments = {**review.comments, **cleaned["comments"]}
    for key in ("trl_verified", "trl_comment", "overall_comment", "budget_justified", "budget_comment"):
        if key in cleaned:
            setattr(review, key, cleaned[key])
    if review.trl_comment is None:
        review.trl_comment = ""
    if submit:
        problems = _completeness(review, competition, assignment.application.trl_claimed)
        if problems:
            raise ValidationFailed(_("The review is incomplete."), fields=problems)
        review.status = "submitted"
        review.submitted_at = clock.now()
        assignment.status = SUBMITTED
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("This review was changed elsewhere. Reload to see the latest version."),
                       code="version_conflict") from None
    audit.record(actor, "review.submit" if submit else "review.save", review, scope_id=competition.id,
                 before=before, after={"scores": review.scores, "trl_verified": review.trl_verified})
    if submit:
        _update_verified_trl(assignment.application)
    db.session.flush()
    return review


def amend_review(actor, review_id: int, data: dict, reason: str) -> Review:
    """An operator changes a submitted review: only with a written reason, and logged."""
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound()
    authorize(actor, "review.amend", review.assignment, hide=True)
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("A change to a submitted review needs a written reason.")]})
    competition = review.assignment.application.competition
    errors: dict = {}
    cleaned = _validate_review(competition, data, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    before = {"scores": dict(review.scores), "comments": dict(review.comments), "trl_verified": review.trl_verified}
    review.scores = {**review.scores, **cleaned["scores"]}
    review.comments = {**review.comments, **cleaned["comments"]}
    if "trl_verified" in cleaned:
        review.trl_verified = cleaned["trl_verified"]
    audit.record(actor, "review.amend", review, scope_id=competition.id, before=before,
                 after={"scores": review.scores, "comments": review.comments, "trl_verified": review.trl_verified},
                 reason=reason.strip())
    _update_verified_trl(review.assignment.application)
    db.session.flush()
    return review


def _update_verified_trl(application: Application) -> None:
    values = [r.trl_verified for r in _submitted_reviews(application.id) if r.trl_verified is not None]
    application.trl_verified = int(round(statistics.median(values))) if values else None


def _submitted_reviews(application_id: int) -> list[Review]:
    return db.session.scalars(select(Review).join(ExpertAssignment).where(
        ExpertAssignment.application_id == application_id, Review.status == "submitted")
        .order_by(Review.id)).all()


def reviews_visible_to(actor, application_id: int) -> list[dict]:
    """Blindness: an expert sees the other experts' scores only after submitting their own; operators and
    the council see all; applicants see anonymised ones once results are published."""
    application = competitions.get_application_for(actor, application_id)
    reviews = _submitted_reviews(application.id)
    competition = application.competition
    if can(actor, "reviews.named", competition):
        return [_review_dict(r, anonymous=False, index=n) for n, r in enumerate(reviews, 1)]
    mine = db.session.scalar(select(ExpertAssignment).where(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == actor.id))
    if mine is not None:
        if mine.status != SUBMITTED:
            return []
        return [_review_dict(r, anonymous=r.assignment.expert_id != actor.id, index=n)
                for n, r in enumerate(reviews, 1)]
    if application.leader_id == actor.id and competition.status in (RESULTS, "archived"):
        return [_review_dict(r, anonymous=True, index=n) for n, r in enumerate(reviews, 1)]
    return []


def round_reviews(actor, competition_id: int) -> list[dict]:
    """The scores of every submitted review of the round with its expert (for the operator's and council's
    charts): one query of plain rows, no ORM objects, whatever the size of the round."""
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.ranking", competition, hide=True)
    rows = db.session.execute(
        select(Review.id, Review.scores, ExpertAssignment.expert_id, User.name, User.email)
        .join(ExpertAssignment, Review.assignment_id == ExpertAssignment.id)
        .join(User, ExpertAssignment.expert_id == User.id)
        .where(ExpertAssignment.competition_id == competition.id, Review.status == "submitted")
        .order_by(Review.id)).all()
    return [{"review_id": r.id, "scores": r.scores, "expert_id": r.expert_id, "expert_name": r.name or r.email}
            for r in rows]


def _review_dict(review: Review, anonymous: bool, index: int) -> dict:
    body = {"label": _("Expert %(n)d", n=index), "scores": review.scores, "comments": review.comments,
            "overall_comment": review.overall_comment, "trl_verified": review.trl_verified,
            "budget_justified": review.budget_justified,
            "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None}
    if not anonymous:
        body["expert_id"] = review.assignment.expert_id
        body["expert_name"] = review.assignment.expert.name
        body["review_id"] = review.id
    return body


def late_reviews(actor, competition_id: int) -> list[ExpertAssignment]:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    now = clock.now()
    return [a for a in _active_assignments(competition.id)
            if a.status in (INVITED, ACCEPTED) and a.due_at is not None and a.due_at < now]


def send_reminders(actor, competition_id: int) -> int:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    pending = [a for a in _active_assignments(competition.id) if a.status in (INVITED, ACCEPTED)]
    for a in pending:
        a.reminded_at = clock.now()
        jobs.submit("app.notifications.tasks.deliver", "generic", {
            "user_id": a.expert_id, "subject": _("Reminder: a review is due"),
            "body": _("Please complete your review before the deadline."), "link": "/expert"},
            queue="mail", title="reminder")
    audit.record(actor, "review.remind", object_type="competitions", object_id=competition.id,
                 scope_id=competition.id, after={"count": len(pending)})
    db.session.flush()
    return len(pending)


def send_due_reminders(days: int = 3, now=None) -> int:
    """The scheduled reminder (cron or a clock process: ``flask scoring remind-due``): every expert whose
    review is due within ``days`` (or late) and who was not reminded in the last day gets a reminder."""
    now = now or clock.now()
    soon = now + timedelta(days=days)
    pending = db.session.scalars(select(ExpertAssignment).join(
        Competition, ExpertAssignment.competition_id == Competition.id).where(
        Competition.status == REVIEW, ExpertAssignment.status.in_((INVITED, ACCEPTED)),
        ExpertAssignment.due_at.is_not(None), ExpertAssignment.due_at <= soon)).all()
    sent = 0
    for a in pending:
        if a.reminded_at is not None and a.reminded_at > now - timedelta(days=1):
            continue
        a.reminded_at = now
        late = a.due_at < now
        jobs.submit("app.notifications.tasks.deliver", "generic", {
            "user_id": a.expert_id,
            "subject": _("Reminder: your review is late") if late else _("Reminder: a review is due"),
            "body": _("Please complete your review before the deadline."), "link": "/expert"},
            queue="mail", title="reminder")
        audit.record(None, "review.remind", a, scope_id=a.competition_id, after={"late": late})
        sent += 1
    db.session.flush()
    return sent


# --- ranking ---------------------------------------------------------------------------------------------

def ranking(actor, competition_id: int) -> dict:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.ranking", competition, hide=True)
    return compute_ranking(competition)


_ranking_cache: dict = {}
_ranking_lock = threading.Lock()


def compute_ranking(competition: Competition) -> dict:
    """The ranking of a round, recomputed only when a review, a consensus report, an application's status or
    the competition's rules changed (a per-process cache keyed on those): councils and operators reload it
    often, and it reads every review of the round."""
    import copy
    review_stamp = db.session.execute(select(func.count(Review.id), func.max(Review.updated_at)).join(
        Review.assignment).where(ExpertAssignment.competition_id == competition.id)).one()
    app_stamp = db.session.execute(select(func.count(Application.id), func.max(Application.updated_at)).where(
        Application.competition_id == competition.id)).one()
    consensus_stamp = db.session.execute(select(func.count(ConsensusReport.id), func.max(ConsensusReport.updated_at))
                                         .join(Application, ConsensusReport.application_id == Application.id)
                                         .where(Application.competition_id == competition.id)).one()
    key = (competition.id, str(competition.updated_at), tuple(map(str, review_stamp)), tuple(map(str, app_stamp)),
           tuple(map(str, consensus_stamp)))
    with _ranking_lock:
        cached = _ranking_cache.get(competition.id)
        if cached is not None and cached[0] == key:
            return copy.deepcopy(cached[1])
    result = _compute_ranking(competition)
    with _ranking_lock:
        _ranking_cache[competition.id] = (key, result)
        while len(_ranking_cache) > 64:
            _ranking_cache.pop(next(iter(_ranking_cache)))
    return copy.deepcopy(result)


def _compute_ranking(competition: Competition) -> dict:
    rules = competition.rules or {}
    criteria = competition.criteria
    keys = [c["key"] for c in criteria]
    from sqlalchemy.orm import contains_eager, selectinload
    applications = db.session.scalars(select(Application).where(
        Application.competition_id == competition.id, Application.status.in_(IN_REVIEW_STATES))
        .options(selectinload(Application.organisation))).all()
    reviews_by_app: dict[int, list[Review]] = {a.id: [] for a in applications}
    all_reviews = db.session.scalars(select(Review).join(Review.assignment).where(
        ExpertAssignment.competition_id == competition.id, Review.status == "submitted")
        .options(contains_eager(Review.assignment))).all()
    for review in all_reviews:
        reviews_by_app.setdefault(review.assignment.application_id, []).append(review)
    calibration = agg.calibrate((r.assignment.expert_id, agg.total(r.scores, keys)) for r in all_reviews)
    consensus = {c.application_id: c for c in db.session.scalars(select(ConsensusReport).where(
        ConsensusReport.application_id.in_([a.id for a in applications])))}
    items = []
    for a in applications:
        reviews = reviews_by_app.get(a.id, [])
        raw = agg.aggregate_scores([r.scores for r in reviews], keys, rules.get("aggregation", "mean"))
        if a.id in consensus and consensus[a.id].scores:
            raw = {k: float(v) for k, v in consensus[a.id].scores.items() if k in keys}
        raw_total = agg.total(raw, keys)
        calibrated_totals = [calibration.adjust(r.assignment.expert_id, agg.total(r.scores, keys)) for r in reviews]
        calibrated_total = round(statistics.fmean(calibrated_totals), 4) if calibrated_totals else 0.0
        failures = agg.threshold_failures(raw, criteria, rules.get("total_threshold", 10))
        spread = agg.disagreements([r.scores for r in reviews], keys, float(rules.get("spread_threshold", 2)))
        complete = len(reviews) >= competition.experts_per_application or a.id in consensus
        items.append({
            "id": a.id, "application_id": a.id, "irn": a.irn, "title": a.title, "requested": float(a.requested_kzt),
            "region": a.region_code, "organisation": a.organisation.name_ru if a.organisation else "",
            "scores": raw, "total": raw_total, "rank_score": agg.weighted_total(raw, criteria),
            "calibrated_total": calibrated_total, "reviews": len(reviews), "complete": complete,
            "threshold_failures": failures, "eligible": complete and not failures,
            "disagreement": spread, "needs_consensus": bool(spread) and a.id not in consensus,
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else "", "status": a.status,
            "trl_claimed": a.trl_claimed, "trl_verified": a.trl_verified,
        })
    items.sort(key=lambda item: agg.ranking_key(item, rules.get("tie_break", ["excellence", "impact",
                                                                               "submitted_at"])))
    quotas = rules.get("quotas") or None
    for item in items:
        item["group"] = item["region"]
    line = agg.funding_line(items, float(competition.budget_kzt), quotas)
    funded, skipped = set(line.funded), set(line.skipped)
    for position, item in enumerate(items, start=1):
        item["rank"] = position
        item["proposed"] = "funded" if item["id"] in funded else (
            "skipped" if item["id"] in skipped else ("reserve" if item["eligible"] else "below_threshold"))
    return {"competition_id": competition.id, "budget_kzt": float(competition.budget_kzt),
            "used_kzt": round(line.used, 2), "remaining_kzt": line.remaining, "items": items,
            "funding_line": {"funded": line.funded, "skipped": line.skipped, "reserve": line.reserve},
            "method": {"aggregation": rules.get("aggregation", "mean"),
                       "calibration": "per-expert z-score of totals within the round, shrunk by n/(n+2)",
                       "tie_break": rules.get("tie_break"), "total_threshold": rules.get("total_threshold")}}


def write_consensus(actor, application_id: int, majority: str, minority: str = "", scores: dict | None = None
                    ) -> ConsensusReport:
    """A rapporteur (one of the application's experts who submitted, or the operator) writes the consensus
    while the competition is in expert review. It records what the experts agreed on: each criterion's
    consensus score lies within the range of the submitted reviews' scores for it (it cannot move an
    application where no expert put it)."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound()
    competitions.get_application_for(actor, application_id)
    if not can(actor, "consensus.write", application):
        if application.competition.status != REVIEW and (manages(actor, application.competition) or
                                                         _submitted_by(actor, application)):
            raise Conflict(_("A consensus is written while the competition is in expert review."),
                           code="wrong_state")
        raise NotFound()
    if not (majority or "").strip():
        raise ValidationFailed(fields={"majority": [_("Write the majority view.")]})
    errors: dict = {}
    cleaned = _validate_review(application.competition, {"scores": scores or {}}, errors)
    reviews = _submitted_reviews(application.id)
    if len(reviews) < 2:
        errors.setdefault("scores", []).append(_("A consensus needs at least two submitted reviews."))
    for key, value in (cleaned.get("scores") or {}).items():
        given = [float(r.scores[key]) for r in reviews if (r.scores or {}).get(key) is not None]
        if given and not min(given) <= float(value) <= max(given):
            errors.setdefault(f"scores.{key}", []).append(
                _("Between %(low)s and %(high)s: the experts' own scores for this criterion.",
                  low=f"{min(given):g}", high=f"{max(given):g}"))
    if errors:
        raise ValidationFailed(fields=errors)
    report = db.session.scalar(select(ConsensusReport).where(ConsensusReport.application_id == application.id))
    before = None
    if report is None:
        report = ConsensusReport(application_id=application.id, rapporteur_id=actor.id, majority="", minority="",
                                 scores={})
        db.session.add(report)
    else:
        before = {"majority": report.majority, "minority": report.minority, "scores": report.scores}
    report.majority, report.minority = majority.strip(), (minority or "").strip()
    report.scores = cleaned["scores"]
    report.rapporteur_id = actor.id
    db.session.flush()
    audit.record(actor, "consensus.write", report, scope_id=application.competition_id, before=before,
                 after={"majority": report.majority, "minority": report.minority, "scores": report.scores})
    db.session.flush()
    return report


def _submitted_by(actor, application) -> bool:
    return db.session.scalar(select(ExpertAssignment.id).where(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == actor.id,
        ExpertAssignment.status == SUBMITTED)) is not None


# --- the council -----------------------------------------------------------------------------------------

MIN_COUNCIL_MEMBERS = 3  # one or two people are not a council


def council_members() -> list[User]:
    return db.session.scalars(_users_with_role("council").order_by(User.id)).all()


def open_session(actor, competition_id: int, member_ids: list[int] | None = None,
                 attendees: list[int] | None = None) -> CouncilSession:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "council.run", competition, hide=True)
    if competition.status != COUNCIL:
        raise Conflict(_("The council meets when the competition is at the council stage."), code="wrong_state")
    authorize(actor, "council.open", competition)
    if db.session.scalar(select(CouncilSession.id).where(CouncilSession.competition_id == competition.id)):
        raise Conflict(_("The council session is already open."), code="already_open")
    council = {u.id for u in council_members()}
    members = list(dict.fromkeys(member_ids)) if member_ids else sorted(council)
    if member_ids and set(members) != council:
        authorize(actor, "council.choose_members", competition)
    errors: dict = {}
    if not set(members) <= council:
        errors["members"] = [_("Every member of the session must be a member of the council.")]
    elif len(members) < MIN_COUNCIL_MEMBERS:
        errors["members"] = [_("A session needs at least %(n)d council members.", n=MIN_COUNCIL_MEMBERS)]
    present = list(dict.fromkeys(attendees if attendees is not None else members))
    if not present or not set(present) <= set(members):
        errors["attendees"] = [_("Tick the members present (members of this session only).")]
    if errors:
        raise ValidationFailed(fields=errors)
    session = CouncilSession(competition_id=competition.id, secretary_id=actor.id, members=members,
                             attendees=present, opened_at=clock.now())
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "council.open", session, scope_id=competition.id,
                 after={"members": members, "attendees": present})
    db.session.flush()
    return session


def session_of(actor, competition_id: int) -> CouncilSession | None:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.ranking", competition, hide=True)
    return db.session.scalar(select(CouncilSession).where(CouncilSession.competition_id == competition.id))


def vote(actor, session_id: int, application_id: int, choice: str) -> Vote:
    """An open vote per application: for, against, abstain, or "conflict" (a member's own conflict: they
    do not vote on it). A member may change their vote while the session is open; every vote is audited."""
    session = db.session.get(CouncilSession, session_id)
    if session is None:
        raise NotFound()
    if not can(actor, "council.run", db.session.get(Competition, session.competition_id)):
        raise NotFound()
    if session.closed_at is not None:
        raise Conflict(_("The session is closed."), code="wrong_state")
    authorize(actor, "council.vote", session)  # a member of this session, present
    if choice not in ("for", "against", "abstain", "conflict"):
        raise ValidationFailed(fields={"choice": [_("for, against, abstain or conflict.")]})
    application = db.session.get(Application, application_id)
    if application is None or application.competition_id != session.competition_id \
            or application.status not in IN_REVIEW_STATES:
        raise NotFound()
    if not can(actor, "council.vote_on", (session, application.id)):
        raise Conflict(_("You declared a conflict of interest on this application: you do not vote on it."),
                       code="conflict_declared")
    existing = db.session.scalar(select(Vote).where(Vote.session_id == session.id,
                                                    Vote.application_id == application.id,
                                                    Vote.member_id == actor.id))
    before = {"choice": existing.choice} if existing else None
    if existing is None:
        existing = Vote(session_id=session.id, application_id=application.id, member_id=actor.id, choice=choice,
                        at=clock.now())
        db.session.add(existing)
    else:
        existing.choice, existing.at = choice, clock.now()
    db.session.flush()
    audit.record(actor, "council.vote", existing, scope_id=session.competition_id, before=before,
                 after={"application_id": application.id, "choice": choice})
    db.session.flush()
    return existing


def votes_of(session: CouncilSession) -> dict[int, dict[int, str]]:
    result: dict[int, dict[int, str]] = {}
    for v in db.session.scalars(select(Vote).where(Vote.session_id == session.id)):
        result.setdefault(v.application_id, {})[v.member_id] = v.choice
    return result


def close_session(actor, session_id: int) -> list[Decision]:
    """Record the decisions: an application is funded when the vote supports it (quorum and majority as
    configured) and it fits the budget walking down the ranking; supported ones that do not fit form the
    reserve. Then the operator publishes the results."""
    session = db.session.get(CouncilSession, session_id)
    if session is None:
        raise NotFound()
    competition = db.session.get(Competition, session.competition_id)
    authorize(actor, "council.run", competition, hide=True)
    if session.closed_at is not None:
        raise Conflict(_("The session is closed."), code="wrong_state")
    authorize(actor, "council.close", session)
    rules = competition.rules or {}
    ranked = compute_ranking(competition)["items"]
    votes = votes_of(session)
    attendees = set(session.attendees or session.members)
    remaining = float(competition.budget_kzt)
    decisions, undecided = [], []
    for item in ranked:
        cast = votes.get(item["id"], {})
        conflicted = {m for m, c in cast.items() if c == "conflict"}
        eligible_members = len(attendees - conflicted)
        outcome = agg.vote_outcome([c for m, c in cast.items() if c != "conflict" and m in attendees],
                                   eligible_members, float(rules.get("quorum", 0.5)), float(rules.get("majority", 0.5)))
        if not outcome.decided:
            undecided.append(item["irn"] or str(item["id"]))
            continue
        funded = outcome.funded and item["eligible"] and item["requested"] <= remaining + 1e-6
        if funded:
            remaining -= item["requested"]
        application = db.session.get(Application, item["id"])
        application.status = A_FUNDED if funded else (A_RESERVE if outcome.funded and item["eligible"]
                                                      else A_NOT_FUNDED)
        application.awarded_kzt = Decimal(str(item["requested"])) if funded else None
        decision = Decision(session_id=session.id, application_id=application.id, funded=funded,
                            amount_kzt=application.awarded_kzt, votes_for=outcome.votes_for,
                            votes_against=outcome.votes_against, votes_abstain=outcome.votes_abstain,
                            decided_at=clock.now())
        db.session.add(decision)
        decisions.append(decision)
    if undecided:
        raise Conflict(_("No quorum yet for: %(list)s.", list=", ".join(undecided)), code="no_quorum")
    session.closed_at = clock.now()
    audit.record(actor, "council.close", session, scope_id=competition.id,
                 after={"funded": [d.application_id for d in decisions if d.funded]})
    for d in decisions:
        audit.record(actor, "council.decision", d, scope_id=competition.id,
                     after={"application_id": d.application_id, "funded": d.funded,
                            "votes": [d.votes_for, d.votes_against, d.votes_abstain]})
        application = db.session.get(Application, d.application_id)
        jobs.submit("app.notifications.tasks.deliver", "council_decision",
                    {"user_id": application.leader_id, "application_id": application.id},
                    queue="mail", title="notify council decision")
    db.session.flush()
    return decisions


@competitions.guard(COUNCIL, RESULTS)
def _decisions_recorded(competition: Competition) -> str | None:
    session = db.session.scalar(select(CouncilSession).where(CouncilSession.competition_id == competition.id))
    if session is None or session.closed_at is None:
        return _("The council's decisions are not recorded yet (close the council session first).")
    return None


@competitions.guard(REVIEW, COUNCIL)
def _reviews_complete(competition: Competition) -> str | None:
    items = compute_ranking(competition)["items"]
    incomplete = [i["irn"] or str(i["id"]) for i in items if not i["complete"]]
    if incomplete:
        return _("Reviews are missing for: %(list)s.", list=", ".join(incomplete[:10]))
    return None


def protocol(actor, competition_id: int) -> dict:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.ranking", competition, hide=True)
    session = db.session.scalar(select(CouncilSession).where(CouncilSession.competition_id == competition.id))
    if session is None:
        raise NotFound()
    members = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(session.members or [])))}
    decisions = {d.application_id: d for d in db.session.scalars(select(Decision).where(
        Decision.session_id == session.id))}
    ranked = compute_ranking(competition)["items"]
    votes = votes_of(session)
    attendees = session.attendees or session.members
    quorum = float((competition.rules or {}).get("quorum", 0.5))
    return {"competition": competition, "session": session, "members": members,
            "attendees": [members[m] for m in attendees if m in members],
            "quorum_required": quorum, "quorum_met": len(attendees) >= quorum * max(1, len(session.members)),
            "items": ranked, "votes": votes, "decisions": decisions}


# --- appeals ---------------------------------------------------------------------------------------------

def file_appeal(actor, application_id: int, text: str) -> Appeal:
    application = competitions.get_application_for(actor, application_id)
    if application.leader_id != actor.id:
        raise PermissionDenied()
    competition = application.competition
    if competition.status not in (RESULTS,) or competition.results_published_at is None:
        raise Conflict(_("An appeal can be filed once results are published."), code="wrong_state")
    days = int((competition.rules or {}).get("appeal_days", 10))
    if clock.now() > competition.results_published_at + timedelta(days=days):
        raise Conflict(_("The appeal period of %(n)d days has ended.", n=days), code="deadline_passed")
    if not (text or "").strip():
        raise ValidationFailed(fields={"text": [_("Describe the procedural violation.")]})
    appeal = Appeal(application_id=application.id, applicant_id=actor.id, text=text.strip()[:10000])
    db.session.add(appeal)
    db.session.flush()
    audit.record(actor, "appeal.file", appeal, scope_id=competition.id)
    db.session.flush()
    return appeal


def answer_appeal(actor, appeal_id: int, answer: str) -> Appeal:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound()
    application = db.session.get(Application, appeal.application_id)
    authorize(actor, "competition.manage", application.competition, hide=True)
    if not (answer or "").strip():
        raise ValidationFailed(fields={"answer": [_("Write the answer.")]})
    if appeal.answered_at is not None:
        raise Conflict(_("The appeal was already answered."), code="already_answered")
    appeal.answer, appeal.answered_by_id, appeal.answered_at = answer.strip(), actor.id, clock.now()
    audit.record(actor, "appeal.answer", appeal, scope_id=application.competition_id)
    jobs.submit("app.notifications.tasks.deliver", "generic", {
        "user_id": appeal.applicant_id, "subject": _("Your appeal was answered"), "body": answer.strip()[:2000],
        "link": f"/applications/{application.id}"}, queue="mail", title="appeal answer")
    db.session.flush()
    return appeal


def appeals_of(actor, competition_id: int) -> list[Appeal]:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    return db.session.scalars(select(Appeal).join(Application, Appeal.application_id == Application.id)
                              .where(Application.competition_id == competition.id).order_by(Appeal.id)).all()


def expert_count() -> int:
    return db.session.scalar(select(func.count(ExpertProfile.id))) or 0
