"""Who may see and do what with competitions and applications. The services enforce these rules;
templates only ask ``can(...)`` for display."""
from __future__ import annotations

from app.competitions.models import (
    A_DRAFT,
    A_SUBMITTED,
    ARCHIVED,
    COUNCIL,
    DRAFT,
    OPEN,
    RESULTS,
    Application,
    Competition,
)
from app.core import time as clock
from app.core.permissions import role_rule, rule

role_rule("desk.applicant", "researcher")          # "My applications", the researcher's panel
role_rule("desk.operator", "mnvo", "akimat", "admin")  # the organiser's panel, "new competition"


def manages(user, competition: Competition) -> bool:
    """МНВО operators run national competitions; an akimat operator runs only its own region's."""
    if user.has_role("admin"):
        return True
    if competition.region_code is None:
        return user.has_role("mnvo")
    return user.has_role("akimat") and user.region_code == competition.region_code


def own_region(user) -> str | None:
    """The region an organiser's new competition belongs to when none is given: an akimat operator's own
    (its competitions are always its region's); None (national) for МНВО and admins."""
    if user is not None and user.has_role("akimat") and not user.has_role("mnvo", "admin"):
        return user.region_code
    return None


def visible_clause(user):
    """Which competitions a user may list: everything but drafts, plus the drafts they manage."""
    from sqlalchemy import or_, true
    if user is None or not getattr(user, "is_authenticated", False):
        return Competition.status != DRAFT
    if user.has_role("admin"):
        return true()
    mine = []
    if user.has_role("mnvo"):
        mine.append(Competition.region_code.is_(None))
    if user.has_role("akimat") and user.region_code:
        mine.append(Competition.region_code == user.region_code)
    return or_(Competition.status != DRAFT, *mine)


@rule("competition.create")
def can_create_competition(user, region_code) -> bool:
    if user.has_role("admin"):
        return True
    if region_code is None:
        return user.has_role("mnvo")
    return user.has_role("akimat") and user.region_code == region_code


@rule("competition.view")
def can_view_competition(user, competition: Competition) -> bool:
    return competition.status != DRAFT or manages(user, competition)


@rule("competition.manage")
def can_manage_competition(user, competition: Competition) -> bool:
    return manages(user, competition)


@rule("competition.apply")
def can_apply(user, competition: Competition) -> bool:
    return user.has_role("researcher") and competition.status != DRAFT


@rule("competition.ranking")
def can_see_ranking(user, competition: Competition) -> bool:
    """The organiser at any stage; council members only once the ranking is theirs to decide on (not the live
    ranking of a competition still in expert review)."""
    return manages(user, competition) or (user.has_role("council")
                                          and competition.status in (COUNCIL, RESULTS, ARCHIVED))


def is_member(user, application: Application, confirmed_only: bool = False) -> bool:
    for member in application.members:
        if member.user_id == user.id or member.email == user.email:
            if not confirmed_only or member.status == member.CONFIRMED:
                return True
    return False


def is_org_head(user, application: Application) -> bool:
    return (user.has_role("org_head") and application.organisation_id is not None
            and user.organisation_id == application.organisation_id)


_view_extensions = []
_full_extensions = []


def extend_view(predicate, full: bool = True):
    """Other domains add who may see an application: ``full=True`` grants the whole application
    (e.g. assigned experts), ``full=False`` only its teaser (e.g. investors before an introduction)."""
    _view_extensions.append(predicate)
    if full:
        _full_extensions.append(predicate)
    return predicate


def _insider(user, application: Application) -> bool:
    return application.leader_id == user.id or is_member(user, application) or is_org_head(user, application)


@rule("application.view")
def can_view_application(user, application: Application) -> bool:
    if _insider(user, application):
        return True
    if application.status == A_DRAFT:
        return False
    if manages(user, application.competition):
        return True
    if user.has_role("council") and application.competition.status in (COUNCIL, RESULTS, ARCHIVED):
        return True
    return any(predicate(user, application) for predicate in _view_extensions)


def closed_for_changes(competition: Competition, now) -> str | None:
    """Why a competition's applications cannot change now (``not_open``, ``deadline_passed``), or None:
    ``Competition.accepts_changes`` with its reason, for the services' 409."""
    if competition.accepts_changes(now):
        return None
    if competition.status != OPEN:
        return "not_open"
    if competition.deadline is None or now >= competition.deadline:
        return "deadline_passed"
    return None


def edit_refusal(application: Application, now) -> str | None:
    """Why a draft cannot change (be edited, completed, signed or submitted) now, or None."""
    if application.status != A_DRAFT:
        return "already_submitted"
    return closed_for_changes(application.competition, now)


def withdraw_refusal(application: Application, now) -> str | None:
    """Why an application cannot be withdrawn now, or None."""
    if application.status != A_SUBMITTED:
        return "wrong_state"
    return closed_for_changes(application.competition, now)


@rule("application.lead")
def is_leader(user, application: Application) -> bool:
    """The applicant's own acts whatever the state: the reviews of the result, an appeal."""
    return application.leader_id == user.id


@rule("application.edit")
def can_edit_application(user, application: Application) -> bool:
    """Edit, complete and submit the draft: its leader, while it is a draft and the competition accepts changes
    (open, before the deadline)."""
    return is_leader(user, application) and edit_refusal(application, clock.now()) is None


@rule("application.withdraw")
def can_withdraw_application(user, application: Application) -> bool:
    """Its leader, once submitted, while the competition is open and before the deadline."""
    return is_leader(user, application) and withdraw_refusal(application, clock.now()) is None


@rule("application.org_head")
def is_applicant_org_head(user, application: Application) -> bool:
    """The head of the applicant organisation, whatever the state."""
    return is_org_head(user, application)


@rule("application.sign")
def can_sign_application(user, application: Application) -> bool:
    """The head of the applicant organisation co-signs the draft while it may still change."""
    return is_org_head(user, application) and edit_refusal(application, clock.now()) is None


@rule("application.formal_check")
def can_formal_check(user, application: Application) -> bool:
    return manages(user, application.competition)


@rule("application.full")
def can_see_full_application(user, application: Application) -> bool:
    """The full text, team, contacts and attachments (investors need an accepted introduction)."""
    if _insider(user, application):
        return True
    if application.status == A_DRAFT:
        return False
    if manages(user, application.competition):
        return True
    if user.has_role("council") and application.competition.status in (COUNCIL, RESULTS, ARCHIVED):
        return True
    return any(predicate(user, application) for predicate in _full_extensions)


@rule("desk.org_head")
def has_org_head_desk(user, _obj=None) -> bool:
    return user.has_role("org_head") and user.organisation_id is not None
