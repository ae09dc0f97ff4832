"""Pages of the review: the expert's desk and review form, the operator's review round (assignment,
invitations, reminders, picks, import and blocking of experts), the ranking and its exports, amendments,
the reviews of an application and the consensus report."""
from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.competitions import applications as application_ops
from app.competitions import services as competitions
from app.core import exports
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from app.core.forms import apply_errors
from app.core.permissions import authorize, can
from app.scoring import charts
from app.scoring.blueprint import bp
from app.scoring.experts import services as expert_ops
from app.scoring.experts.forms import BlockForm, ImportExpertsForm
from app.scoring.forms import ActionForm, format_score, scale_choices
from app.scoring.models import INVITED, SUBMITTED, Review
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import ranking as ranking_ops
from app.scoring.review import reviews as review_ops
from app.scoring.review.forms import (
    DeclarationForm,
    DeclineForm,
    ExpertPickForm,
    amend_form,
    consensus_form,
    review_form,
)
from app.scoring.views import _flash_conflict, _json_error, _messages, criterion_name, scoring_label

# --- the expert's desk -------------------------------------------------------------------------------------

@bp.get("/expert")
@login_required
def expert_desk():
    items = assignment_ops.my_assignments(current_user)
    pending = [a for a in items if a.status == INVITED and a.declared_at is None]
    return render_template("scoring/expert_desk.html", pending=pending,
                           others=[a for a in items if a not in pending],
                           declaration=DeclarationForm(formdata=None), decline=DeclineForm(formdata=None))


def _teaser(assignment, form=None, status=200):
    """Before the declaration: the title and the abstract only, and the declaration."""
    return render_template("scoring/assignment_teaser.html", assignment=assignment,
                           application=assignment.application,
                           declaration=form if form is not None else DeclarationForm(formdata=None),
                           decline=DeclineForm(formdata=None)), status


def _review_page(assignment, form=None, consensus=None, status=200):
    """After the declaration: the full application, the review form (or the submitted review), and after
    submitting, the other experts' scores and the consensus step."""
    application = assignment.application
    criteria = application.competition.criteria
    review = assignment.review
    others, flag = [], None
    if assignment.status == SUBMITTED:
        others = review_ops.reviews_visible_to(current_user, application.id)
        flag = next((item for item in ranking_ops.compute_ranking(application.competition)["items"]
                     if item["id"] == application.id), None)
    return render_template(
        "scoring/assignment_review.html", assignment=assignment, application=application, criteria=criteria,
        view=application_ops.view_of(current_user, application),
        review=review, form=form if form is not None else review_form(criteria, review, formdata=None),
        others=others, flag=flag, locked=assignment.status == SUBMITTED,
        consensus=consensus if consensus is not None else consensus_form(criteria, formdata=None),
    ), status


@bp.route("/expert/assignments/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def assignment(assignment_id):
    item = assignment_ops.assignment_for_expert(current_user, assignment_id)
    if not can(current_user, "assignment.review", item):
        return _teaser(item)
    if request.method == "GET":
        return _review_page(item)
    form = review_form(item.application.competition.criteria)
    if not form.validate_on_submit():
        return _review_page(item, form, status=422)
    try:
        review_ops.save_review(current_user, item.id, {**form.payload(), "submit": form.wants_submit()},
                             form.version_number)
    except ValidationFailed as error:
        form.form_errors = [error.message]
        form.apply_service_errors(error.fields)
        return _review_page(assignment_ops.assignment_for_expert(current_user, assignment_id), form,
                            status=422)
    except Conflict as error:
        if error.code != "version_conflict":
            _flash_conflict(error)
            return redirect(url_for(".assignment", assignment_id=assignment_id))
        form.form_errors = [error.message]
        fresh = assignment_ops.assignment_for_expert(current_user, assignment_id)
        if fresh.review is not None:  # sending again after this warning overwrites the other version
            form.version.data = str(fresh.review.version)
        return _review_page(fresh, form, status=409)
    flash(_("Your review was submitted and is now locked.") if form.wants_submit()
          else _("The draft was saved."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment_id))


@bp.post("/expert/assignments/<int:assignment_id>/autosave")
@login_required
def autosave(assignment_id):
    """The review form's autosave: a draft save with the form's version; JSON {version} or a JSON error."""
    try:
        item = review_ops.review_for(current_user, assignment_id)
        form = review_form(item.application.competition.criteria)
        if not form.validate():
            raise ValidationFailed(fields=form.errors)
        review = review_ops.save_review(current_user, assignment_id, form.payload(), form.version_number)
    except DomainError as error:
        return _json_error(error)
    return jsonify({"version": review.version, "status": review.status})


@bp.post("/expert/assignments/<int:assignment_id>/declare")
@login_required
def declare(assignment_id):
    item = assignment_ops.assignment_for_expert(current_user, assignment_id)
    form = DeclarationForm()
    if not form.validate_on_submit() or not (form.accept.data or form.conflict.data):
        return _teaser(item, form, 422)
    try:
        assignment_ops.declare(current_user, assignment_id, form.wants_conflict(), form.reason.data or "")
    except ValidationFailed as error:
        apply_errors(form, error.fields)
        return _teaser(assignment_ops.assignment_for_expert(current_user, assignment_id), form, 422)
    except Conflict as error:
        _flash_conflict(error)
        return redirect(url_for(".assignment", assignment_id=assignment_id))
    if form.wants_conflict():
        flash(_("Your conflict of interest was recorded and the assignment released. Thank you."), "info")
        return redirect(url_for(".expert_desk"))
    flash(_("Thank you. The application is now open for your review."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment_id))


@bp.post("/expert/assignments/<int:assignment_id>/decline")
@login_required
def decline(assignment_id):
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            assignment_ops.decline(current_user, assignment_id, form.decline_reason.data or "")
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("You declined the invitation."), "info")
    return redirect(url_for(".expert_desk"))


@bp.post("/expert/assignments/<int:assignment_id>/consensus")
@login_required
def expert_consensus(assignment_id):
    item = assignment_ops.assignment_for_expert(current_user, assignment_id)
    form = consensus_form(item.application.competition.criteria)
    if form.validate_on_submit():
        try:
            ranking_ops.write_consensus(current_user, item.application_id, *form.payload())
        except ValidationFailed as error:
            form.apply_service_errors(error.fields)
            return _review_page(assignment_ops.assignment_for_expert(current_user, assignment_id),
                                consensus=form, status=422)
        flash(_("The consensus report was recorded."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment_id, _anchor="consensus"))


# --- the operator: the review round ------------------------------------------------------------------------

JOB_KEY = "scoring-assignment-job-{}"


def _assignment_job(competition_id: int):
    """The operator's latest assignment job for this competition (remembered in the session), if any."""
    from app.jobs.services import get_job_for
    job_id = session.get(JOB_KEY.format(competition_id))
    if not job_id:
        return None, None
    try:
        job = get_job_for(current_user, int(job_id))
    except (NotFound, ValueError, TypeError):
        return None, None
    error = None
    if job.status == "failed":
        first = (job.error or "").splitlines()[0] if job.error else ""
        kind, _sep, message = first.partition(": ")
        known = kind in ("ValidationFailed", "Conflict", "NotFound", "PermissionDenied") and message
        error = message if known else _("The assignment could not be computed. The error was logged.")
    return job, error


def _round_page(competition_id: int, status: int = 200, pick_errors: dict | None = None, import_form=None,
                block_errors: dict | None = None, general_errors: list | None = None):
    competition, applications = application_ops.competition_applications_for(current_user, competition_id)
    rows = assignment_ops.assignments_of(current_user, competition_id)
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.application_id, []).append(row)
    in_review = [a for a in applications if a.status in ranking_ops.IN_REVIEW_STATES or a.id in grouped]
    pool = expert_ops.experts_pool()
    people = {p.user_id: p.name for p in pool}
    people.update({row.expert_id: row.expert.display_name for row in rows})
    job, job_error = _assignment_job(competition_id)
    shown = {a.id for a in in_review}
    general_errors = list(general_errors or []) + [m for key, messages in (pick_errors or {}).items()
                                                   if key not in shown for m in messages]
    return render_template(
        "scoring/round.html", competition=competition, applications=in_review, grouped=grouped,
        proposed=sum(1 for r in rows if r.status == "proposed"),
        conflicts=expert_ops.conflicts_of(current_user, competition_id),
        late=review_ops.late_reviews(current_user, competition_id), pool=pool, people=people,
        activity=expert_ops.activity([p.user_id for p in pool]), job=job, job_error=job_error,
        apps_by_id={a.id: a for a in applications}, pick_errors=pick_errors or {},
        block_errors=block_errors or {}, general_errors=general_errors, action=ActionForm(formdata=None),
        import_form=import_form if import_form is not None else ImportExpertsForm(formdata=None),
        may_block=can(current_user, "expert.block"), now=clock.now(),
    ), status


@bp.get("/competitions/<int:competition_id>/review")
@login_required
def review_round(competition_id):
    return _round_page(competition_id)


def _back(competition_id: int, anchor: str):
    return redirect(url_for(".review_round", competition_id=competition_id, _anchor=anchor))


@bp.post("/competitions/<int:competition_id>/review/assign")
@login_required
def run_assignment(competition_id):
    if not ActionForm().validate_on_submit():
        return _back(competition_id, "run")
    job = assignment_ops.start_assignment_job(current_user, competition_id)
    session[JOB_KEY.format(competition_id)] = job.id
    back = url_for(".review_round", competition_id=competition_id, _anchor="run")
    return redirect(url_for("jobs.detail", job_id=job.id, next=back))


@bp.post("/competitions/<int:competition_id>/review/invite")
@login_required
def invite(competition_id):
    if ActionForm().validate_on_submit():
        n = assignment_ops.send_invitations(current_user, competition_id)
        flash(_("Invitations sent: %(n)d.", n=n), "success" if n else "info")
    return _back(competition_id, "assignments")


@bp.post("/competitions/<int:competition_id>/review/remind")
@login_required
def remind(competition_id):
    if ActionForm().validate_on_submit():
        n = review_ops.send_reminders(current_user, competition_id)
        flash(_("Reminders sent: %(n)d.", n=n), "success" if n else "info")
    return _back(competition_id, "late")


def _pick_failed(competition_id: int, application_id, errors: dict):
    messages = _messages(errors) or [_("Please correct the errors below.")]
    return _round_page(competition_id, 422, pick_errors={application_id: messages})


def _service_pick_errors(fields: dict, fallback) -> dict:
    """add_assignments keys its errors "application:expert"; show them beside that application."""
    by_app: dict = {}
    for key, messages in (fields or {}).items():
        app_id, _sep, _expert = str(key).partition(":")
        by_app.setdefault(int(app_id) if app_id.isdigit() else fallback, []).extend(messages)
    return by_app


@bp.post("/competitions/<int:competition_id>/review/add")
@login_required
def add_expert(competition_id):
    form = ExpertPickForm()
    if not form.validate_on_submit() or not form.application_id.data:
        return _pick_failed(competition_id, form.application_id.data, form.errors)
    try:
        assignment_ops.add_assignments(current_user, competition_id, [
            {"application_id": form.application_id.data, "expert_id": form.expert_id.data}],
            source="reserve" if form.reserve.data else "manual")
    except ValidationFailed as error:
        return _round_page(competition_id, 422,
                           pick_errors=_service_pick_errors(error.fields, form.application_id.data))
    except Conflict as error:
        _flash_conflict(error)
        return _back(competition_id, f"app-{form.application_id.data}")
    flash(_("The expert was added as a proposal. Send the invitations to notify them."), "success")
    return _back(competition_id, f"app-{form.application_id.data}")


@bp.post("/competitions/<int:competition_id>/review/swap")
@login_required
def swap_expert(competition_id):
    """Swap = add the chosen expert (constraints re-checked), then release the old assignment."""
    form = ExpertPickForm()
    old = next((a for a in assignment_ops.assignments_of(current_user, competition_id)
                if a.id == form.assignment_id.data), None)
    if old is None:
        raise NotFound()
    if not form.validate_on_submit():
        return _pick_failed(competition_id, old.application_id, form.errors)
    if old.status == SUBMITTED:
        flash(_("A submitted review cannot be unassigned."), "error")
        return _back(competition_id, f"app-{old.application_id}")
    application_id = old.application_id
    try:
        assignment_ops.add_assignments(current_user, competition_id,
                                 [{"application_id": application_id, "expert_id": form.expert_id.data}])
        assignment_ops.remove_assignment(current_user, form.assignment_id.data)
    except ValidationFailed as error:
        return _round_page(competition_id, 422,
                           pick_errors=_service_pick_errors(error.fields, application_id))
    except Conflict as error:
        _flash_conflict(error)
        return _back(competition_id, f"app-{application_id}")
    flash(_("The expert was swapped. Send the invitations to notify the new expert."), "success")
    return _back(competition_id, f"app-{application_id}")


@bp.post("/competitions/<int:competition_id>/review/assignments/<int:assignment_id>/remove")
@login_required
def remove(competition_id, assignment_id):
    if ActionForm().validate_on_submit():
        try:
            assignment_ops.remove_assignment(current_user, assignment_id)
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("The assignment was released."), "info")
    return _back(competition_id, "assignments")


@bp.post("/competitions/<int:competition_id>/review/import")
@login_required
def import_experts(competition_id):
    form = ImportExpertsForm()
    if form.validate_on_submit():
        try:
            profiles = expert_ops.import_experts(current_user, competition_id, form.rows())
        except ValueError as error:
            form.file.errors = [str(error)]
        except ValidationFailed as error:
            apply_errors(form, error.fields)
        else:
            flash(_("Experts imported and invited: %(n)d.", n=len(profiles)), "success")
            return _back(competition_id, "experts")
    return _round_page(competition_id, 422, import_form=form)


@bp.post("/competitions/<int:competition_id>/review/experts/<int:user_id>/block")
@login_required
def block(competition_id, user_id):
    form = BlockForm()
    if form.validate_on_submit():
        try:
            expert_ops.block_expert(current_user, user_id, form.reason.data or "")
        except ValidationFailed as error:
            return _round_page(competition_id, 422, block_errors={user_id: _messages(error.fields)})
        except PermissionDenied as error:
            _flash_conflict(error)
        else:
            flash(_("The expert was added to the registry of unscrupulous experts and will not be assigned."),
                  "info")
    return _back(competition_id, "experts")


# --- the operator and the council: the ranking -----------------------------------------------------------

def _line_after(items: list[dict]) -> int:
    """The position after which the funding line is drawn: the last application proposed for funding."""
    funded = [i for i, item in enumerate(items) if item["proposed"] == "funded"]
    return funded[-1] if funded else -1


def _ascending_scale(criterion: dict) -> list[str]:
    return [value for value, _label in reversed(scale_choices(criterion)) if value]


def _ranking_charts(competition, items: list[dict]) -> dict:
    reviews = review_ops.round_reviews(current_user, competition.id)
    names = {c["key"]: criterion_name(c) for c in competition.criteria}
    experts = charts.expert_totals(reviews, [c["key"] for c in competition.criteria])
    labels = (_("Raw"), _("Calibrated"))
    distributions = charts.criterion_distributions(competition.criteria, reviews, names, _ascending_scale)
    return {"distributions": distributions,
            "experts": experts, "labels": labels,
            "experts_svg": charts.paired_bars(experts, _("Raw vs calibrated totals per expert"), labels)}


@bp.get("/competitions/<int:competition_id>/ranking")
@login_required
def ranking(competition_id):
    result = ranking_ops.ranking(current_user, competition_id)
    competition = competitions.get_competition_for(current_user, competition_id)
    names = {c["key"]: criterion_name(c) for c in competition.criteria}
    return render_template(
        "scoring/ranking.html", competition=competition, result=result, criteria=competition.criteria,
        names={**names, "total": _("Total")}, line_after=_line_after(result["items"]),
        charts=_ranking_charts(competition, result["items"]),
        budget_svg=charts.budget_bar(result["budget_kzt"], result["used_kzt"],
                                     _("Budget used by the funding line")),
        manage=can(current_user, "competition.manage", competition))


def _ranking_table(competition, result) -> tuple[list, list[list]]:
    criteria = competition.criteria
    header = [_("Rank"), _("IRN"), _("Title"), _("Organisation"), *[criterion_name(c) for c in criteria],
              _("Total"), _("Calibrated total"), _("Reviews"), _("Threshold failures"), _("Disagreement"),
              _("Requested, KZT"), _("Proposed outcome")]
    names = {c["key"]: criterion_name(c) for c in criteria}
    names["total"] = _("Total")
    body = []
    for item in result["items"]:
        body.append([item["rank"], item["irn"] or "", item["title"], item["organisation"],
                     *[item["scores"].get(c["key"], "") for c in criteria], item["total"],
                     item["calibrated_total"], item["reviews"],
                     "; ".join(names.get(k, k) for k in item["threshold_failures"]),
                     "; ".join(f"{names.get(k, k)} ({format_score(v)})"
                               for k, v in item["disagreement"].items()),
                     item["requested"], scoring_label("proposed", item["proposed"])])
    return header, body


def _download(body, mimetype: str, competition, extension: str) -> Response:
    return exports.download(body, mimetype, f"competition-{competition.id}-ranking.{extension}")


@bp.get("/competitions/<int:competition_id>/ranking.csv")
@login_required
def ranking_csv(competition_id):
    result = ranking_ops.ranking(current_user, competition_id)
    competition = competitions.get_competition_for(current_user, competition_id)
    header, body = _ranking_table(competition, result)
    return _download(exports.to_csv(header, body), exports.CSV_MIMETYPE, competition, "csv")


@bp.get("/competitions/<int:competition_id>/ranking.xlsx")
@login_required
def ranking_xlsx(competition_id):
    result = ranking_ops.ranking(current_user, competition_id)
    competition = competitions.get_competition_for(current_user, competition_id)
    header, body = _ranking_table(competition, result)
    return _download(exports.to_xlsx(header, body, _("Ranking")), exports.XLSX_MIMETYPE, competition, "xlsx")


@bp.route("/reviews/<int:review_id>/amend", methods=["GET", "POST"])
@login_required
def amend(review_id):
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound()
    authorize(current_user, "review.amend", review.assignment, hide=True)
    application = review.assignment.application
    form, status = amend_form(application.competition.criteria, review), 200
    if form.validate_on_submit():
        try:
            review_ops.amend_review(current_user, review_id, form.payload(), form.reason.data or "")
        except ValidationFailed as error:
            form.apply_service_errors(error.fields)
        else:
            flash(_("The review was amended; the change and its reason are in the audit log."), "success")
            return redirect(url_for(".application_reviews", application_id=application.id))
    if form.is_submitted():
        status = 422
    return render_template("scoring/amend.html", form=form, review=review, application=application,
                           criteria=application.competition.criteria), status


# --- reviews of an application (applicant, operator, council) and the operator's consensus -----------------

def _reviews_page(application_id: int, consensus=None, status: int = 200):
    application = application_ops.get_application_for(current_user, application_id)
    competition = application.competition
    manage = can(current_user, "competition.manage", competition)
    flag = None
    if manage:
        items = ranking_ops.ranking(current_user, competition.id)["items"]
        flag = next((i for i in items if i["id"] == application.id), None)
    return render_template(
        "scoring/reviews.html", application=application, competition=competition,
        criteria=competition.criteria,
        reviews=review_ops.reviews_visible_to(current_user, application.id), manage=manage, flag=flag,
        consensus=consensus if consensus is not None else consensus_form(competition.criteria, formdata=None),
    ), status


@bp.get("/applications/<int:application_id>/reviews")
@login_required
def application_reviews(application_id):
    return _reviews_page(application_id)


@bp.post("/applications/<int:application_id>/consensus")
@login_required
def consensus(application_id):
    application = application_ops.get_application_for(current_user, application_id)
    form = consensus_form(application.competition.criteria)
    if form.validate_on_submit():
        try:
            ranking_ops.write_consensus(current_user, application.id, *form.payload())
        except ValidationFailed as error:
            form.apply_service_errors(error.fields)
            return _reviews_page(application_id, form, 422)
        flash(_("The consensus report was recorded."), "success")
    return redirect(url_for(".application_reviews", application_id=application_id, _anchor="consensus"))
