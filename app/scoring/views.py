"""What the scoring pages share: template helpers (labels, tones, score formatting), the JSON and flash
helpers of the views, and the dashboard panels and menu item. The pages themselves are in the sub-domains'
view modules (``experts.views``, ``review.views``, ``council.views``), on the one ``scoring`` blueprint.

Thin: bind a form, call one service, map its errors onto fields, then flash/redirect/render. Every rule and
every permission is enforced in the operations (``app.scoring.<sub-domain>``, ``app.competitions.services``);
templates only ask ``can(...)`` to decide what to show."""
from __future__ import annotations

import functools

from flask import flash, jsonify, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.competitions import applications as application_ops
from app.competitions import services as competitions
from app.core import time as clock
from app.core.errors import DomainError, error_payload
from app.core.jinja import register_nav
from app.core.permissions import can
from app.main.dashboards import register_panel
from app.reference import localized, trl_levels
from app.scoring.blueprint import bp
from app.scoring.forms import (
    ASSIGNMENT_STATUS_LABELS,
    BUDGET_LABELS,
    CONFLICT_CODE_LABELS,
    CONFLICT_SOURCE_LABELS,
    PROPOSED_LABELS,
    SOURCE_LABELS,
    VOTE_LABELS,
)
from app.scoring.models import ACCEPTED, INVITED, SUBMITTED
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import reviews as review_ops

_LABELS = {"assignment": ASSIGNMENT_STATUS_LABELS, "source": SOURCE_LABELS,
           "conflict_source": CONFLICT_SOURCE_LABELS, "conflict_code": CONFLICT_CODE_LABELS,
           "budget": BUDGET_LABELS, "proposed": PROPOSED_LABELS, "vote": VOTE_LABELS}
_TONES = {"submitted": "tag-ok", "accepted": "tag-ok", "funded": "tag-ok", "for": "tag-ok",
          "invited": "tag-warn", "proposed": "tag-warn", "reserve": "tag-warn", "skipped": "tag-warn",
          "abstain": "tag-warn",
          "declined": "tag-bad", "released": "tag-bad", "below_threshold": "tag-bad", "against": "tag-bad",
          "conflict": "tag-bad"}


# --- template helpers --------------------------------------------------------------------------------------

@bp.app_template_global()
def scoring_label(kind: str, code) -> str:
    """The translated label of a scoring code (assignment status, vote choice, proposed outcome...)."""
    return str(_LABELS.get(kind, {}).get(code, code if code is not None else "—"))


@bp.app_template_global()
def scoring_tone(code) -> str:
    return _TONES.get(code, "")


@bp.app_template_global()
def criterion_name(criterion: dict) -> str:
    return localized(criterion.get("name")) or criterion.get("key", "")


@bp.app_template_global()
def trl_name(level) -> str:
    item = trl_levels().get(level or 0)
    return localized(item["title"]) if item else ""


@bp.app_template_global()
def scoring_document_label(code: str) -> str:
    return application_ops.document_name(code)


@bp.app_template_global()
def scoring_now():
    return clock.now()


@bp.app_template_filter("score")
def score_filter(value, digits: int = 2) -> str:
    if value is None or value == "":
        return "—"
    try:
        return _format_score(float(value), digits, str(get_locale() or "ru"))
    except (TypeError, ValueError):
        return str(value)


@functools.lru_cache(maxsize=4096)
def _format_score(value: float, digits: int, locale: str) -> str:
    """Scores repeat a lot (0–5 in half points): format each value once per locale."""
    return format_decimal(value, format="0." + "#" * digits, locale=locale)


def _json_error(error: DomainError):
    return jsonify(error_payload(error.code, error.message, error.fields)), error.status


def _flash_conflict(error: DomainError) -> None:
    flash(error.message, "error")


def _messages(errors: dict) -> list[str]:
    return [m for messages in (errors or {}).values()
            for m in (messages if isinstance(messages, list) else [messages])]


# --- dashboard panels and the menu --------------------------------------------------------------------------

@register_nav
def nav() -> list[dict]:
    if can(current_user, "desk.expert"):
        return [{"url": url_for("scoring.expert_desk"), "label": _("Expert desk")}]
    return []


@register_panel(12)
def expert_panel(user):
    if not can(user, "desk.expert"):
        return None
    items = assignment_ops.my_assignments(user)
    return {"template": "scoring/_panel_expert.html",
            "pending": [a for a in items if a.status == INVITED and a.declared_at is None],
            "due": sorted((a for a in items if a.status == ACCEPTED),
                          key=lambda a: (a.due_at is None, a.due_at or clock.now()))}


@register_panel(14)
def council_panel(user):
    if not can(user, "desk.council"):
        return None
    items, _total = competitions.list_competitions(user, "council", 1, 50)
    return {"template": "scoring/_panel_council.html", "competitions": items}


@register_panel(22)
def operator_panel(user):
    if not can(user, "desk.reviews"):
        return None
    rows = []
    for status in ("review", "council"):
        items, _total = competitions.list_competitions(user, status, 1, 50)
        for competition in items:
            if not can(user, "competition.manage", competition):
                continue
            assignments = assignment_ops.assignments_of(user, competition.id)
            rows.append({"competition": competition,
                         "missing": sum(1 for a in assignments if a.status in (INVITED, ACCEPTED)),
                         "submitted": sum(1 for a in assignments if a.status == SUBMITTED),
                         "proposed": sum(1 for a in assignments if a.status == "proposed"),
                         "late": len(review_ops.late_reviews(user, competition.id))})
    return {"template": "scoring/_panel_operator.html", "rows": rows} if rows else None
