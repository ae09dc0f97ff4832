"""In-app notifications (the same texts as the e-mails, which the embedded default files in an outbox)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.core.jinja import register_nav
from app.notifications import services

bp = Blueprint("notifications", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("notifications/index.html", items=services.for_user(current_user))


@bp.post("/read")
@login_required
def mark_read():
    services.mark_all_read(current_user)
    return redirect(url_for(".index"))


@register_nav
def _nav():
    if not current_user.is_authenticated:
        return []
    count = services.unread_count(current_user)
    label = f"{_l('Notifications')} ({count})" if count else str(_l("Notifications"))
    return [{"url": url_for("notifications.index"), "label": label}]
