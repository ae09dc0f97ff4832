"""Pages of the matching module: the investor's feed and project view, introductions and commitments, the
investor profile, recommendations for project leaders, the Concept's indicators, dashboard panels and menu
items. Thin: bind a form, call one service, map ``ValidationFailed`` onto fields, flash/redirect/render.
Visibility and every rule are enforced by ``app.matching.services`` and the competitions permissions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.competitions import applications as application_ops
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, PermissionDenied, ValidationFailed
from app.core.jinja import register_nav
from app.core.permissions import can
from app.main.dashboards import register_panel
from app.matching import charts, services
from app.matching.forms import (
    ActionForm,
    AnswerForm,
    CommitmentForm,
    DismissForm,
    FeedFilterForm,
    IntroductionForm,
    NewInvestorForm,
    ProfileForm,
    bind_errors,
)
from app.matching.models import Introduction, InvestorProfile
from app.reference import data, instruments, localized, territories_by_code, trl_levels

bp = Blueprint("matching", __name__)

FEED_SIZE = 30
SCAN_SIZE = 100  # how deep the project page looks for its own score and reasons (see the report)

INTRODUCTION_STATUS = {Introduction.REQUESTED: _l("Introduction requested"),
                       Introduction.ACCEPTED: _l("Introduction accepted"),
                       Introduction.DECLINED: _l("Introduction declined")}


def _lang() -> str:
    return str(get_locale() or "ru")


# --- template helpers ------------------------------------------------------------------------------------

@bp.app_template_global()
def investor_type_label(code: str | None) -> str:
    item = next((t for t in data.INVESTOR_TYPES if t["code"] == code), None)
    return localized(item["name"]) if item else (code or "")


@bp.app_template_global()
def investor_stage_label(code: str | None) -> str:
    item = next((s for s in data.STAGES if s["code"] == code), None)
    return localized(item["name"]) if item else (code or "")


@bp.app_template_global()
def introduction_status_label(code: str) -> str:
    return str(INTRODUCTION_STATUS.get(code, code))


@bp.app_template_global()
def introduction_tone(code: str) -> str:
    return {"accepted": "tag-ok", "declined": "tag-bad", "requested": "tag-warn"}.get(code, "")


@bp.app_template_global()
def territory_name(code: str | None, short: bool = False) -> str:
    item = territories_by_code().get(code or "")
    return localized(item["short" if short else "name"]) if item else ""


@bp.app_template_global()
def instrument_name(code: str | None) -> str:
    item = instruments().get(code or "")
    return localized(item["short"]) if item else (code or "")


@bp.app_template_global()
def trl_name(level: int | None) -> str:
    item = trl_levels().get(level or 0)
    return localized(item["title"]) if item else ""


@bp.app_template_global()
def match_score_bar(score: float):
    shown = format_percent(float(score or 0), "#,##0 %")
    return charts.score_bar(score, _("Match score: %(score)s", score=shown))


@bp.app_template_global()
def match_percent(score: float) -> str:
    return format_percent(float(score or 0), "#,##0 %")


def _number(value: float) -> str:
    return format_decimal(value, "#,##0.##")


# --- the investor's feed ---------------------------------------------------------------------------------

def _filter_form() -> FeedFilterForm:
    form = FeedFilterForm(formdata=request.args)
    form.validate()
    return form


def _item_forms(application_id: int, bound: dict | None = None) -> dict:
    forms = {"interest": ActionForm(formdata=None, prefix=f"i{application_id}"),
             "dismiss": DismissForm(formdata=None, prefix=f"d{application_id}"),
             "intro": IntroductionForm(formdata=None, prefix=f"r{application_id}")}
    if bound and bound.get("application_id") == application_id:
        forms[bound["kind"]] = bound["form"]
    return forms


def _feed_page(bound: dict | None = None, status: int = 200):
    form = _filter_form()
    profile = services.my_profile(current_user)  # investors only (403 for anyone else)
    items = services.investor_matches(current_user, top=FEED_SIZE, filters=form.filters(), lang=_lang())
    if bound and not any(m["application"].id == bound["application_id"] for m in items):
        return _project_page(bound["application_id"], bound, status)
    intros = {i.application_id: i for i in services.introductions_for_investor(current_user)}
    item_forms = {m["application"].id: _item_forms(m["application"].id, bound) for m in items}
    return render_template("matching/feed.html", items=items, form=form, args=form.query_args(),
                           intros=intros, profile=profile, item_forms=item_forms, bound=bound), status


@bp.get("/feed")
@login_required
def feed():
    return _feed_page()


def _back(application_id: int):
    """Where an action on a project returns: its page, or the feed with the filters it was sent from."""
    if request.args.get("from") == "project":
        return redirect(url_for(".project", application_id=application_id))
    return redirect(url_for(".feed", **_filter_form().query_args(), _anchor=f"p{application_id}"))


def _redisplay(application_id: int, kind: str, form, status: int = 422):
    bound = {"application_id": application_id, "kind": kind, "form": form}
    if request.args.get("from") == "project":
        return _project_page(application_id, bound, status)
    return _feed_page(bound, status)


@bp.post("/projects/<int:application_id>/interested")
@login_required
def interested(application_id):
    form = ActionForm(prefix=f"i{application_id}")
    if form.validate_on_submit():
        services.give_feedback(current_user, application_id, "interested")
        flash(_("Marked as interesting: similar projects will rank higher."), "success")
    return _back(application_id)


@bp.post("/projects/<int:application_id>/dismiss")
@login_required
def dismiss(application_id):
    form = DismissForm(prefix=f"d{application_id}")
    if not form.validate_on_submit():
        return _redisplay(application_id, "dismiss", form)
    try:
        services.give_feedback(current_user, application_id, "not_relevant", form.reason.data or "")
    except ValidationFailed as error:
        bind_errors(form, error.fields)
        return _redisplay(application_id, "dismiss", form)
    flash(_("Hidden from your feed. It comes back if the project changes."), "success")
    return redirect(url_for(".feed", **_filter_form().query_args()))


@bp.post("/projects/<int:application_id>/introduction")
@login_required
def request_introduction(application_id):
    form = IntroductionForm(prefix=f"r{application_id}")
    if not form.validate_on_submit():
        return _redisplay(application_id, "intro", form)
    try:
        services.request_introduction(current_user, application_id, form.message.data or "")
    except Conflict as error:
        flash(error.message, "error")
        return _back(application_id)
    flash(_("Your request was sent to the project leader. You will be notified of the answer."), "success")
    return redirect(url_for(".project", application_id=application_id))


# --- one project, as the investor sees it ----------------------------------------------------------------

def _project_page(application_id: int, bound: dict | None = None, status: int = 200):
    view = application_ops.application_view(current_user, application_id)  # 404 unless visible
    application = view.application
    if not can(current_user, "desk.investor"):
        return redirect(f"/applications/{application.id}")  # the competitions page (their blueprint)
    intro = next((i for i in services.introductions_for_investor(current_user)
                  if i.application_id == application.id), None)
    match = next((m for m in services.investor_matches(current_user, top=SCAN_SIZE, lang=_lang())
                  if m["application"].id == application.id), None)
    commitment_form = CommitmentForm(formdata=None, prefix="c", data={"year": clock.now_local().year})
    if bound and bound["kind"] == "commitment":
        commitment_form = bound["form"]
    return render_template("matching/project.html", a=application, intro=intro, match=match,
                           full=view.full,
                           forms=_item_forms(application.id, bound),
                           nda_form=ActionForm(formdata=None, prefix=f"n{intro.id}") if intro else None,
                           commitment_form=commitment_form, bound=bound), status


@bp.get("/projects/<int:application_id>")
@login_required
def project(application_id):
    return _project_page(application_id)


@bp.post("/introductions/<int:introduction_id>/nda")
@login_required
def accept_nda(introduction_id):
    form = ActionForm(prefix=f"n{introduction_id}")
    if form.validate_on_submit():
        try:
            intro = services.accept_nda(current_user, introduction_id)
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for(".requests"))
        flash(_("Thank you. The full application is open to you now."), "success")
        return redirect(url_for(".project", application_id=intro.application_id))
    return redirect(url_for(".requests"))


@bp.post("/projects/<int:application_id>/introductions/<int:introduction_id>/commitment")
@login_required
def record_commitment(application_id, introduction_id):
    form = CommitmentForm(prefix="c")
    bound = {"application_id": application_id, "kind": "commitment", "form": form}
    if not form.validate_on_submit():
        return _project_page(application_id, bound, 422)
    try:
        services.record_commitment(current_user, introduction_id, **form.payload())
    except ValidationFailed as error:
        bind_errors(form, error.fields, {"amount": "amount_kzt"})
        return _project_page(application_id, bound, 422)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("The commitment was recorded. It counts towards the Concept's private investment indicator."),
              "success")
    return redirect(url_for(".project", application_id=application_id))


# --- introductions: the leader answers, the investor follows ---------------------------------------------

@bp.get("/requests")
@login_required
def requests():
    incoming = services.introductions_for_leader(current_user)
    sent = services.introductions_for_investor(current_user) if can(current_user, "desk.investor") else []
    forms = {i.id: AnswerForm(formdata=None, prefix=f"a{i.id}", data={"require_nda": i.nda_required})
             for i in incoming if i.status == Introduction.REQUESTED}
    return render_template("matching/requests.html", incoming=incoming, sent=sent, forms=forms,
                           nda_forms={i.id: ActionForm(formdata=None, prefix=f"n{i.id}") for i in sent})


@bp.post("/introductions/<int:introduction_id>/answer")
@login_required
def answer(introduction_id):
    form = AnswerForm(prefix=f"a{introduction_id}")
    if form.validate_on_submit() and (form.accept.data or form.decline.data):
        try:
            intro = services.answer_introduction(current_user, introduction_id, bool(form.accept.data),
                                                 form.answer.data or "", bool(form.require_nda.data))
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(_("Introduction accepted. The investor can now see the full application.")
                  if intro.status == Introduction.ACCEPTED else _("Introduction declined."), "success")
    return redirect(url_for(".requests"))


@bp.get("/recommendations/<int:application_id>")
@login_required
def recommendations(application_id):
    application = application_ops.get_application_for(current_user, application_id)
    matches = services.project_matches(current_user, application.id, top=10, lang=_lang())
    return render_template("matching/recommendations.html", a=application, matches=matches,
                           in_pool=services.in_pool(application), trl_min=services.trl_minimum())


# --- investor profiles -----------------------------------------------------------------------------------

def _profile_page(profile, form, template="matching/profile.html", status=200, **extra):
    return render_template(template, profile=profile, form=form, **extra), status


def _save_profile(profile, form, template: str, done_url: str, **extra):
    if not form.validate_on_submit():
        return _profile_page(profile, form, template, 422 if request.method == "POST" else 200, **extra)
    try:
        services.update_profile(current_user, profile.id, form.payload())
    except ValidationFailed as error:
        bind_errors(form, error.fields, ProfileForm.RENAMES)
        return _profile_page(profile, form, template, 422, **extra)
    flash(_("The profile was saved. Your matches are being recalculated."), "success")
    return redirect(done_url)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    item = services.my_profile(current_user)
    form = ProfileForm(data=ProfileForm.initial(item)) if request.method == "GET" else ProfileForm()
    return _save_profile(item, form, "matching/profile.html", url_for(".profile"))


def _investor_admin():
    if not can(current_user, "investor.create"):
        raise PermissionDenied()


@bp.get("/investors")
@login_required
def investors():
    _investor_admin()
    return render_template("matching/investors.html", investors=services.list_investors(current_user))


@bp.post("/embed")
@login_required
def reembed():
    job = services.start_reembedding(current_user)
    return redirect(url_for("jobs.detail", job_id=job.id, next=url_for(".investors")))


@bp.route("/investors/new", methods=["GET", "POST"])
@login_required
def new_investor():
    _investor_admin()
    form = NewInvestorForm()
    if form.validate_on_submit():
        try:
            created = services.create_investor(current_user, form.payload())
        except ValidationFailed as error:
            bind_errors(form, error.fields, ProfileForm.RENAMES)
            return render_template("matching/investor_new.html", form=form), 422
        flash(_("The investor %(name)s was created.", name=created.name), "success")
        return redirect(url_for(".investors"))
    return render_template("matching/investor_new.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/investors/<int:profile_id>/edit", methods=["GET", "POST"])
@login_required
def edit_investor(profile_id):
    item = db.get_or_404(InvestorProfile, profile_id)
    if not can(current_user, "investor.edit", item):
        abort(404)
    form = ProfileForm(data=ProfileForm.initial(item)) if request.method == "GET" else ProfileForm()
    return _save_profile(item, form, "matching/profile.html", url_for(".investors"), admin=True)


# --- the Concept's indicators ----------------------------------------------------------------------------

def _indicator_rows(years, actual: dict, target: dict | None) -> list[dict]:
    """One row per year with a figure or a target; years still ahead show no figure rather than a zero."""
    goals = (target or {}).get("targets", {})
    this_year = clock.now_local().year
    rows = []
    for year in years:
        value, goal = actual.get(year), goals.get(year)
        if value is None and goal is None:
            continue
        if value is None and year <= this_year:
            value = 0
        rows.append({"year": year, "value": value, "target": goal,
                     "share": value / goal if goal and value is not None else None})
    return rows


@bp.get("/indicators")
@login_required
def indicators():
    figures = services.indicators()
    investment, patents = figures["targets"].get("private_investment"), figures["targets"].get("patents")
    seen = list(figures["investment_by_year"]) + list(figures["patents_by_year"])
    years = list(range(min([2025, *seen]), max([2035, *seen]) + 1))

    def chart(target, actual, kind, actual_label, fmt):
        if target is None:
            return ""
        return charts.target_chart(years, actual, target["targets"], title=localized(target["name"]),
                                   actual_label=actual_label, target_label=_("Concept target"), kind=kind,
                                   baseline=(target["baseline_year"], target["baseline"]), fmt=fmt)

    return render_template(
        "matching/indicators.html", figures=figures, investment=investment, patents=patents,
        investment_chart=chart(investment, figures["investment_by_year"], "line",
                               _("Committed through the platform, bn ₸"), _number),
        patents_chart=chart(patents, figures["patents_by_year"], "bars",
                            _("Patents declared in applications"), _number),
        investment_rows=_indicator_rows(years, figures["investment_by_year"], investment),
        patent_rows=_indicator_rows(years, figures["patents_by_year"], patents),
        territories=sorted(figures["investment_by_territory"].items(), key=lambda kv: -kv[1]),
        total=sum(figures["investment_by_year"].values()), number=_number)


# --- dashboard panels and the main menu ------------------------------------------------------------------

def pipeline_funnel(pipeline: dict):
    stages = [(_("Matched"), pipeline["matched"]), (_("Interested"), pipeline["interested"]),
              (_("Introduced"), pipeline["introduced"]), (_("Committed"), pipeline["committed"])]
    return charts.funnel(stages, title=_("My pipeline"), fmt=_number)


@register_panel(5)
def investor_panel(user):
    if not can(user, "desk.investor"):
        return None
    pipeline = services.pipeline(user)
    return {"template": "matching/_panel_investor.html", "pipeline": pipeline,
            "funnel": pipeline_funnel(pipeline), "top": services.investor_matches(user, top=3, lang=_lang())}


@register_panel(12)
def leader_panel(user):
    if not can(user, "desk.leader"):
        return None
    incoming = services.introductions_for_leader(user)
    visible = [a for a in application_ops.my_applications(user)
               if a.leader_id == user.id and services.in_pool(a)]
    if not incoming and not visible:
        return None
    return {"template": "matching/_panel_leader.html", "applications": visible,
            "pending": [i for i in incoming if i.status == Introduction.REQUESTED], "incoming": incoming}


@register_nav
def nav() -> list[dict]:
    if not getattr(current_user, "is_authenticated", False):
        return []
    items = []
    if can(current_user, "desk.investor"):
        items.append({"url": url_for("matching.feed"), "label": _("Investor feed")})
    if can(current_user, "desk.indicators"):
        items.append({"url": url_for("matching.indicators"), "label": _("Indicators")})
    return items
