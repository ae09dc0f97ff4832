"""Tokens, the caller's identity, jobs and the OpenAPI document."""
from __future__ import annotations

from flask import g, jsonify, request

from app.accounts import services as accounts
from app.api import bp, json_body
from app.api import schemas as S
from app.api.openapi import doc, document
from app.core.errors import ValidationFailed
from app.jobs.services import get_job_for


@bp.post("/tokens")
@doc("/tokens", "post", "Exchange e-mail and password for a bearer token", public=True,
     body={"type": "object", "required": ["email", "password"],
           "properties": {"email": {"type": "string"}, "password": {"type": "string"}}},
     responses={201: ("Token issued", S.TokenSchema), 401: "Invalid credentials", 429: "Too many attempts"})
def create_token():
    data = json_body()
    email, password = data.get("email"), data.get("password")
    fields = {}
    if not isinstance(email, str) or not email:
        fields["email"] = ["required"]
    if not isinstance(password, str) or not password:
        fields["password"] = ["required"]
    if fields:
        raise ValidationFailed(fields=fields)
    user = accounts.authenticate(email, password, request.remote_addr or "unknown")
    token, row = accounts.issue_token(user)
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat()}), 201


@bp.delete("/tokens/current")
@doc("/tokens/current", "delete", "Revoke the token used for this request", responses={204: "Revoked"})
def revoke_token():
    accounts.revoke_token(g.api_token)
    return "", 204


@bp.get("/me")
@doc("/me", "get", "The caller's identity and roles", responses={200: ("The caller", S.MeSchema)})
def me():
    user = g.api_user
    return jsonify({"id": user.id, "email": user.email, "name": user.name, "roles": user.roles,
                    "region": user.region_code,
                    "organisation": user.organisation.name_ru if user.organisation else None})


@bp.get("/jobs/<int:job_id>")
@doc("/jobs/{job_id}", "get", "A background job's status and progress", roles="the job's creator",
     responses={200: ("The job", S.JobSchema)})
def job_status(job_id):
    return jsonify(get_job_for(g.api_user, job_id).as_dict())


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


