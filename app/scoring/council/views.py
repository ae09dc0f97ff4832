"""Pages of the council session, its protocol, and appeals."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.competitions import applications as application_ops
from app.competitions import services as competitions
from app.core import time as clock
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.forms import apply_errors
from app.core.permissions import can
from app.scoring.blueprint import bp
from app.scoring.council import appeals as appeal_ops
from app.scoring.council import sessions as council_ops
from app.scoring.council.forms import AppealAnswerForm, AppealForm, OpenSessionForm, VoteForm
from app.scoring.forms import VOTE_CHOICES, ActionForm
from app.scoring.review import ranking as ranking_ops
from app.scoring.review.views import _line_after
from app.scoring.views import _flash_conflict, scoring_label

# --- the council --------------------------------------------------------------------------------------------

def _counts(votes: dict) -> dict:
    counts = {}
    for application_id, cast in votes.items():
        counts[application_id] = {choice: sum(1 for c in cast.values() if c == choice)
                                  for choice in VOTE_CHOICES}
    return counts


@bp.get("/competitions/<int:competition_id>/council")
@login_required
def council(competition_id):
    meeting = council_ops.session_of(current_user, competition_id)
    competition = competitions.get_competition_for(current_user, competition_id)
    members = council_ops.council_members()
    if meeting is None:
        form = OpenSessionForm(formdata=None, members=members, data={"attendees": [u.id for u in members]})
        return render_template("scoring/council_open.html", competition=competition, form=form,
                               members=members)
    votes = council_ops.votes_of(meeting)
    names = {u.id: u.display_name for u in members}
    result = ranking_ops.ranking(current_user, competition_id)
    return render_template(
        "scoring/council.html", competition=competition, meeting=meeting, result=result,
        line_after=_line_after(result["items"]), votes=votes, counts=_counts(votes), names=names,
        criteria=competition.criteria, action=ActionForm(formdata=None),
        may_vote=can(current_user, "council.vote", meeting),
        may_close=can(current_user, "council.close", meeting))


@bp.post("/competitions/<int:competition_id>/council/open")
@login_required
def open_council(competition_id):
    form = OpenSessionForm(members=council_ops.council_members())
    if form.validate_on_submit():
        try:
            council_ops.open_session(current_user, competition_id, None,
                                     list(form.attendees.data or []) or None)
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("The council session is open."), "success")
    return redirect(url_for(".council", competition_id=competition_id))


@bp.post("/competitions/<int:competition_id>/council/<int:session_id>/vote")
@login_required
def vote(competition_id, session_id):
    form = VoteForm()
    if not form.validate_on_submit():
        flash(_("Choose for, against, abstain or declare a conflict."), "error")
        return redirect(url_for(".council", competition_id=competition_id))
    try:
        council_ops.vote(current_user, session_id, form.application_id.data, form.choice.data)
    except Conflict as error:
        _flash_conflict(error)
    else:
        flash(_("Your vote was recorded: %(choice)s.", choice=scoring_label("vote", form.choice.data)),
              "success")
    return redirect(url_for(".council", competition_id=competition_id,
                            _anchor=f"app-{form.application_id.data}"))


@bp.get("/competitions/<int:competition_id>/council/counts")
@login_required
def council_counts(competition_id):
    """Live vote counts for the council page (polled by app.js)."""
    meeting = council_ops.session_of(current_user, competition_id)
    if meeting is None:
        raise NotFound()
    return jsonify({"closed": meeting.closed_at is not None,
                    "counts": {str(k): v for k, v in _counts(council_ops.votes_of(meeting)).items()}})


@bp.post("/competitions/<int:competition_id>/council/<int:session_id>/close")
@login_required
def close_council(competition_id, session_id):
    if ActionForm().validate_on_submit():
        try:
            decisions = council_ops.close_session(current_user, session_id)
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("The session is closed; decisions recorded: %(n)d.", n=len(decisions)), "success")
            return redirect(url_for(".protocol", competition_id=competition_id))
    return redirect(url_for(".council", competition_id=competition_id))


@bp.get("/competitions/<int:competition_id>/protocol")
@login_required
def protocol(competition_id):
    data = council_ops.protocol(current_user, competition_id)
    return render_template("scoring/protocol.html", **data, criteria=data["competition"].criteria,
                           counts=_counts(data["votes"]), now=clock.now())


# --- appeals ------------------------------------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(application_id):
    application = application_ops.get_application_for(current_user, application_id)
    form, status = AppealForm(), 200
    if form.validate_on_submit():
        try:
            appeal_ops.file_appeal(current_user, application.id, form.text.data or "")
        except ValidationFailed as error:
            apply_errors(form, error.fields)
        except Conflict as error:
            _flash_conflict(error)
            return redirect(f"/applications/{application_id}")
        else:
            flash(_("Your appeal was filed. The organiser will answer it."), "success")
            return redirect(f"/applications/{application_id}")
    if form.is_submitted():
        status = 422
    return render_template("scoring/appeal.html", application=application, form=form), status


def _appeals_page(competition_id: int, forms: dict | None = None, status: int = 200):
    items = appeal_ops.appeals_of(current_user, competition_id)
    competition, applications = application_ops.competition_applications_for(current_user, competition_id)
    return render_template("scoring/appeals.html", competition=competition, appeals=items,
                           apps={a.id: a for a in applications}, forms=forms or {}), status


@bp.get("/competitions/<int:competition_id>/appeals")
@login_required
def appeals(competition_id):
    return _appeals_page(competition_id)


@bp.post("/competitions/<int:competition_id>/appeals/<int:appeal_id>/answer")
@login_required
def answer_appeal(competition_id, appeal_id):
    form = AppealAnswerForm()
    if form.validate_on_submit():
        try:
            appeal_ops.answer_appeal(current_user, appeal_id, form.answer.data or "")
        except ValidationFailed as error:
            apply_errors(form, error.fields)
            return _appeals_page(competition_id, {appeal_id: form}, 422)
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("The answer was sent to the applicant."), "success")
    return redirect(url_for(".appeals", competition_id=competition_id, _anchor=f"appeal-{appeal_id}"))
