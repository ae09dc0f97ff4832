"""Matching over JSON: recommendations both ways, feedback, introductions, commitments."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api import bp, json_body, listing
from app.api import schemas as S
from app.api.openapi import doc
from app.core.errors import BadRequest, NotFound, ValidationFailed
from app.core.routing import MAX_ID
from app.matching import services

TOP = [{"name": "top", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]


def _top(default: int = 10) -> int:
    try:
        top = int(request.args.get("top", default))
    except ValueError:
        raise BadRequest("top must be an integer.", code="bad_top") from None
    if not 1 <= top <= 100:
        raise BadRequest("top must be between 1 and 100.", code="bad_top")
    return top


def _lang() -> str:
    lang = request.args.get("lang") or "en"
    return lang if lang in ("ru", "kk", "en") else "en"


@bp.get("/applications/<int:application_id>/matches")
@doc("/applications/{application_id}/matches", "get", "Investors and funds recommended for the project",
     roles="its leader", params=TOP, responses={200: ("Recommended investors", S.InvestorMatchList)})
def application_matches(application_id):
    items = services.project_matches(g.api_user, application_id, _top(), _lang())
    return jsonify(listing([{"investor_id": m["investor_id"], "name": m["profile"].name, "type": m["profile"].type,
                             "score": m["score"], "reasons": m["reasons"]} for m in items], len(items)))


@bp.get("/investors/me/matches")
@doc("/investors/me/matches", "get", "Projects matched to the investor (only projects they may see)",
     roles="investor", params=TOP, responses={200: ("Matched projects", S.ProjectMatchList)})
def investor_matches():
    items = services.investor_matches(g.api_user, _top(), lang=_lang())
    return jsonify(listing([{"application_id": m["application"].id, "title": m["application"].title,
                             "trl": m["application"].trl, "trl_claimed": m["application"].trl_claimed,
                             "trl_verified": m["application"].trl_verified, "score": m["score"],
                             "reasons": m["reasons"]} for m in items], len(items)))


@bp.post("/investors/me/feedback")
@doc("/investors/me/feedback", "post", "Mark a match interested or not relevant (with a reason)", roles="investor",
     body={"type": "object", "required": ["application_id", "verdict"], "properties": {
         "application_id": {"type": "integer"}, "verdict": {"type": "string", "enum": ["interested", "not_relevant"]},
         "reason": {"type": "string"}}})
def investor_feedback():
    data = json_body()
    application_id = data.get("application_id")
    if isinstance(application_id, bool) or not isinstance(application_id, int):
        raise ValidationFailed(fields={"application_id": ["integer"]})
    if not 0 < application_id <= MAX_ID:
        raise NotFound()  # no such row can exist (and SQLite cannot even be asked)
    fb = services.give_feedback(g.api_user, application_id, str(data.get("verdict") or ""),
                                str(data.get("reason") or ""))
    return jsonify({"application_id": fb.application_id, "verdict": fb.verdict})


@bp.post("/applications/<int:application_id>/introductions")
@doc("/applications/{application_id}/introductions", "post", "Ask the project leader for an introduction",
     roles="investor", body={"type": "object", "properties": {"message": {"type": "string"}}},
     responses={201: "Requested", 409: "Declined before"})
def request_introduction(application_id):
    data = json_body(required=False)
    intro = services.request_introduction(g.api_user, application_id, str(data.get("message") or ""))
    return jsonify({"id": intro.id, "status": intro.status, "nda_required": intro.nda_required}), 201


@bp.post("/introductions/<int:introduction_id>/answer")
@doc("/introductions/{introduction_id}/answer", "post", "Accept or decline an introduction request",
     roles="the project's leader", body={"type": "object", "required": ["accept"], "properties": {
         "accept": {"type": "boolean"}, "answer": {"type": "string"}, "require_nda": {"type": "boolean"}}})
def answer_introduction(introduction_id):
    data = json_body()
    if not isinstance(data.get("accept"), bool):
        raise ValidationFailed(fields={"accept": ["true or false"]})
    intro = services.answer_introduction(g.api_user, introduction_id, data["accept"], str(data.get("answer") or ""),
                                         bool(data.get("require_nda")))
    return jsonify({"id": intro.id, "status": intro.status, "nda_required": intro.nda_required})


@bp.post("/introductions/<int:introduction_id>/nda")
@doc("/introductions/{introduction_id}/nda", "post", "Accept the NDA of an accepted introduction",
     roles="the investor")
def accept_nda(introduction_id):
    intro = services.accept_nda(g.api_user, introduction_id)
    return jsonify({"id": intro.id, "nda_accepted_at": intro.nda_accepted_at.isoformat()})


@bp.post("/introductions/<int:introduction_id>/commitments")
@doc("/introductions/{introduction_id}/commitments", "post", "Record the amount committed after a deal",
     roles="the investor", body={"type": "object", "required": ["amount_kzt"], "properties": {
         "amount_kzt": {"type": "number", "minimum": 1}, "year": {"type": "integer"}, "note": {"type": "string"}}},
     responses={201: "Recorded", 409: "Introduction not accepted"})
def record_commitment(introduction_id):
    data = json_body()
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise ValidationFailed(fields={"year": ["integer"]})
    c = services.record_commitment(g.api_user, introduction_id, data.get("amount_kzt"), year,
                                   str(data.get("note") or ""))
    return jsonify({"id": c.id, "amount_kzt": float(c.amount_kzt), "year": c.year}), 201


@bp.get("/indicators")
@doc("/indicators", "get", "The Concept's indicators the platform sees, beside the targets")
def indicators():
    return jsonify(services.indicators())
