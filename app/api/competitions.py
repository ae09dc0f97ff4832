"""Competitions and applications over JSON: thin views over app.competitions.services and .applications."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from app.api import bp, json_body, listing, page_args
from app.api import schemas as S
from app.api.openapi import PAGING, doc
from app.competitions import schemas as CS
from app.competitions import applications as application_ops
from app.competitions import services
from app.competitions.models import Competition
from app.core import time as clock
from app.core.errors import PermissionDenied


def competition_json(c: Competition) -> dict:
    return {
        "id": c.id, "title": c.title_in("ru"), "titles": c.title, "instrument": c.instrument, "status": c.status,
        "region": c.region_code, "opens_at": _iso(c.opens_at), "deadline": _iso(c.deadline),
        "deadline_local": _iso(clock.to_local(c.deadline)), "review_deadline": _iso(c.review_deadline),
        "council_date": _iso(c.council_date), "budget_kzt": float(c.budget_kzt),
        "max_grant_kzt": float(c.max_grant_kzt) if c.max_grant_kzt is not None else None,
        "max_duration_months": c.max_duration_months, "trl_min": c.trl_min, "trl_max": c.trl_max,
        "require_accreditation": c.require_accreditation, "experts_per_application": c.experts_per_application,
        "min_foreign": c.min_foreign, "irn_prefix": c.irn_prefix,
        "required_documents": c.rules.get("required_documents", []), "rules": c.rules,
        "criteria": [{"key": k["key"], "name": k["name"].get("ru") if isinstance(k["name"], dict) else k["name"],
                      "names": k["name"], "weight": k["weight"], "min": k["min"], "max": k["max"],
                      "step": k["step"], "threshold": k["threshold"]} for k in c.criteria],
        "closed_early_reason": c.closed_early_reason,
    }


def _iso(value):
    return value.isoformat() if value else None


def application_json(view: application_ops.ApplicationView, user) -> dict:
    """The teaser fields always; the full application's when the view (``application_view``) is full."""
    a = view.application
    body = {
        "id": a.id, "competition_id": a.competition_id, "status": a.status, "version": a.version,
        "title": a.title, "abstract": a.abstract, "language": a.language, "keywords": a.keywords,
        "priority": a.priority, "territory": a.territory, "region": a.region_code,
        "applicant_category": a.applicant_category, "requested_kzt": float(a.requested_kzt),
        "cofinancing_kzt": float(a.cofinancing_kzt), "duration_months": a.duration_months,
        "trl_claimed": a.trl_claimed, "trl_verified": a.trl_verified, "investor_visible": a.investor_visible,
        "irn": a.irn, "submitted_at": _iso(a.submitted_at),
    }
    if view.full:
        body.update({
            "translations": a.translations, "budget_by_year": a.budget_by_year,
            "cofinancing_source": a.cofinancing_source, "planned": a.planned, "ip_held": a.ip_held,
            "trl_evidence": a.trl_evidence, "leader_id": a.leader_id, "organisation_id": a.organisation_id,
            "team": [{"id": m.id, "email": m.email, "name": m.name, "role": m.role, "status": m.status}
                     for m in a.members],
            "attachments": [{"id": x.id, "doc_type": x.doc_type, "filename": x.filename, "size": x.size,
                             "sha256": x.sha256} for x in a.attachments],
            "receipt_sha256": a.receipt_sha256, "org_signed_at": _iso(a.org_signed_at),
            "formal_check": None if a.formal_passed is None else {"passed": a.formal_passed,
                                                                 "reasons": a.formal_reasons},
        })
        if a.leader_id == user.id:
            body["excluded_experts"] = a.excluded_experts
    return body


@bp.get("/competitions")
@doc("/competitions", "get", "Competitions visible to the caller", responses={200: ("Competitions", S.CompetitionList)},
     params=PAGING + [
    {"name": "status", "in": "query", "schema": {"type": "string"}}])
def list_competitions():
    page, per_page = page_args()
    items, total = services.list_competitions(g.api_user, request.args.get("status"), page, per_page)
    return jsonify(listing([competition_json(c) for c in items], total))


@bp.post("/competitions")
@doc("/competitions", "post", "Create a competition (draft) from an instrument's template", roles="mnvo, akimat",
     body=CS.CompetitionSchema, responses={201: ("Created", S.CompetitionOutSchema), 409: "Conflict"})
def create_competition():
    competition = services.create_competition(g.api_user, json_body())
    return jsonify(competition_json(competition)), 201


@bp.get("/competitions/<int:competition_id>")
@doc("/competitions/{competition_id}", "get", "A competition's details, rules and criteria",
     responses={200: ("The competition", S.CompetitionOutSchema)})
def get_competition(competition_id):
    return jsonify(competition_json(services.get_competition_for(g.api_user, competition_id)))


@bp.patch("/competitions/<int:competition_id>")
@doc("/competitions/{competition_id}", "patch", "Change a competition's rules (draft/published) or dates",
     roles="its organiser", body=CS.CompetitionSchema(partial=True),
     responses={200: ("Updated", S.CompetitionOutSchema), 409: "Wrong state"})
def update_competition(competition_id):
    return jsonify(competition_json(services.update_competition(g.api_user, competition_id, json_body())))


@bp.post("/competitions/<int:competition_id>/transitions")
@doc("/competitions/{competition_id}/transitions", "post", "Move a competition along its lifecycle",
     roles="its organiser", body={"type": "object", "required": ["to"], "properties": {
         "to": {"type": "string"}, "reason": {"type": "string"}}},
     responses={200: "Moved", 409: "Illegal or refused transition"})
def transition_competition(competition_id):
    data = json_body()
    to = data.get("to")
    if not isinstance(to, str):
        from app.core.errors import ValidationFailed
        raise ValidationFailed(fields={"to": ["required"]})
    reason = data.get("reason") if isinstance(data.get("reason"), str) else None
    return jsonify(competition_json(services.transition(g.api_user, competition_id, to, reason)))


@bp.get("/competitions/<int:competition_id>/applications")
@doc("/competitions/{competition_id}/applications", "get", "Submitted applications of a competition",
     roles="its organiser", params=PAGING, responses={200: ("Applications", S.ApplicationList)})
def competition_applications(competition_id):
    page, per_page = page_args()
    _, items, total = application_ops.competition_applications_for(g.api_user, competition_id,
                                                            request.args.get("status"), page, per_page)
    return jsonify(listing([application_json(application_ops.view_of(g.api_user, a), g.api_user) for a in items],
                           total))


@bp.post("/competitions/<int:competition_id>/applications")
@doc("/competitions/{competition_id}/applications", "post", "Create a draft application", roles="researcher",
     body=CS.ApplicationSchema, responses={201: ("Created", S.ApplicationRefSchema), 409: "Not open or deadline passed"})
def create_application(competition_id):
    application = application_ops.create_application(g.api_user, competition_id, json_body())
    return jsonify({"id": application.id, "status": application.status, "version": application.version}), 201


@bp.get("/applications/<int:application_id>")
@doc("/applications/{application_id}", "get", "An application (full or teaser, depending on the caller)",
     responses={200: ("The application", S.ApplicationOutSchema)})
def get_application(application_id):
    view = application_ops.application_view(g.api_user, application_id)
    if view.reason == application_ops.DECLARATION_REQUIRED:  # the API answers nothing but the reason (API.md)
        raise PermissionDenied(_("Declare whether you have a conflict of interest before opening the application "
                                 "(POST /api/v1/assignments/{id}/declaration)."), code=view.reason)
    return jsonify(application_json(view, g.api_user))


@bp.patch("/applications/<int:application_id>")
@doc("/applications/{application_id}", "patch", "Update a draft (partial); optional 'version' detects "
     "concurrent edits", roles="its leader", body=CS.ApplicationSchema(partial=True),
     responses={200: ("Saved", S.ApplicationOutSchema), 409: "Submitted, deadline passed or edited elsewhere"})
def update_application(application_id):
    data = json_body()
    version = data.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        from app.core.errors import ValidationFailed
        raise ValidationFailed(fields={"version": ["integer"]})
    application = application_ops.update_application(g.api_user, application_id, data, version)
    return jsonify(application_json(application_ops.view_of(g.api_user, application), g.api_user))


@bp.post("/applications/<int:application_id>/members")
@doc("/applications/{application_id}/members", "post", "Invite a team member by e-mail", roles="its leader",
     body={"type": "object", "required": ["email"], "properties": {"email": {"type": "string"},
                                                                    "name": {"type": "string"},
                                                                    "role": {"type": "string"}}},
     responses={201: "Invited", 409: "Wrong state"})
def invite_member(application_id):
    data = json_body()
    member = application_ops.invite_member(g.api_user, application_id, str(data.get("email") or ""),
                                    str(data.get("name") or ""), str(data.get("role") or ""))
    return jsonify({"id": member.id, "email": member.email, "status": member.status}), 201


@bp.post("/memberships/<int:member_id>/answer")
@doc("/memberships/{member_id}/answer", "post", "Confirm or decline participation in a team",
     roles="the invited person", body={"type": "object", "required": ["accept"],
                                       "properties": {"accept": {"type": "boolean"}}})
def answer_membership(member_id):
    accept = json_body().get("accept")
    if not isinstance(accept, bool):
        from app.core.errors import ValidationFailed
        raise ValidationFailed(fields={"accept": ["true or false"]})
    member = application_ops.answer_invitation(g.api_user, member_id, accept)
    return jsonify({"id": member.id, "status": member.status})


@bp.post("/applications/<int:application_id>/sign")
@doc("/applications/{application_id}/sign", "post", "Co-sign as the head of the applicant organisation",
     roles="org_head of the organisation")
def sign_application(application_id):
    application = application_ops.sign_application(g.api_user, application_id)
    return jsonify({"id": application.id, "org_signed_at": _iso(application.org_signed_at)})


@bp.post("/applications/<int:application_id>/attachments")
@doc("/applications/{application_id}/attachments", "post", "Upload a PDF (multipart: doc_type, file)",
     roles="its leader", responses={201: "Stored", 413: "Too large", 409: "Wrong state"})
def upload_attachment(application_id):
    upload = request.files.get("file")
    if upload is None:
        from app.core.errors import ValidationFailed
        raise ValidationFailed(fields={"file": ["required"]})
    attachment = application_ops.add_attachment(g.api_user, application_id, request.form.get("doc_type", ""),
                                         upload.filename or "", upload.stream)
    return jsonify({"id": attachment.id, "doc_type": attachment.doc_type, "sha256": attachment.sha256}), 201


@bp.post("/applications/<int:application_id>/submit")
@doc("/applications/{application_id}/submit", "post", "Submit: eligibility checked, ИРН and receipt issued",
     roles="its leader", responses={200: ("Submitted (same receipt on repeat)", S.ReceiptSchema), 409: "Deadline passed",
                                    422: "Ineligible, with every failed rule in fields"})
def submit_application(application_id):
    return jsonify(application_ops.receipt(application_ops.submit(g.api_user, application_id)))


@bp.post("/applications/<int:application_id>/withdraw")
@doc("/applications/{application_id}/withdraw", "post", "Withdraw before the deadline", roles="its leader",
     responses={200: "Withdrawn", 409: "Wrong state"})
def withdraw_application(application_id):
    application = application_ops.withdraw(g.api_user, application_id)
    return jsonify({"id": application.id, "status": application.status})


@bp.post("/applications/<int:application_id>/formal-check")
@doc("/applications/{application_id}/formal-check", "post", "Record the formal check", roles="its organiser",
     body={"type": "object", "required": ["passed"], "properties": {
         "passed": {"type": "boolean"}, "reasons": {"type": "array", "items": {"type": "string"}},
         "checklist": {"type": "object"}}}, responses={200: "Recorded", 409: "Wrong state"})
def formal_check(application_id):
    data = json_body()
    reasons = data.get("reasons") or []
    if not isinstance(reasons, list):
        from app.core.errors import ValidationFailed
        raise ValidationFailed(fields={"reasons": ["a list of strings"]})
    application = application_ops.formal_check(g.api_user, application_id, data.get("passed"), reasons,
                                         data.get("checklist") if isinstance(data.get("checklist"), dict) else None)
    return jsonify({"id": application.id, "status": application.status, "reasons": application.formal_reasons})
