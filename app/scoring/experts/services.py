"""The expert registry (profiles, import, blocking, activity) and conflicts of interest.

Public functions are units of work: authorize, validate, mutate, audit and flush; the request, the CLI
command or the job commits. Conflict detection itself is the pure module ``app.scoring.experts.conflicts``.
"""
from __future__ import annotations

import logging
import statistics

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app import jobs
from app.accounts.models import User
from app.competitions import services as competitions
from app.competitions.models import Application, Competition
from app.core import audit
from app.core import time as clock
from app.core.db import db
from app.core.schemas import load_valid
from app.scoring.schemas import ExpertProfileSchema
from app.core.errors import NotFound, ValidationFailed
from app.core.permissions import authorize
from app.scoring.models import (
    ACCEPTED,
    DECLINED,
    PROPOSED,
    SUBMITTED,
    ConflictRecord,
    ExpertAssignment,
    ExpertProfile,
)

logger = logging.getLogger(__name__)


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


def embed_later(user_ids: list[int] | None = None, actor=None) -> None:
    """Embed these experts' texts (all when None) once this unit of work commits, so that running an
    assignment only reads the vector cache."""
    jobs.submit("app.scoring.tasks.embed_experts", user_ids, queue="matching", title=_("Embedding texts"),
                actor=actor)


REGISTRY_FACTS = ("country", "foreign")  # set by the registry's operator (import), not by the expert
PROFILE_FIELDS = ("organisation", "country", "foreign", "languages", "keywords", "texts", "priorities")


def _profile_state(profile: ExpertProfile) -> dict:
    return {key: getattr(profile, key) for key in PROFILE_FIELDS}


def update_profile(actor, data: dict) -> ExpertProfile:
    """An expert's own profile: validated whole before anything changes; the organisation may not be
    emptied (conflict detection reads it) and the registry facts stay as the operator recorded them."""
    authorize(actor, "desk.expert")
    profile = profile_for(actor)
    values, errors = load_valid(ExpertProfileSchema(), data)
    for key in REGISTRY_FACTS:
        if key in values and values[key] != getattr(profile, key):
            errors.setdefault(key, []).append(_("The registry's operator records this; ask them to change it."))
    if errors:
        raise ValidationFailed(fields=errors)
    before = _profile_state(profile)
    for key, value in values.items():
        if key not in REGISTRY_FACTS:
            setattr(profile, key, value)
    audit.record(actor, "expert.profile", profile, before=before, after=_profile_state(profile))
    db.session.flush()
    if profile.texts != before["texts"]:
        embed_later([actor.id], actor)
    return profile


def import_experts(actor, competition_id: int, rows: list[dict]) -> list[ExpertProfile]:
    """The organiser of a competition imports new experts in bulk (all or nothing) and invites them (a
    notification each). An import creates accounts; it never changes an existing one: granting a role to
    someone else's account or rewriting an expert's organisation, country or foreign flag (which the
    conflict checks and the foreign quota rely on) is refused with the row's number."""
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "experts.import", competition, hide=True)
    import secrets

    from app.accounts.services import NewUser, create_user
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
    embed_later([p.user_id for p in profiles], actor)
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
    from app.scoring.experts.conflicts import detect_all
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


def expert_count() -> int:
    return db.session.scalar(select(func.count(ExpertProfile.id))) or 0
