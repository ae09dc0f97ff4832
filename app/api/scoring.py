"""Expert assignment, declarations, reviews and the ranking over JSON."""
from __future__ import annotations

from flask import g, jsonify

from app.api import bp, json_body, listing, page_args
from app.api import schemas as S
from app.api.openapi import PAGING, doc
from app.core.schemas import load
from app.scoring import schemas
from app.core.errors import ValidationFailed
from app.scoring.council import sessions as council_ops
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import ranking as ranking_ops
from app.scoring.review import reviews as review_ops
from app.scoring.models import ExpertAssignment


def assignment_json(a: ExpertAssignment, with_terms: bool = True) -> dict:
    body = {"id": a.id, "competition_id": a.competition_id, "application_id": a.application_id,
            "expert_id": a.expert_id, "status": a.status, "source": a.source, "affinity": a.affinity,
            "declared": a.declared_at is not None,
            "due_at": a.due_at.isoformat() if a.due_at else None}
    if with_terms:
        body["shared_terms"] = a.shared_terms
    return body


@bp.post("/competitions/<int:competition_id>/assignments")
@doc("/competitions/{competition_id}/assignments", "post", "Compute the optimal assignment ({auto: true}) or "
     "add pairs by hand ({pairs: [...]})", roles="its organiser", body={"type": "object", "properties": {
         "auto": {"type": "boolean"}, "pairs": {"type": "array", "items": {"type": "object", "properties": {
             "application_id": {"type": "integer"}, "expert_id": {"type": "integer"}}}}}},
     responses={200: "The competition's assignments", 409: "Wrong state"})
def create_assignments(competition_id):
    data = json_body()
    if data.get("auto") is True:
        assignment_ops.compute_assignment(g.api_user, competition_id)
    elif isinstance(data.get("pairs"), list):
        assignment_ops.add_assignments(g.api_user, competition_id, data["pairs"])
    else:
        raise ValidationFailed(fields={"auto": ["Send {\"auto\": true} or {\"pairs\": [...]}."]})
    items = assignment_ops.assignments_of(g.api_user, competition_id)
    return jsonify(listing([assignment_json(a) for a in items if a.status != "released"], len(items)))


@bp.get("/competitions/<int:competition_id>/assignments")
@doc("/competitions/{competition_id}/assignments", "get", "The competition's assignments", roles="its organiser",
     responses={200: ("Assignments", S.AssignmentList)},
     params=PAGING)
def list_assignments(competition_id):
    page, per_page = page_args()
    items = assignment_ops.assignments_of(g.api_user, competition_id)
    chunk = items[(page - 1) * per_page: page * per_page]
    return jsonify(listing([assignment_json(a) for a in chunk], len(items)))


@bp.post("/competitions/<int:competition_id>/invitations")
@doc("/competitions/{competition_id}/invitations", "post", "Send invitations for all proposed assignments",
     roles="its organiser")
def send_invitations(competition_id):
    return jsonify({"invited": assignment_ops.send_invitations(g.api_user, competition_id)})


@bp.get("/expert/assignments")
@doc("/expert/assignments", "get", "My assignments", roles="expert", params=PAGING)
def my_assignments():
    page, per_page = page_args()
    items = assignment_ops.my_assignments(g.api_user)
    chunk = items[(page - 1) * per_page: page * per_page]
    return jsonify(listing([{**assignment_json(a, with_terms=False), "title": a.application.title,
                             "abstract": a.application.abstract, "irn": a.application.irn}
                            for a in chunk], len(items)))


@bp.post("/assignments/<int:assignment_id>/declaration")
@doc("/assignments/{assignment_id}/declaration", "post", "Declare (no) conflict of interest; a conflict releases "
     "the assignment", roles="the assigned expert", body={"type": "object", "required": ["conflict"], "properties": {
         "conflict": {"type": "boolean"}, "reason": {"type": "string"}}}, responses={200: "Recorded",
                                                                                     409: "Already declared"})
def declaration(assignment_id):
    data = json_body()
    assignment = assignment_ops.declare(g.api_user, assignment_id, data.get("conflict"), str(data.get("reason") or ""))
    return jsonify(assignment_json(assignment, with_terms=False))


@bp.post("/assignments/<int:assignment_id>/decline")
@doc("/assignments/{assignment_id}/decline", "post", "Decline an invitation", roles="the assigned expert",
     body={"type": "object", "properties": {"reason": {"type": "string"}}})
def decline(assignment_id):
    data = json_body(required=False)
    return jsonify(assignment_json(assignment_ops.decline(g.api_user, assignment_id, str(data.get("reason") or "")),
                                   with_terms=False))


def review_json(review) -> dict:
    return {"id": review.id, "status": review.status, "version": review.version, "scores": review.scores,
            "comments": review.comments, "trl_verified": review.trl_verified, "trl_comment": review.trl_comment,
            "budget_justified": review.budget_justified, "overall_comment": review.overall_comment,
            "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None}


@bp.get("/assignments/<int:assignment_id>/review")
@doc("/assignments/{assignment_id}/review", "get", "My review of this assignment (403 before the declaration)",
     roles="the assigned expert")
def get_review(assignment_id):
    assignment = review_ops.review_for(g.api_user, assignment_id)
    body = review_json(assignment.review) if assignment.review else {"status": "empty"}
    body["others"] = review_ops.reviews_visible_to(g.api_user, assignment.application_id)
    return jsonify(body)


@bp.put("/assignments/<int:assignment_id>/review")
@doc("/assignments/{assignment_id}/review", "put", "Save or submit the review", roles="the assigned expert",
     body={"type": "object", "properties": {"scores": {"type": "object"}, "comments": {"type": "object"},
                                            "trl_verified": {"type": "integer"}, "submit": {"type": "boolean"},
                                            "version": {"type": "integer"}}},
     responses={200: "Saved", 409: "Submitted already or edited elsewhere"})
def put_review(assignment_id):
    data = json_body()
    version = data.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationFailed(fields={"version": ["integer"]})
    return jsonify(review_json(review_ops.save_review(g.api_user, assignment_id, data, version)))


@bp.get("/applications/<int:application_id>/reviews")
@doc("/applications/{application_id}/reviews", "get", "Submitted reviews the caller may see (blind until one's "
     "own review is submitted; anonymised for applicants)")
def application_reviews(application_id):
    items = review_ops.reviews_visible_to(g.api_user, application_id)
    return jsonify(listing(items, len(items)))


@bp.get("/competitions/<int:competition_id>/ranking")
@doc("/competitions/{competition_id}/ranking", "get", "Ranked list with totals, thresholds and the funding line",
     roles="organiser, council")
def get_ranking(competition_id):
    result = ranking_ops.ranking(g.api_user, competition_id)
    return jsonify({**result, "total": len(result["items"])})


@bp.post("/competitions/<int:competition_id>/council")
@doc("/competitions/{competition_id}/council", "post", "Open the council session", roles="organiser, council",
     body=schemas.OpenSessionSchema)
def open_council(competition_id):
    data = load(schemas.open_session_schema, json_body(required=False))
    session = council_ops.open_session(g.api_user, competition_id, data.get("members"), data.get("attendees"))
    return jsonify({"id": session.id, "members": session.members, "attendees": session.attendees}), 201


@bp.post("/council/<int:session_id>/votes")
@doc("/council/{session_id}/votes", "post", "Vote openly on an application", roles="council member",
     body=schemas.VoteSchema)
def council_vote(session_id):
    data = load(schemas.vote_schema, json_body())
    v = council_ops.vote(g.api_user, session_id, data["application_id"], data["choice"])
    return jsonify({"id": v.id, "application_id": v.application_id, "choice": v.choice})


@bp.post("/council/<int:session_id>/close")
@doc("/council/{session_id}/close", "post", "Close the session and record the decisions", roles="organiser, council",
     responses={200: "Decisions", 409: "No quorum yet"})
def council_close(session_id):
    decisions = council_ops.close_session(g.api_user, session_id)
    return jsonify(listing([{"application_id": d.application_id, "funded": d.funded,
                             "amount_kzt": float(d.amount_kzt) if d.amount_kzt is not None else None,
                             "votes": {"for": d.votes_for, "against": d.votes_against, "abstain": d.votes_abstain}}
                            for d in decisions], len(decisions)))


