"""Pages of competitions and applications. Thin: bind a form, call one service, map its errors onto
fields, then flash/redirect/render. Every rule and every permission is enforced in ``services``."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.competitions import applications as application_ops
from app.competitions import exports, services
from app.competitions import rules as R
from app.competitions.forms import (
    APPLICATION_STATUS_LABELS,
    CATEGORY_LABELS,
    COMPETITION_STATUS_LABELS,
    FORMAL_CHECKLIST,
    MEMBER_STATUS_LABELS,
    TRANSITION_LABELS,
    ActionForm,
    AnswerForm,
    ApplicationForm,
    AttachmentForm,
    CompetitionFilterForm,
    CompetitionForm,
    FormalCheckForm,
    InviteForm,
    NewApplicationForm,
    TransitionForm,
    application_initial,
    bind_errors,
    competition_initial,
    formal_check_initial,
    instrument_label,
)
from app.competitions.models import APPLICATION_STATES, DRAFT, INSTRUMENTS, OPEN, PUBLISHED
from app.core import charts
from app.core import exports as spreadsheets
from app.core import time as clock
from app.core import uow
from app.core.db import db
from app.core.errors import Conflict, DomainError, PermissionDenied, TooLarge, ValidationFailed, error_payload
from app.core.forms import apply_errors
from app.core.jinja import money
from app.core.permissions import authorize, can
from app.reference import (
    instruments,
    localized,
    priority_name,
    region_choices,
    region_name,
    territories_by_code,
    trl_levels,
)

bp = Blueprint("competitions", __name__)


def redirect_on_conflict(endpoint: str, key: str):
    """A refused action (deadline passed, wrong state) is flashed on the page it came from, not shown
    as an error page."""

    def decorator(view):
        @wraps(view)
        def wrapper(**kwargs):
            try:
                return view(**kwargs)
            except Conflict as error:
                flash(error.message, "error")
                return redirect(url_for(endpoint, **{key: kwargs[key]}))

        return wrapper

    return decorator


# --- template helpers (available on every page: the dashboard and home page use them too) -----------------


@bp.app_template_global()
def competition_status_label(code: str) -> str:
    return str(COMPETITION_STATUS_LABELS.get(code, code))


@bp.app_template_global()
def application_status_label(code: str) -> str:
    return str(APPLICATION_STATUS_LABELS.get(code, code))


@bp.app_template_global()
def member_status_label(code: str) -> str:
    return str(MEMBER_STATUS_LABELS.get(code, code))


@bp.app_template_global()
def status_tone(code: str) -> str:
    """The CSS tone of a status badge."""
    if code in ("open", "funded", "admitted", "confirmed"):
        return "tag-ok"
    if code in ("rejected", "withdrawn", "not_funded", "declined"):
        return "tag-bad"
    if code in ("draft", "published", "reserve", "invited"):
        return "tag-warn"
    return ""


@bp.app_template_global("instrument_label")
def instrument_label_global(code: str, short: bool = True) -> str:
    return instrument_label(code, short)


@bp.app_template_global()
def document_label(code: str) -> str:
    return application_ops.document_name(code)


@bp.app_template_global()
def category_label(code: str) -> str:
    return localized(CATEGORY_LABELS[code]) if code in CATEGORY_LABELS else (code or "")


@bp.app_template_global()
def territory_label(code: str | None, short: bool = False) -> str:
    item = territories_by_code().get(code or "")
    return localized(item["short" if short else "name"]) if item else (code or "")


@bp.app_template_global()
def trl_title(level: int | None) -> str:
    item = trl_levels().get(level or 0)
    return localized(item["title"]) if item else ""


@bp.app_template_global()
def server_now():
    return clock.now()


# --- competitions ------------------------------------------------------------------------------------------


@bp.get("/competitions")
def index():
    form = CompetitionFilterForm(formdata=request.args)
    status = instrument = None
    if form.validate():
        status, instrument = form.status.data or None, form.instrument.data or None
    items, _total = services.list_competitions(current_user, status, 1, 500)
    if instrument:  # the service filters by status only (see the report): filter the page here
        items = [c for c in items if c.instrument == instrument]
    return render_template("competitions/index.html", competitions=items, form=form)


def _region_options(user) -> list[tuple[str, str]]:
    """The regions the user may create a competition for ("" = national), asked of the permission rules."""
    options = [("", _("National (all regions)"))] if can(user, "competition.create", None) else []
    return options + [
        (code, name) for code, name in region_choices() if can(user, "competition.create", code)
    ]


@bp.route("/competitions/new", methods=["GET", "POST"])
@login_required
def new():
    regions = _region_options(current_user)
    if not regions:
        raise PermissionDenied()
    instrument = request.args.get("instrument")
    if instrument not in INSTRUMENTS:
        return render_template(
            "competitions/new_pick.html", templates=[instruments()[c] for c in INSTRUMENTS]
        )
    form = CompetitionForm(
        data=competition_initial(services.template(instrument), instrument, regions[0][0]), regions=regions
    )
    status = 200
    if form.validate_on_submit():
        try:
            competition = services.create_competition(
                current_user, {**form.payload(), "instrument": instrument, "region": form.region.data}
            )
        except ValidationFailed as error:
            form.apply_service_errors(error.fields)
        else:
            flash(_("The competition was created as a draft. Check its rules, then publish it."), "success")
            return redirect(url_for(".detail", competition_id=competition.id))
    if form.is_submitted():
        status = 422
    form.add_blank_criterion()
    return render_template(
        "competitions/edit.html", form=form, competition=None, instrument=instrument, limited=False
    ), status


@bp.get("/competitions/<int:competition_id>")
def detail(competition_id):
    competition = services.get_competition_for(current_user, competition_id)
    mine = []
    if current_user.is_authenticated:
        mine = [a for a in application_ops.my_applications(current_user) if a.competition_id == competition.id]
    return render_template(
        "competitions/detail.html",
        competition=competition,
        mine=mine,
        transitions=R.TRANSITIONS.get(competition.status, ()),
        transition_labels=TRANSITION_LABELS,
        trl=trl_levels(),
    )


@bp.route("/competitions/<int:competition_id>/edit", methods=["GET", "POST"])
@login_required
def edit(competition_id):
    competition = services.get_competition_for(current_user, competition_id)
    authorize(current_user, "competition.manage", competition)
    if competition.status not in (DRAFT, PUBLISHED, OPEN):
        flash(_("This competition can no longer be edited."), "warning")
        return redirect(url_for(".detail", competition_id=competition_id))
    limited = competition.status == OPEN  # only key dates and the description may change once open
    form = CompetitionForm(data=competition_initial(competition))  # no region field: fixed at creation
    status = 200
    if form.validate_on_submit():
        payload = form.payload_for_open(competition) if limited else form.payload()
        try:
            services.update_competition(current_user, competition_id, payload)
        except ValidationFailed as error:
            form.apply_service_errors(error.fields)
        except Conflict as error:  # e.g. shortening an open competition's deadline: keep what was typed
            form.form_errors.append(error.message)
            status = 409
        else:
            flash(_("The competition was saved."), "success")
            return redirect(url_for(".detail", competition_id=competition_id))
    if form.is_submitted() and status == 200:
        status = 422
    form.add_blank_criterion()
    return render_template(
        "competitions/edit.html",
        form=form,
        competition=competition,
        instrument=competition.instrument,
        limited=limited,
    ), status


@bp.post("/competitions/<int:competition_id>/transition")
@login_required
def transition(competition_id):
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("Choose the step to take."), "error")
        return redirect(url_for(".detail", competition_id=competition_id))
    try:
        competition = services.transition(
            current_user, competition_id, form.to.data, form.reason.data or None
        )
    except (Conflict, ValidationFailed) as error:
        flash(" ".join(m for msgs in error.fields.values() for m in msgs) or error.message, "error")
    else:
        flash(
            _("The competition is now: %(state)s.", state=competition_status_label(competition.status)),
            "success",
        )
    return redirect(url_for(".detail", competition_id=competition_id))


MANAGE_PAGE_SIZE = 50


@bp.get("/competitions/<int:competition_id>/manage")
@login_required
def manage(competition_id):
    status = request.args.get("status") if request.args.get("status") in APPLICATION_STATES else None
    page = min(request.args.get("page", 1, type=int) or 1, 1_000_000)
    competition, items, total = application_ops.competition_applications_for(
        current_user, competition_id, status, page=max(1, page), per_page=MANAGE_PAGE_SIZE)
    stats = services.statistics(current_user, competition_id)
    trail = services.audit_trail(current_user, competition_id)
    return render_template(
        "competitions/manage.html",
        competition=competition,
        applications=items,
        stats=stats,
        charts=_statistics_charts(stats),
        trail=trail,
        status=status,
        actors=_actors(trail),
        statuses=APPLICATION_STATES,
        page=max(1, page),
        pages=max(1, -(-total // MANAGE_PAGE_SIZE)),
        total=total,
    )


def _statistics_charts(stats: dict) -> list[dict]:
    """Label the statistics in the current language and draw them; each chart keeps its rows for a data
    table beside it (screen readers, exact numbers)."""
    unknown = _("not given")

    def ranked(counts: dict, label) -> list:
        return [
            (label(key) or unknown, value)
            for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]

    days = charts.daily_series(stats["by_day"])
    budget = [
        (_("Requested"), float(stats["requested_kzt"])),
        (_("Available budget"), float(stats["budget_kzt"] or 0)),
    ]
    specs = [
        ("status", _("Applications by status"), ranked(stats["by_status"], application_status_label), {}),
        (
            "trl",
            _("Applications by claimed TRL"),
            [
                (f"TRL {k}" if k else unknown, v)
                for k, v in sorted(stats["by_trl"].items(), key=lambda kv: kv[0] or 0)
            ],
            {},
        ),
        ("region", _("Applications by region"), ranked(stats["by_region"], region_name), {}),
        (
            "priority",
            _("Applications by priority direction"),
            ranked(stats["by_priority"], priority_name),
            {},
        ),
        (
            "category",
            _("Applications by applicant category"),
            ranked(stats["by_category"], category_label),
            {},
        ),
        (
            "budget",
            _("Requested vs available budget"),
            budget,
            {"value_format": money, "highlight_last": True},
        ),
    ]
    items = [
        {
            "id": key,
            "title": title,
            "rows": rows,
            "svg": charts.bar_chart(rows, title, **options),
            "money": key == "budget",
        }
        for key, title, rows, options in specs
    ]
    items.append(
        {
            "id": "days",
            "title": _("Submissions per day (line: cumulative)"),
            "rows": days,
            "money": False,
            "svg": charts.line_chart(
                charts.cumulative(days), _("Submissions per day (line: cumulative)"), daily=days
            ),
        }
    )
    return items


def _actors(trail) -> dict:
    """Who did each audited action (the trail stores ids). Identity-mapped gets, no query of our own."""
    from app.accounts.models import User

    return {e.actor_id: db.session.get(User, e.actor_id) for e in trail if e.actor_id}


@bp.get("/competitions/<int:competition_id>/export.csv")
@login_required
def export_csv(competition_id):
    competition, items = application_ops.competition_applications_for(current_user, competition_id)
    return spreadsheets.download(exports.applications_csv(items), spreadsheets.CSV_MIMETYPE,
                                 exports.filename(competition, "csv"))


@bp.get("/competitions/<int:competition_id>/export.xlsx")
@login_required
def export_xlsx(competition_id):
    competition, items = application_ops.competition_applications_for(current_user, competition_id)
    return spreadsheets.download(exports.applications_xlsx(items, competition), spreadsheets.XLSX_MIMETYPE,
                                 exports.filename(competition, "xlsx"))


@bp.get("/competitions/<int:competition_id>/results")
def results(competition_id):
    competition, items = services.funded_projects(competition_id)
    return render_template("competitions/results.html", competition=competition, projects=items)


# --- applications ------------------------------------------------------------------------------------------


@bp.get("/applications")
@login_required
def my_applications():
    return render_template(
        "competitions/my_applications.html",
        applications=application_ops.my_applications(current_user),
        invitations=application_ops.pending_invitations(current_user),
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@login_required
def new_application():
    competition = services.get_competition_for(current_user, request.args.get("competition", 0, type=int))
    form = NewApplicationForm(data={"language": _current_language()})
    if form.validate_on_submit():
        try:
            application = application_ops.create_application(current_user, competition.id, form.payload())
        except ValidationFailed as error:
            apply_errors(form, error.fields)
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for(".detail", competition_id=competition.id))
        else:
            flash(_("Your draft is ready. It is saved as you type."), "success")
            return redirect(url_for(".edit_application", application_id=application.id))
    return render_template("competitions/application_new.html", competition=competition, form=form), (
        422 if form.errors else 200
    )


def _current_language() -> str:
    return str(get_locale() or "ru")


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id):
    view = application_ops.application_view(current_user, application_id)
    return render_template(
        "competitions/application.html",
        application=view.application,
        view=view,
        action_form=ActionForm(),
        trl=trl_levels(),
    )


def _edit_page(
    application, form=None, invite_form=None, upload_form=None, status=200, problems=None, summary=None
):
    """The draft page: the draft form, the team, the attachments and the signature, with any errors."""
    if form is None:
        form = ApplicationForm(formdata=None, data=application_initial(application))
    form.add_blank_rows()
    required = list((application.competition.rules or {}).get("required_documents", []))
    return render_template(
        "competitions/application_edit.html",
        application=application,
        form=form,
        invite_form=invite_form or InviteForm(formdata=None),
        upload_form=upload_form or AttachmentForm(formdata=None, required=required),
        action_form=ActionForm(formdata=None),
        required_docs=required,
        problems=problems or {},
        summary=summary,
        trl=trl_levels(),
        uploaded={a.doc_type for a in application.attachments},
    ), status


def _save_draft(application, form):
    """Save the bound draft form. Returns None when saved, else the response to send."""
    try:
        application_ops.update_application(current_user, application.id, form.payload(), form.version_number)
    except ValidationFailed as error:
        form.apply_service_errors(error.fields)
        return _edit_page(application, form, status=422)
    except Conflict as error:
        if error.code != "version_conflict":
            flash(error.message, "error")
            return redirect(url_for(".application", application_id=application.id))
        form.form_errors = [error.message]
        return _edit_page(application, form, status=409)
    return None


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id):
    application = application_ops.get_application_for(current_user, application_id)
    if not can(current_user, "application.edit", application):
        flash(_("This application can no longer be edited."), "info")
        return redirect(url_for(".application", application_id=application_id))
    form = ApplicationForm(data=application_initial(application) if request.method == "GET" else None)
    if not form.validate_on_submit():
        if form.is_submitted():  # besides the inputs that could not be read, every other problem at once
            body, _unreadable = form.autosave_payload()
            form.apply_service_errors(application_ops.draft_problems(current_user, application.id, body))
        return _edit_page(application, form, status=422 if form.is_submitted() else 200)
    response = _save_draft(application, form)
    if response is not None:
        return response
    flash(_("Draft saved."), "success")
    return redirect(url_for(".edit_application", application_id=application_id))


@bp.post("/applications/<int:application_id>/autosave")
@login_required
def autosave(application_id):
    """Store what is valid of the draft as it is typed; answer the other inputs' errors by name."""
    form = ApplicationForm()
    body, unreadable = form.autosave_payload()
    try:
        application, errors = application_ops.autosave_application(current_user, application_id, body,
                                                                   form.version_number)
    except DomainError as error:
        return _json_error(error.status, error.code, error.message, form.field_errors(error.fields))
    return jsonify({"version": application.version,
                    "saved_at": clock.to_local(application.updated_at).isoformat(),
                    "errors": {**unreadable, **form.field_errors(errors)}})


def _json_error(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify(error_payload(code, message, fields))
    response.status_code = status
    return response


@bp.post("/applications/<int:application_id>/submit")
@login_required
@redirect_on_conflict(".application", "application_id")
def submit_application(application_id):
    application = application_ops.get_application_for(current_user, application_id)
    form = ApplicationForm()
    if form.version.raw_data:  # sent from the draft page: save what is on screen first
        response = (
            _save_draft(application, form) if form.validate() else _edit_page(application, form, status=422)
        )
        if response is not None:
            return response
        # Saving what is on screen and submitting it are two units of work: a refused submission (a rule
        # not met yet) must not take the saved draft down with it.
        uow.commit()
    try:
        application = application_ops.submit(current_user, application_id)
    except ValidationFailed as error:
        form = ApplicationForm(formdata=None, data=application_initial(application))
        form.apply_service_errors(error.fields)
        return _edit_page(application, form, status=422, problems=error.fields, summary=error.message)
    flash(_("Your application was submitted. Keep the receipt."), "success")
    return redirect(url_for(".receipt", application_id=application.id))


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
@redirect_on_conflict(".application", "application_id")
def withdraw(application_id):
    if ActionForm().validate_on_submit():
        application_ops.withdraw(current_user, application_id)
        flash(_("The application was withdrawn."), "info")
    return redirect(url_for(".application", application_id=application_id))


@bp.post("/applications/<int:application_id>/sign")
@login_required
@redirect_on_conflict(".application", "application_id")
def sign(application_id):
    if ActionForm().validate_on_submit():
        application_ops.sign_application(current_user, application_id)
        flash(_("You signed the application on behalf of the organisation."), "success")
    return redirect(url_for(".application", application_id=application_id))


@bp.get("/applications/<int:application_id>/receipt")
@login_required
def receipt(application_id):
    view = application_ops.application_view(current_user, application_id)
    if not view.application.irn or not view.full:
        abort(404)
    return render_template("competitions/receipt.html", application=view.application)


@bp.get("/applications/<int:application_id>/formal-letter")
@login_required
def formal_letter(application_id):
    """The printable letter with the outcome of the formal check and its reasons."""
    view = application_ops.application_view(current_user, application_id)
    if view.application.formal_passed is None or not view.full:
        abort(404)
    return render_template("competitions/formal_letter.html", application=view.application)


@bp.route("/applications/<int:application_id>/formal-check", methods=["GET", "POST"])
@login_required
@redirect_on_conflict(".application", "application_id")
def formal_check(application_id):
    item = application_ops.get_application_for(current_user, application_id)
    authorize(current_user, "application.formal_check", item, hide=True)
    problems = application_ops.eligibility_problems(item)
    form = FormalCheckForm(data=formal_check_initial(item, problems))
    if form.validate_on_submit():
        passed, reasons, checklist = form.payload()
        try:
            application_ops.formal_check(current_user, application_id, passed, reasons, checklist)
        except ValidationFailed as error:
            bind_errors(form, error.fields, {"passed": "decision"})
        else:
            flash(_("The formal check of %(irn)s was recorded.", irn=item.irn or item.id), "success")
            return redirect(url_for(".manage", competition_id=item.competition_id, _anchor="applications"))
    return render_template(
        "competitions/formal_check.html",
        application=item,
        form=form,
        problems=problems,
        checklist=FORMAL_CHECKLIST,
    ), 422 if form.errors else 200


@bp.post("/applications/<int:application_id>/members")
@login_required
@redirect_on_conflict(".application", "application_id")
def invite(application_id):
    application = application_ops.get_application_for(current_user, application_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            member = application_ops.invite_member(
                current_user, application_id, form.email.data, form.name.data or "", form.role.data or ""
            )
        except ValidationFailed as error:
            apply_errors(form, error.fields)
        else:
            flash(_("%(email)s was invited to the team.", email=member.email), "success")
            return redirect(url_for(".edit_application", application_id=application_id, _anchor="team"))
    return _edit_page(application, invite_form=form, status=422)


@bp.post("/applications/<int:application_id>/members/<int:member_id>/remove")
@login_required
@redirect_on_conflict(".application", "application_id")
def remove_member(application_id, member_id):
    if ActionForm().validate_on_submit():
        application_ops.remove_member(current_user, application_id, member_id)
        flash(_("The team member was removed."), "info")
    return redirect(url_for(".edit_application", application_id=application_id, _anchor="team"))


@bp.post("/applications/<int:application_id>/attachments")
@login_required
@redirect_on_conflict(".application", "application_id")
def upload(application_id):
    application = application_ops.get_application_for(current_user, application_id)
    form = AttachmentForm(required=list((application.competition.rules or {}).get("required_documents", [])))
    status = 422
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            application_ops.add_attachment(
                current_user,
                application_id,
                form.doc_type.data,
                upload_file.filename or "",
                upload_file.stream,
            )
        except (ValidationFailed, TooLarge) as error:
            bind_errors(form, error.fields or {"file": [error.message]})
            status = error.status
        else:
            flash(_("The document was attached."), "success")
            return redirect(
                url_for(".edit_application", application_id=application_id, _anchor="attachments")
            )
    return _edit_page(application, upload_form=form, status=status)


@bp.post("/applications/<int:application_id>/attachments/<int:attachment_id>/remove")
@login_required
@redirect_on_conflict(".application", "application_id")
def remove_attachment(application_id, attachment_id):
    if ActionForm().validate_on_submit():
        application_ops.remove_attachment(current_user, application_id, attachment_id)
        flash(_("The document was removed."), "info")
    return redirect(url_for(".edit_application", application_id=application_id, _anchor="attachments"))


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id):
    attachment, path = application_ops.attachment_for(current_user, attachment_id)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=attachment.filename, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- invitations -------------------------------------------------------------------------------------------


@bp.get("/invitations")
@login_required
def invitations():
    return render_template(
        "competitions/invitations.html",
        invitations=application_ops.pending_invitations(current_user),
        form=AnswerForm(formdata=None),
    )


@bp.post("/invitations/<int:member_id>")
@login_required
def answer_invitation(member_id):
    form = AnswerForm()
    if not (form.validate_on_submit() and (form.accept.data or form.decline.data)):
        return redirect(url_for(".invitations"))
    try:
        member = application_ops.answer_invitation(current_user, member_id, bool(form.accept.data))
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for(".invitations"))
    if member.status != member.CONFIRMED:
        flash(_("You declined the invitation."), "info")
        return redirect(url_for(".invitations"))
    flash(_("You joined the team."), "success")
    return redirect(url_for(".application", application_id=member.application_id))
