"""What competitions add to the home page, the dashboards and the main menu. Imported once by the factory;
the providers run per request and read only."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.competitions import applications as application_ops
from app.competitions import services
from app.competitions.models import A_DRAFT, OPEN, Application
from app.core.db import db
from app.core.jinja import register_nav
from app.core.permissions import can
from app.main.dashboards import register_home, register_panel


@register_home
def open_competitions() -> dict:
    items, _total = services.list_competitions(current_user, OPEN, 1, 6)
    return {"open_competitions": items}


@register_nav
def nav() -> list[dict]:
    items = [{"url": url_for("competitions.index"), "label": _("Competitions")}]
    if can(current_user, "desk.applicant"):
        items.append({"url": url_for("competitions.my_applications"), "label": _("My applications")})
    return items


@register_panel(10)
def researcher_panel(user):
    if not can(user, "desk.applicant"):
        return None
    return {
        "template": "competitions/_panel_researcher.html",
        "applications": application_ops.my_applications(user)[:10],
        "invitations": application_ops.pending_invitations(user),
    }


@register_panel(20)
def organiser_panel(user):
    if not can(user, "desk.operator"):
        return None
    items, _total = services.list_competitions(user, None, 1, 100)
    managed = [c for c in items if can(user, "competition.manage", c)][:20]
    counts: dict[int, dict[str, int]] = {}
    if managed:
        for competition_id, status, n in db.session.execute(
            select(Application.competition_id, Application.status, func.count(Application.id))
            .where(Application.competition_id.in_([c.id for c in managed]), Application.status != A_DRAFT)
            .group_by(Application.competition_id, Application.status)
        ):
            counts.setdefault(competition_id, {})[status] = n
    return {"template": "competitions/_panel_organiser.html", "competitions": managed, "counts": counts}


@register_panel(15)
def org_head_panel(user):
    if not can(user, "desk.org_head"):
        return None
    drafts = db.session.scalars(
        select(Application)
        .where(
            Application.organisation_id == user.organisation_id,
            Application.status == A_DRAFT,
            Application.org_signed_at.is_(None),
        )
        .order_by(Application.updated_at.desc())
        .limit(50)
    ).all()
    waiting = [a for a in drafts if can(user, "application.sign", a)]  # the one predicate, state included
    return {"template": "competitions/_panel_org_head.html", "applications": waiting}
