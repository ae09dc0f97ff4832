"""Who may do what in a review round."""
from __future__ import annotations

from app.competitions.permissions import extend_view, manages
from app.core.db import db
from app.competitions.models import COUNCIL, RESULTS
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
    return user.has_role("council") and user.id in (session.members or [])


@rule("council.run")
def can_run_council(user, competition) -> bool:
    return manages(user, competition) or user.has_role("council")


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



def _awaits_declaration(user, application) -> bool:
    if not user.has_role("expert"):
        return False
    return db.session.query(ExpertAssignment.id).filter(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == user.id,
        ExpertAssignment.status == INVITED, ExpertAssignment.declared_at.is_(None)).first() is not None


def _register_declaration_check():
    from app.competitions.applications import declaration_check
    declaration_check(_awaits_declaration)


_register_declaration_check()
