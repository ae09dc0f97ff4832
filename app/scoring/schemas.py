"""What council members and organisers send about a council session."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from app.core.routing import MAX_ID
from app.core.schemas import BaseSchema, Int


class OpenSessionSchema(BaseSchema):
    members = fields.List(Int(1, MAX_ID), allow_none=True, validate=validate.Length(max=500))
    attendees = fields.List(Int(1, MAX_ID), allow_none=True, validate=validate.Length(max=500))


class VoteSchema(BaseSchema):
    application_id = Int(1, MAX_ID, required=True)
    choice = fields.String(required=True, validate=validate.OneOf(
        ("for", "against", "abstain", "conflict"), error=_l("for, against, abstain or conflict.")))


open_session_schema = OpenSessionSchema()
vote_schema = VoteSchema()
