"""The public home page and the personal dashboard."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.main import dashboards

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html", **dashboards.home_context())


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html", panels=dashboards.panels_for(current_user))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
