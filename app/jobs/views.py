"""Job progress: a page that updates itself, and a JSON status endpoint it polls."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user, login_required

from app.accounts.views import safe_next

from app.jobs.services import get_job_for

bp = Blueprint("jobs", __name__)


@bp.get("/<int:job_id>")
@login_required
def detail(job_id):
    job = get_job_for(current_user, job_id)
    return render_template("jobs/detail.html", job=job, done_url=safe_next(request.args.get("next")))


@bp.get("/<int:job_id>/status")
@login_required
def status(job_id):
    return jsonify(get_job_for(current_user, job_id).as_dict())
