"""What an investor (or the operator who keeps a fund's profile) may send, and a recorded commitment."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from app.competitions.schemas import Priority, Region, Territory
from app.core.schemas import BaseSchema, Flag, Int, Localized, Money, Text
from app.matching.models import INVESTOR_TYPES


class TextList(fields.Field):
    """A list of texts, or one string split by ``separator``; empty items dropped, each bounded."""

    def __init__(self, separator: str = ",", max_items: int = 50, max_length: int = 2000, **kwargs):
        self.separator, self.max_items, self.max_length = separator, max_items, max_length
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.split(self.separator)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_("A list of texts."))
        items = [v.strip() for v in value if v.strip()]
        if len(items) > self.max_items or any(len(v) > self.max_length for v in items):
            raise ValidationError(_("At most %(n)d items of at most %(m)d characters each.", n=self.max_items,
                                    m=self.max_length))
        return items


class OptionalTRL(Int):
    """A TRL from 1 to 9, or nothing (an empty choice)."""

    def __init__(self, **kwargs):
        super().__init__(1, 9, allow_none=True, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return super().deserialize(None if value == "" else value, attr, data, **kwargs)


class InvestorProfileSchema(BaseSchema):
    name = Text(200, validate=validate.Length(min=1, max=200, error=_l("Enter the name.")))
    type = fields.String(validate=validate.OneOf(INVESTOR_TYPES, error=_l("Unknown investor type.")))
    thesis = Localized(max_length=4000)
    sectors = TextList(",", max_items=50, max_length=200)
    portfolio = TextList("\n", max_items=50, max_length=2000)
    priorities = fields.List(Priority(), validate=validate.Length(max=7))
    regions = fields.List(Region(), validate=validate.Length(max=20))
    territories = fields.List(Territory(), validate=validate.Length(max=20))
    trl_min = OptionalTRL()
    trl_max = OptionalTRL()
    ticket_min_kzt = Money(allow_none=True)
    ticket_max_kzt = Money(allow_none=True)
    stage = Text(32, allow_none=True)
    requires_nda = Flag()


def profile_problems(p: dict) -> dict[str, list[str]]:
    """Rules between a profile's fields, on the profile as it would be after the change."""
    problems: dict[str, list[str]] = {}
    if p.get("trl_min") and p.get("trl_max") and p["trl_min"] > p["trl_max"]:
        problems["trl_min"] = [_("The minimum TRL is above the maximum.")]
    if p.get("ticket_min_kzt") is not None and p.get("ticket_max_kzt") is not None \
            and p["ticket_min_kzt"] > p["ticket_max_kzt"]:
        problems["ticket_min_kzt"] = [_("The minimum ticket is above the maximum.")]
    return problems


class CommitmentSchema(BaseSchema):
    amount = Money(allow_none=True, load_default=None)
    year = Int(2020, 2040, allow_none=True)
    note = Text(2000, load_default="")

    @validates_schema
    def amount_given(self, data, **_kwargs):
        if "amount" in data and not data.get("amount"):
            raise ValidationError(_("Enter the amount committed."), "amount")


profile_schema = InvestorProfileSchema()
commitment_schema = CommitmentSchema()
