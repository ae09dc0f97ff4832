"""Who may do what in matching: investors with the pool, leaders with their requests, operators with the
indicators. The services enforce these rules; views and templates only ask ``can(...)``."""
from __future__ import annotations

from sqlalchemy import select

from app.competitions.permissions import extend_view
from app.core.db import db
from app.core.permissions import role_rule, rule
from app.matching.models import Introduction, InvestorProfile

role_rule("desk.investor", "investor")                   # feed, profile, feedback, introductions
role_rule("desk.indicators", "mnvo", "akimat", "admin")  # the Concept's indicators 4 and 6
role_rule("desk.leader", "researcher")                   # investor interest in my projects


def _in_pool(application) -> bool:
    from app.matching.services import in_pool
    return in_pool(application)


@rule("pool.project")
def can_act_on_pool_project(user, application) -> bool:
    """An investor may mark, ask about or see the teaser of a project only while it is in the pool."""
    return user.has_role("investor") and _in_pool(application)


def _introduction(investor_id: int, application_id: int) -> Introduction | None:
    return db.session.scalar(select(Introduction).where(Introduction.investor_id == investor_id,
                                                        Introduction.application_id == application_id))


def _investor_full(user, application) -> bool:
    """The full application once the leader accepted the introduction (and the NDA, if asked, was accepted)."""
    if not can_act_on_pool_project(user, application):
        return False
    intro = _introduction(user.id, application.id)
    return bool(intro and intro.status == Introduction.ACCEPTED
                and (not intro.nda_required or intro.nda_accepted_at is not None))


extend_view(can_act_on_pool_project, full=False)
extend_view(_investor_full, full=True)


@rule("investor.edit")
def can_edit_investor(user, profile: InvestorProfile) -> bool:
    """The investor; an admin; or the operator (e.g. of a territory's managing company) who created it."""
    return profile.user_id == user.id or user.has_role("admin") or (
        profile.created_by_id == user.id and user.has_role("mnvo"))


@rule("investor.create")
def can_create_investor(user, _obj=None) -> bool:
    return user.has_role("admin", "mnvo")
