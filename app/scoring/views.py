"""Pages of a review round: the expert's desk and review form, the operator's assignment, ranking and
appeals pages, the council session and its protocol, and the applicant's anonymised reviews.

Thin: bind a form, call one service, map its errors onto fields, then flash/redirect/render. Every rule and
every permission is enforced in ``app.scoring.services`` (and ``app.competitions.services``); templates only
ask ``can(...)`` to decide what to show.
"""
from __future__ import annotations

import functools

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.competitions import services as competitions
from app.core import exports
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed, error_payload
from app.core.forms import apply_errors
from app.core.jinja import register_nav
from app.core.permissions import authorize, can
from app.main.dashboards import register_panel
from app.reference import localized, trl_levels
from app.scoring import charts, services
from app.scoring.forms import (
    ASSIGNMENT_STATUS_LABELS,
    BUDGET_LABELS,
    CONFLICT_CODE_LABELS,
    CONFLICT_SOURCE_LABELS,
    PROPOSED_LABELS,
    SOURCE_LABELS,
    VOTE_CHOICES,
    VOTE_LABELS,
    ActionForm,
    AppealAnswerForm,
    AppealForm,
    BlockForm,
    DeclarationForm,
    DeclineForm,
    ExpertPickForm,
    ImportExpertsForm,
    OpenSessionForm,
    ProfileForm,
    VoteForm,
    amend_form,
    consensus_form,
    format_score,
    profile_initial,
    review_form,
    scale_choices,
)
from app.scoring.models import ACCEPTED, INVITED, SUBMITTED, Review

bp = Blueprint("scoring", __name__)

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
    return competitions.document_name(code)


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
    db.session.rollback()
    return jsonify(error_payload(error.code, error.message, error.fields)), error.status


def _flash_conflict(error: DomainError) -> None:
    db.session.rollback()
    flash(error.message, "error")


def _messages(errors: dict) -> list[str]:
    return [m for messages in (errors or {}).values()
            for m in (messages if isinstance(messages, list) else [messages])]


# --- the expert's desk -------------------------------------------------------------------------------------

@bp.get("/expert")
@login_required
def expert_desk():
    items = services.my_assignments(current_user)
    pending = [a for a in items if a.status == INVITED and a.declared_at is None]
    return render_template("scoring/expert_desk.html", pending=pending,
                           others=[a for a in items if a not in pending],
                           declaration=DeclarationForm(formdata=None), decline=DeclineForm(formdata=None))


@bp.route("/expert/profile", methods=["GET", "POST"])
@login_required
def expert_profile():
    authorize(current_user, "desk.expert")
    profile = services.profile_for(current_user)
    form, status = ProfileForm(data=profile_initial(profile)), 200
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.payload())
        except ValidationFailed as error:
            apply_errors(form, error.fields)
        else:
            flash(_("Your expert profile was saved."), "success")
            return redirect(url_for(".expert_profile"))
    if form.is_submitted():
        status = 422
    form.add_blank_texts()
    stats = services.activity([current_user.id]).get(current_user.id)
    return render_template("scoring/expert_profile.html", form=form, profile=profile, stats=stats), status


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
        others = services.reviews_visible_to(current_user, application.id)
        flag = next((item for item in services.compute_ranking(application.competition)["items"]
                     if item["id"] == application.id), None)
    return render_template(
        "scoring/assignment_review.html", assignment=assignment, application=application, criteria=criteria,
        review=review, form=form if form is not None else review_form(criteria, review, formdata=None),
        others=others, flag=flag, locked=assignment.status == SUBMITTED,
        consensus=consensus if consensus is not None else consensus_form(criteria, formdata=None),
    ), status


@bp.route("/expert/assignments/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def assignment(assignment_id):
    item = services.assignment_for_expert(current_user, assignment_id)
    if not can(current_user, "assignment.review", item):
        return _teaser(item)
    if request.method == "GET":
        return _review_page(item)
    form = review_form(item.application.competition.criteria)
    if not form.validate_on_submit():
        return _review_page(item, form, status=422)
    try:
        services.save_review(current_user, item.id, {**form.payload(), "submit": form.wants_submit()},
                             form.version_number)
    except ValidationFailed as error:
        db.session.rollback()
        form.form_errors = [error.message]
        form.apply_service_errors(error.fields)
        return _review_page(services.assignment_for_expert(current_user, assignment_id), form, status=422)
    except Conflict as error:
        if error.code != "version_conflict":
            _flash_conflict(error)
            return redirect(url_for(".assignment", assignment_id=assignment_id))
        db.session.rollback()
        form.form_errors = [error.message]
        fresh = services.assignment_for_expert(current_user, assignment_id)
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
        item = services.review_for(current_user, assignment_id)
        form = review_form(item.application.competition.criteria)
        if not form.validate():
            raise ValidationFailed(fields=form.errors)
        review = services.save_review(current_user, assignment_id, form.payload(), form.version_number)
    except DomainError as error:
        return _json_error(error)
    return jsonify({"version": review.version, "status": review.status})


@bp.post("/expert/assignments/<int:assignment_id>/declare")
@login_required
def declare(assignment_id):
    item = services.assignment_for_expert(current_user, assignment_id)
    form = DeclarationForm()
    if not form.validate_on_submit() or not (form.accept.data or form.conflict.data):
        return _teaser(item, form, 422)
    try:
        services.declare(current_user, assignment_id, form.wants_conflict(), form.reason.data or "")
    except ValidationFailed as error:
        db.session.rollback()
        apply_errors(form, error.fields)
        return _teaser(services.assignment_for_expert(current_user, assignment_id), form, 422)
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
            services.decline(current_user, assignment_id, form.decline_reason.data or "")
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("You declined the invitation."), "info")
    return redirect(url_for(".expert_desk"))


@bp.post("/expert/assignments/<int:assignment_id>/consensus")
@login_required
def expert_consensus(assignment_id):
    item = services.assignment_for_expert(current_user, assignment_id)
    form = consensus_form(item.application.competition.criteria)
    if form.validate_on_submit():
        try:
            services.write_consensus(current_user, item.application_id, *form.payload())
        except ValidationFailed as error:
            db.session.rollback()
            form.apply_service_errors(error.fields)
            return _review_page(services.assignment_for_expert(current_user, assignment_id), consensus=form,
                                status=422)
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
    competition, applications = competitions.competition_applications_for(current_user, competition_id)
    rows = services.assignments_of(current_user, competition_id)
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.application_id, []).append(row)
    in_review = [a for a in applications if a.status in services.IN_REVIEW_STATES or a.id in grouped]
    pool = services.experts_pool()
    people = {p.user_id: p.name for p in pool}
    people.update({row.expert_id: row.expert.display_name for row in rows})
    job, job_error = _assignment_job(competition_id)
    shown = {a.id for a in in_review}
    general_errors = list(general_errors or []) + [m for key, messages in (pick_errors or {}).items()
                                                   if key not in shown for m in messages]
    return render_template(
        "scoring/round.html", competition=competition, applications=in_review, grouped=grouped,
        proposed=sum(1 for r in rows if r.status == "proposed"),
        conflicts=services.conflicts_of(current_user, competition_id),
        late=services.late_reviews(current_user, competition_id), pool=pool, people=people,
        activity=services.activity([p.user_id for p in pool]), job=job, job_error=job_error,
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
    job = services.start_assignment_job(current_user, competition_id)
    session[JOB_KEY.format(competition_id)] = job.id
    back = url_for(".review_round", competition_id=competition_id, _anchor="run")
    return redirect(url_for("jobs.detail", job_id=job.id, next=back))


@bp.post("/competitions/<int:competition_id>/review/invite")
@login_required
def invite(competition_id):
    if ActionForm().validate_on_submit():
        n = services.send_invitations(current_user, competition_id)
        flash(_("Invitations sent: %(n)d.", n=n), "success" if n else "info")
    return _back(competition_id, "assignments")


@bp.post("/competitions/<int:competition_id>/review/remind")
@login_required
def remind(competition_id):
    if ActionForm().validate_on_submit():
        n = services.send_reminders(current_user, competition_id)
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
        services.add_assignments(current_user, competition_id, [
            {"application_id": form.application_id.data, "expert_id": form.expert_id.data}],
            source="reserve" if form.reserve.data else "manual")
    except ValidationFailed as error:
        db.session.rollback()
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
    old = next((a for a in services.assignments_of(current_user, competition_id)
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
        services.add_assignments(current_user, competition_id,
                                 [{"application_id": application_id, "expert_id": form.expert_id.data}])
        services.remove_assignment(current_user, form.assignment_id.data)
    except ValidationFailed as error:
        db.session.rollback()
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
            services.remove_assignment(current_user, assignment_id)
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
            profiles = services.import_experts(current_user, competition_id, form.rows())
        except ValueError as error:
            form.file.errors = [str(error)]
        except ValidationFailed as error:
            db.session.rollback()
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
            services.block_expert(current_user, user_id, form.reason.data or "")
        except ValidationFailed as error:
            db.session.rollback()
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
    reviews = services.round_reviews(current_user, competition.id)
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
    result = services.ranking(current_user, competition_id)
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
    result = services.ranking(current_user, competition_id)
    competition = competitions.get_competition_for(current_user, competition_id)
    header, body = _ranking_table(competition, result)
    return _download(exports.to_csv(header, body), exports.CSV_MIMETYPE, competition, "csv")


@bp.get("/competitions/<int:competition_id>/ranking.xlsx")
@login_required
def ranking_xlsx(competition_id):
    result = services.ranking(current_user, competition_id)
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
            services.amend_review(current_user, review_id, form.payload(), form.reason.data or "")
        except ValidationFailed as error:
            db.session.rollback()
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
    application = competitions.get_application_for(current_user, application_id)
    competition = application.competition
    manage = can(current_user, "competition.manage", competition)
    flag = None
    if manage:
        items = services.ranking(current_user, competition.id)["items"]
        flag = next((i for i in items if i["id"] == application.id), None)
    return render_template(
        "scoring/reviews.html", application=application, competition=competition,
        criteria=competition.criteria,
        reviews=services.reviews_visible_to(current_user, application.id), manage=manage, flag=flag,
        consensus=consensus if consensus is not None else consensus_form(competition.criteria, formdata=None),
    ), status


@bp.get("/applications/<int:application_id>/reviews")
@login_required
def application_reviews(application_id):
    return _reviews_page(application_id)


@bp.post("/applications/<int:application_id>/consensus")
@login_required
def consensus(application_id):
    application = competitions.get_application_for(current_user, application_id)
    form = consensus_form(application.competition.criteria)
    if form.validate_on_submit():
        try:
            services.write_consensus(current_user, application.id, *form.payload())
        except ValidationFailed as error:
            db.session.rollback()
            form.apply_service_errors(error.fields)
            return _reviews_page(application_id, form, 422)
        flash(_("The consensus report was recorded."), "success")
    return redirect(url_for(".application_reviews", application_id=application_id, _anchor="consensus"))


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
    meeting = services.session_of(current_user, competition_id)
    competition = competitions.get_competition_for(current_user, competition_id)
    members = services.council_members()
    if meeting is None:
        form = OpenSessionForm(formdata=None, members=members, data={"attendees": [u.id for u in members]})
        return render_template("scoring/council_open.html", competition=competition, form=form,
                               members=members)
    votes = services.votes_of(meeting)
    names = {u.id: u.display_name for u in members}
    result = services.ranking(current_user, competition_id)
    return render_template(
        "scoring/council.html", competition=competition, meeting=meeting, result=result,
        line_after=_line_after(result["items"]), votes=votes, counts=_counts(votes), names=names,
        criteria=competition.criteria, action=ActionForm(formdata=None),
        may_vote=can(current_user, "council.vote", meeting),
        may_close=can(current_user, "council.close", meeting))


@bp.post("/competitions/<int:competition_id>/council/open")
@login_required
def open_council(competition_id):
    form = OpenSessionForm(members=services.council_members())
    if form.validate_on_submit():
        try:
            services.open_session(current_user, competition_id, None, list(form.attendees.data or []) or None)
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
        services.vote(current_user, session_id, form.application_id.data, form.choice.data)
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
    meeting = services.session_of(current_user, competition_id)
    if meeting is None:
        raise NotFound()
    return jsonify({"closed": meeting.closed_at is not None,
                    "counts": {str(k): v for k, v in _counts(services.votes_of(meeting)).items()}})


@bp.post("/competitions/<int:competition_id>/council/<int:session_id>/close")
@login_required
def close_council(competition_id, session_id):
    if ActionForm().validate_on_submit():
        try:
            decisions = services.close_session(current_user, session_id)
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("The session is closed; decisions recorded: %(n)d.", n=len(decisions)), "success")
            return redirect(url_for(".protocol", competition_id=competition_id))
    return redirect(url_for(".council", competition_id=competition_id))


@bp.get("/competitions/<int:competition_id>/protocol")
@login_required
def protocol(competition_id):
    data = services.protocol(current_user, competition_id)
    return render_template("scoring/protocol.html", **data, criteria=data["competition"].criteria,
                           counts=_counts(data["votes"]), now=clock.now())


# --- appeals ------------------------------------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(application_id):
    application = competitions.get_application_for(current_user, application_id)
    form, status = AppealForm(), 200
    if form.validate_on_submit():
        try:
            services.file_appeal(current_user, application.id, form.text.data or "")
        except ValidationFailed as error:
            db.session.rollback()
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
    items = services.appeals_of(current_user, competition_id)
    competition, applications = competitions.competition_applications_for(current_user, competition_id)
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
            services.answer_appeal(current_user, appeal_id, form.answer.data or "")
        except ValidationFailed as error:
            db.session.rollback()
            apply_errors(form, error.fields)
            return _appeals_page(competition_id, {appeal_id: form}, 422)
        except Conflict as error:
            _flash_conflict(error)
        else:
            flash(_("The answer was sent to the applicant."), "success")
    return redirect(url_for(".appeals", competition_id=competition_id, _anchor=f"appeal-{appeal_id}"))


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
    items = services.my_assignments(user)
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
            assignments = services.assignments_of(user, competition.id)
            rows.append({"competition": competition,
                         "missing": sum(1 for a in assignments if a.status in (INVITED, ACCEPTED)),
                         "submitted": sum(1 for a in assignments if a.status == SUBMITTED),
                         "proposed": sum(1 for a in assignments if a.status == "proposed"),
                         "late": len(services.late_reviews(user, competition.id))})
    return {"template": "scoring/_panel_operator.html", "rows": rows} if rows else None
