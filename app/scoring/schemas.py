"""What council members and organisers send about a council session."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from app.core.routing import MAX_ID
from app.core.schemas import BaseSchema, Flag, Int, Number, Text


class OpenSessionSchema(BaseSchema):
    members = fields.List(Int(1, MAX_ID), allow_none=True, validate=validate.Length(max=500))
    attendees = fields.List(Int(1, MAX_ID), allow_none=True, validate=validate.Length(max=500))


class VoteSchema(BaseSchema):
    application_id = Int(1, MAX_ID, required=True)
    choice = fields.String(required=True, validate=validate.OneOf(
        ("for", "against", "abstain", "conflict"), error=_l("for, against, abstain or conflict.")))


open_session_schema = OpenSessionSchema()
vote_schema = VoteSchema()


class ReviewSchema(BaseSchema):
    """An expert's review (or an operator's amendment, or a consensus's scores) against a competition's
    criteria: scores on each criterion's scale and step, comments of known criteria, bounded texts."""

    scores = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    comments = fields.Dict(keys=fields.String(), values=Text(10_000))
    trl_verified = fields.Raw(allow_none=True)
    trl_comment = Text(10_000)
    overall_comment = Text(10_000)
    budget_comment = Text(10_000)
    budget_justified = fields.String(allow_none=True)
    submit = Flag(load_default=False)

    def __init__(self, criteria: list[dict], opinions: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.criteria = {c["key"]: c for c in criteria}
        self.opinions = opinions

    @validates_schema
    def against_the_criteria(self, data, **_kwargs):
        errors: dict[str, list[str]] = {}
        for key, value in (data.get("scores") or {}).items():
            criterion = self.criteria.get(key)
            if criterion is None:
                errors[f"scores.{key}"] = [_("Unknown criterion.")]
            elif value not in (None, ""):
                try:
                    number = Number().deserialize(value)
                except ValidationError:
                    errors[f"scores.{key}"] = [_("Enter a number.")]
                    continue
                lo, hi, step = float(criterion["min"]), float(criterion["max"]), float(criterion["step"])
                steps = (number - lo) / step
                if number < lo or number > hi or abs(steps - round(steps)) > 1e-9:
                    errors[f"scores.{key}"] = [_("Use the scale %(lo)s–%(hi)s in steps of %(step)s.", lo=lo,
                                                 hi=hi, step=step)]
        for key in data.get("comments") or {}:
            if key not in self.criteria:
                errors[f"comments.{key}"] = [_("Unknown criterion.")]
        if data.get("trl_verified") not in (None, ""):
            try:
                Int(1, 9).deserialize(data["trl_verified"])
            except ValidationError:
                errors["trl_verified"] = [_("A TRL from 1 to 9.")]
        if data.get("budget_justified") not in (None, "") and data["budget_justified"] not in self.opinions:
            errors["budget_justified"] = [_("yes, partly or no.")]
        if errors:
            raise ValidationError(errors)

    @post_load
    def clean(self, data, **_kwargs):
        data["scores"] = {k: float(Number().deserialize(v)) for k, v in (data.get("scores") or {}).items()
                          if v not in (None, "")}
        data["comments"] = dict(data.get("comments") or {})
        if data.get("trl_verified") in (None, ""):
            data.pop("trl_verified", None)
        else:
            data["trl_verified"] = Int(1, 9).deserialize(data["trl_verified"])
        if data.get("budget_justified") in (None, ""):
            data.pop("budget_justified", None)
        return data


class ExpertProfileSchema(BaseSchema):
    """What an expert keeps in their own profile. Their country and foreign status are registry facts (the
    foreign quota depends on them): they come from the registry's operator, not from the expert."""

    organisation = Text(300, validate=validate.Length(min=1, max=300, error=_l(
        "Name your organisation: conflicts of interest are checked against it.")))
    country = Text(64)
    foreign = Flag()
    languages = fields.List(Text(40), validate=validate.Length(max=10))
    keywords = fields.List(Text(200), validate=validate.Length(max=50))
    texts = fields.List(Text(20_000), validate=validate.Length(max=50))
    priorities = fields.List(Int(1, 7), validate=validate.Length(max=7))
