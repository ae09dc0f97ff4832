"""The council: sessions, votes, decisions, the lifecycle guards and the protocol."""
from __future__ import annotations

import logging
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app import jobs
from app.accounts.models import User
from app.competitions import services as competitions
from app.competitions.models import (
    A_FUNDED,
    A_NOT_FUNDED,
    A_RESERVE,
    COUNCIL,
    RESULTS,
    REVIEW,
    Application,
    Competition,
)
from app.core import audit
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.permissions import authorize, can
from app.scoring.experts.services import _users_with_role
from app.scoring.models import CouncilSession, Decision, Vote
from app.scoring.review import aggregate as agg
from app.scoring.review.ranking import IN_REVIEW_STATES, compute_ranking

logger = logging.getLogger(__name__)


# --- the council -----------------------------------------------------------------------------------------

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


MIN_COUNCIL_MEMBERS = 3  # one or two people are not a council


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
