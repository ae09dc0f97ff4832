"""Who may do what in a review round."""
from __future__ import annotations

from app.competitions.permissions import extend_view, manages
from app.core.db import db
from app.competitions.models import COUNCIL, RESULTS, REVIEW, Competition
from app.core.permissions import role_rule, rule
from app.scoring.models import ACCEPTED, INVITED, SUBMITTED, ExpertAssignment


role_rule("desk.expert", "expert")                   # the expert desk, the expert's own profile
role_rule("desk.council", "council")                 # the council member's panel
role_rule("desk.reviews", "mnvo", "akimat", "admin")  # the operator's review panel
role_rule("expert.block", "mnvo", "admin")            # the registry of unscrupulous experts


@rule("experts.import")
def can_import_experts(user, competition) -> bool:
    """Only the competition's organiser, into its own competition (an akimat never into a national one)."""
    return manages(user, competition)


@rule("reviews.named")
def can_see_named_reviews(user, competition) -> bool:
    """Reviews with the experts' names: the organiser; council members once the council stage began."""
    return manages(user, competition) or (user.has_role("council") and competition.status in (COUNCIL, RESULTS))


@rule("assignment.respond")
def can_respond(user, assignment: ExpertAssignment) -> bool:
    return assignment.expert_id == user.id and user.has_role("expert")


@rule("assignment.review")
def can_review(user, assignment: ExpertAssignment) -> bool:
    """The assigned expert, once they declared no conflict."""
    return (assignment.expert_id == user.id and assignment.declared_at is not None
            and assignment.status in (ACCEPTED, SUBMITTED))


@rule("review.amend")
def can_amend_review(user, assignment: ExpertAssignment) -> bool:
    return manages(user, assignment.application.competition)


@rule("council.vote")
def can_vote(user, session) -> bool:
    """A member of the session who is present, while the session is open."""
    return (user.has_role("council") and session.closed_at is None and user.id in (session.members or [])
            and user.id in (session.attendees or []))


@rule("council.vote_on")
def can_vote_on(user, pair) -> bool:
    """…and not on an application the member declared a conflict on (that declaration is final)."""
    session, application_id = pair
    if not can_vote(user, session):
        return False
    from app.scoring.models import Vote
    choice = db.session.scalar(db.select(Vote.choice).where(
        Vote.session_id == session.id, Vote.application_id == application_id, Vote.member_id == user.id))
    return choice != "conflict"


@rule("council.run")
def can_run_council(user, competition) -> bool:
    """Who sees the council's page and the session: the organiser and the council's members."""
    return manages(user, competition) or user.has_role("council")


@rule("council.open")
def can_open_council(user, competition) -> bool:
    """The organiser or the council's secretary (a council member) opens the session of a competition at the
    council stage."""
    return competition.status == COUNCIL and (manages(user, competition) or user.has_role("council"))


@rule("council.choose_members")
def can_choose_members(user, competition) -> bool:
    """Only the organiser names a session's members; a secretary opens it with the whole council."""
    return manages(user, competition)


@rule("council.close")
def can_close_council(user, session) -> bool:
    """The organiser, or the secretary who opened it and sits in it; never a member outside the session."""
    if session.closed_at is not None:
        return False
    competition = db.session.get(Competition, session.competition_id)
    return manages(user, competition) or (user.id == session.secretary_id and user.id in (session.members or []))


@rule("consensus.write")
def can_write_consensus(user, application) -> bool:
    """While the competition is in expert review: the organiser, or an expert who submitted a review of the
    application, as its rapporteur (a consensus written by another rapporteur is theirs to change)."""
    competition = application.competition
    if competition.status != REVIEW:
        return False
    if manages(user, competition):
        return True
    submitted = db.session.scalar(db.select(ExpertAssignment.id).where(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == user.id,
        ExpertAssignment.status == SUBMITTED)) is not None
    if not submitted:
        return False
    from app.scoring.models import ConsensusReport
    rapporteur = db.session.scalar(db.select(ConsensusReport.rapporteur_id).where(
        ConsensusReport.application_id == application.id))
    return rapporteur is None or rapporteur == user.id


def _assigned_expert(user, application) -> bool:
    """An assigned expert sees the full application only after declaring no conflict."""
    if not user.has_role("expert"):
        return False
    return db.session.query(ExpertAssignment.id).filter(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == user.id,
        ExpertAssignment.declared_at.is_not(None),
        ExpertAssignment.status.in_((ACCEPTED, SUBMITTED))).first() is not None


def _invited_expert(user, application) -> bool:
    """Before the declaration an invited expert sees the title and abstract (the teaser) only."""
    if not user.has_role("expert"):
        return False
    return db.session.query(ExpertAssignment.id).filter(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == user.id,
        ExpertAssignment.status.in_((INVITED, ACCEPTED, SUBMITTED))).first() is not None


extend_view(_assigned_expert, full=True)
extend_view(_invited_expert, full=False)



def _awaits_declaration(user, application) -> int | None:
    """The invited expert's assignment that awaits their declaration of (no) conflict, if any."""
    if not user.has_role("expert"):
        return None
    return db.session.scalar(db.select(ExpertAssignment.id).where(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == user.id,
        ExpertAssignment.status == INVITED, ExpertAssignment.declared_at.is_(None)).limit(1))


def _register_declaration_check():
    from app.competitions.applications import declaration_check
    declaration_check(_awaits_declaration)


_register_declaration_check()
