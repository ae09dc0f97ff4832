"""The shapes of the API's answers, for the OpenAPI document (the request bodies are the domains' own input
schemas: app/competitions/schemas.py, app/matching/schemas.py, app/scoring/schemas.py)."""
from __future__ import annotations

from marshmallow import Schema, fields


def listing_of(item: type[Schema], name: str) -> type[Schema]:
    """``{"items": [item], "total": int}``, the shape of every list."""
    return type(f"{name}Schema", (Schema,), {"items": fields.List(fields.Nested(item), required=True),
                                             "total": fields.Integer(required=True)})


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String()
    roles = fields.List(fields.String(), required=True)
    region = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)


class CriterionOutSchema(Schema):
    key = fields.String(required=True)
    name = fields.String()
    names = fields.Dict(keys=fields.String(), values=fields.String())
    weight = fields.Float()
    min = fields.Float()
    max = fields.Float()
    step = fields.Float()
    threshold = fields.Float()


class CompetitionOutSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String()
    titles = fields.Dict(keys=fields.String(), values=fields.String())
    instrument = fields.String()
    status = fields.String(required=True)
    region = fields.String(allow_none=True)
    opens_at = fields.DateTime(allow_none=True)
    deadline = fields.DateTime(allow_none=True)
    deadline_local = fields.DateTime(allow_none=True)
    review_deadline = fields.DateTime(allow_none=True)
    council_date = fields.DateTime(allow_none=True)
    budget_kzt = fields.Float()
    max_grant_kzt = fields.Float(allow_none=True)
    max_duration_months = fields.Integer(allow_none=True)
    trl_min = fields.Integer()
    trl_max = fields.Integer()
    require_accreditation = fields.Boolean()
    experts_per_application = fields.Integer()
    min_foreign = fields.Integer()
    irn_prefix = fields.String()
    required_documents = fields.List(fields.String())
    rules = fields.Dict()
    criteria = fields.List(fields.Nested(CriterionOutSchema))
    closed_early_reason = fields.String(allow_none=True)


class ApplicationRefSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    version = fields.Integer()


class ApplicationOutSchema(ApplicationRefSchema):
    """The teaser's fields; the full application adds the team, budget, evidence and attachments."""
    competition_id = fields.Integer()
    title = fields.String()
    abstract = fields.String()
    language = fields.String()
    keywords = fields.List(fields.String())
    priority = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True)
    requested_kzt = fields.Float()
    trl_claimed = fields.Integer(allow_none=True)
    trl_verified = fields.Integer(allow_none=True)
    irn = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)


class ReceiptSchema(Schema):
    irn = fields.String(required=True)
    submitted_at = fields.DateTime(required=True)
    receipt_sha256 = fields.String(required=True)


class AssignmentOutSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    expert_id = fields.Integer(required=True)
    status = fields.String(required=True)


class InvestorMatchSchema(Schema):
    investor_id = fields.Integer(required=True)
    name = fields.String()
    score = fields.Float(required=True)
    reasons = fields.List(fields.String())


class ProjectMatchSchema(Schema):
    application_id = fields.Integer(required=True)
    title = fields.String()
    trl = fields.Integer(allow_none=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.String())


class JobSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String()
    status = fields.String(required=True)
    progress = fields.Integer()
    message = fields.String()
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)


CompetitionList = listing_of(CompetitionOutSchema, "CompetitionList")
ApplicationList = listing_of(ApplicationOutSchema, "ApplicationList")
AssignmentList = listing_of(AssignmentOutSchema, "AssignmentList")
InvestorMatchList = listing_of(InvestorMatchSchema, "InvestorMatchList")
ProjectMatchList = listing_of(ProjectMatchSchema, "ProjectMatchList")
