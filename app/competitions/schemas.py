"""What an organiser may send to create or change a competition, and an applicant to fill a draft.

Each field is checked alone by its schema; the rules that tie fields together (a deadline after the
opening, a maximum grant within the budget, tie-breaks that name criteria…) are checked by
:func:`competition_problems` on the competition as it would be after the change, so a partial update is
judged against what is already stored.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from app.competitions.models import CATEGORIES, INSTRUMENTS, LANGS
from app.core.schemas import (BaseSchema, Flag, Identifier, Int, Localized, Moment, Money, Number, Share,
                              Text)
from app.reference import is_region, priorities_by_id, territories_by_code

TIE_BREAK_EXTRA = ("submitted_at",)


def _one_of(choices, message=None):
    return validate.OneOf(choices, error=message or _l("Choose one of: {choices}."))


class Region(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not is_region(value):
            raise ValidationError(_("Unknown region code %(code)s.", code=str(value)[:40]))
        return value


class Territory(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in territories_by_code():
            raise ValidationError(_("Unknown territory."))
        return value


class Priority(Int):
    def __init__(self, **kwargs):
        super().__init__(1, 7, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if number not in priorities_by_id():
            raise ValidationError(_("Unknown priority direction."))
        return number


class DocumentCode(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.strip() or len(value) > 80:
            raise ValidationError(_("A list of document codes."))
        return value.strip()


# --- competitions ------------------------------------------------------------------------------------------

class CriterionSchema(BaseSchema):
    key = Identifier(required=True)
    name = Localized(max_length=300)
    weight = Number(minimum=0, maximum=100, load_default=1.0)
    min = Number(minimum=-1000, maximum=1000, load_default=0.0)
    max = Number(minimum=-1000, maximum=1000, load_default=5.0)
    step = Number(minimum=0, maximum=1000, load_default=0.5)
    threshold = Number(minimum=-1000, maximum=1000, allow_none=True, load_default=None)

    @validates_schema
    def scale(self, data, **_kwargs):
        lo, hi, step = data.get("min", 0.0), data.get("max", 5.0), data.get("step", 0.5)
        threshold = data.get("threshold")
        if not (hi > lo and step > 0 and (threshold is None or lo <= threshold <= hi)):
            raise ValidationError(_("Criterion %(key)s: the scale or threshold is inconsistent.",
                                    key=data.get("key", "?")))

    @post_load
    def complete(self, data, **_kwargs):
        key = data.get("key", "")
        data["name"] = data.get("name") or {"ru": key}
        if data.get("threshold") is None:
            data["threshold"] = data["min"]
        return data


class CompetitionSchema(BaseSchema):
    """Columns and rules of a competition (the API's body; the HTML form sends the same)."""

    title = Localized(max_length=500, required_one=True)
    description = Localized(max_length=20000)
    instrument = fields.String(validate=_one_of(INSTRUMENTS))
    region = Region(allow_none=True)
    opens_at = Moment(allow_none=True)
    deadline = Moment(allow_none=True)
    review_deadline = Moment(allow_none=True)
    council_date = Moment(allow_none=True)
    budget_kzt = Money()
    max_grant_kzt = Money(minimum=1, allow_none=True)
    max_duration_months = Int(1, 120, allow_none=True)
    trl_min = Int(1, 9)
    trl_max = Int(1, 9)
    require_accreditation = Flag()
    experts_per_application = Int(1, 10)
    min_foreign = Int(0, 10)
    criteria = fields.List(fields.Nested(CriterionSchema), validate=validate.Length(
        min=1, max=20, error=_l("Between {min} and {max} review criteria.")))
    # rules (competition.rules)
    cofinancing = fields.Dict(keys=fields.String(validate=_one_of(CATEGORIES)), values=Share())
    priorities = fields.List(Priority(), validate=validate.Length(max=7))
    territories = fields.List(Territory(), validate=validate.Length(max=20))
    required_documents = fields.List(DocumentCode(), validate=validate.Length(max=30))
    require_org_signature = Flag()
    total_threshold = Number(minimum=0, maximum=10_000)
    aggregation = fields.String(validate=_one_of(("mean", "median")))
    spread_threshold = Number(minimum=0, maximum=10_000)
    tie_break = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                            validate=validate.Length(max=20))
    quorum = Share(low_open=True)
    majority = Share()
    appeal_days = Int(0, 365)
    max_excluded_experts = Int(0, 10)
    quotas = fields.Dict(keys=Region(), values=Share(low_open=True))

    @validates_schema
    def unique_criteria(self, data, **_kwargs):
        keys = [c["key"] for c in data.get("criteria") or []]
        if len(keys) != len(set(keys)):
            raise ValidationError(_("Criterion keys must be unique."), "criteria")


RULE_FIELDS = ("cofinancing", "priorities", "territories", "required_documents", "require_org_signature",
               "total_threshold", "aggregation", "spread_threshold", "tie_break", "quorum", "majority",
               "appeal_days", "max_excluded_experts", "quotas")
COLUMN_FIELDS = ("title", "description", "opens_at", "deadline", "review_deadline", "council_date", "budget_kzt",
                 "max_grant_kzt", "max_duration_months", "trl_min", "trl_max", "require_accreditation",
                 "experts_per_application", "min_foreign", "criteria")


def competition_problems(c: dict) -> dict[str, list[str]]:
    """The rules that tie a competition's fields together, on its values as they would be after a change
    (``c`` holds the columns and, flattened, the rules)."""
    problems: dict[str, list[str]] = {}

    def problem(name, message):
        problems.setdefault(name, []).append(message)

    if (c.get("trl_min") or 1) > (c.get("trl_max") or 9):
        problem("trl_min", _("The minimum TRL is above the maximum."))
    if (c.get("min_foreign") or 0) > (c.get("experts_per_application") or 0):
        problem("min_foreign", _("More foreign experts than experts per application."))
    opens, deadline = c.get("opens_at"), c.get("deadline")
    if opens and deadline and opens >= deadline:
        problem("deadline", _("The deadline must come after the opening date."))
    for key, message in (("review_deadline", _("The review deadline must come after the submission deadline.")),
                         ("council_date", _("The council meets after the submission deadline."))):
        if deadline and c.get(key) and c[key] <= deadline:
            problem(key, message)
    if c.get("review_deadline") and c.get("council_date") and c["council_date"] < c["review_deadline"]:
        problem("council_date", _("The council meets after the review deadline."))
    budget, max_grant = c.get("budget_kzt"), c.get("max_grant_kzt")
    if budget and max_grant and max_grant > budget:
        problem("max_grant_kzt", _("The maximum grant is above the competition's budget."))
    criteria = c.get("criteria") or []
    keys = {item.get("key") for item in criteria}
    unknown = [k for k in c.get("tie_break") or [] if k not in keys and k not in TIE_BREAK_EXTRA]
    if unknown:
        problem("tie_break", _("Ties are broken by criteria of this competition (or submitted_at); unknown: "
                               "%(keys)s.", keys=", ".join(unknown)))
    top = sum(float(item.get("max", 0)) for item in criteria)
    if criteria and (c.get("total_threshold") or 0) > top:
        problem("total_threshold", _("The total threshold is above the highest possible total (%(n)s).",
                                     n=f"{top:g}"))
    if sum((c.get("quotas") or {}).values()) > 0 and len(c.get("quotas") or {}) == 1 \
            and next(iter(c["quotas"].values())) >= 1:
        problem("quotas", _("A single region's quota of the whole budget restricts nothing."))
    return problems


# --- application drafts ------------------------------------------------------------------------------------

class TranslationSchema(BaseSchema):
    title = Text(500, load_default="")
    abstract = Text(20000, load_default="")


class Keywords(fields.Field):
    """A list of keywords, or one comma-separated string; at most 20 of at most 80 characters each."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise ValidationError(_("A list of keywords."))
        words = [k.strip() for k in value if k.strip()]
        if len(words) > 20 or any(len(k) > 80 for k in words):
            raise ValidationError(_("At most 20 keywords of at most 80 characters each."))
        return words


class Breakdown(fields.Field):
    """A budget row's breakdown: a note, or amounts per item."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or (isinstance(value, str) and len(value) <= 500):
            return value
        if isinstance(value, dict) and len(value) <= 30:
            money = Money()
            try:
                return {str(k)[:80]: float(money.deserialize(v)) for k, v in value.items()}
            except ValidationError:
                pass
        raise ValidationError(_("A note of at most 500 characters, or amounts per item."))


class BudgetRowSchema(BaseSchema):
    year = Int(2000, 2100, required=True)
    amount = Money(load_default=0)
    breakdown = Breakdown(load_default=None)

    @post_load
    def plain(self, data, **_kwargs):
        data["amount"] = float(data["amount"])
        return data


class PlannedSchema(BaseSchema):
    patents = Int(0, 10_000)
    products = Int(0, 10_000)
    jobs = Int(0, 1_000_000)
    revenue_kzt = Money()
    publications = Int(0, 10_000)

    @post_load
    def plain(self, data, **_kwargs):
        if "revenue_kzt" in data:
            data["revenue_kzt"] = float(data["revenue_kzt"])
        return data


class PatentSchema(BaseSchema):
    number = Text(100, required=True)
    title = Text(500, load_default="")


class EvidenceLevel(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in {str(n) for n in range(1, 10)}:
            raise ValidationError(_("Evidence per level: {\"1\": text, …}."))
        return value


class ApplicationSchema(BaseSchema):
    """A draft's fields; every one optional in a draft (eligibility decides at submission)."""

    version = Int(0, 2**31 - 1, allow_none=True)  # the draft's version seen by the sender (autosave)
    title = Text(500)
    abstract = Text(20000)
    language = fields.String(validate=_one_of(LANGS, _l("One of ru, kk, en.")))
    translations = fields.Dict(keys=fields.String(validate=_one_of(LANGS, _l("One of ru, kk, en."))),
                               values=fields.Nested(TranslationSchema))
    keywords = Keywords()
    priority = Priority(allow_none=True)
    territory = Territory(allow_none=True)
    region = Region(allow_none=True)
    applicant_category = fields.String(validate=_one_of(CATEGORIES, _l("One of scientist, startup, business.")))
    requested_kzt = Money(allow_none=True)
    cofinancing_kzt = Money(allow_none=True)
    cofinancing_source = Text(500)
    duration_months = Int(1, 120, allow_none=True)
    budget_by_year = fields.List(fields.Nested(BudgetRowSchema), validate=validate.Length(max=20))
    planned = fields.Nested(PlannedSchema)
    ip_held = fields.List(fields.Nested(PatentSchema), validate=validate.Length(max=50))
    investor_visible = Flag()
    share_score_band = Flag()
    trl_claimed = Int(1, 9, allow_none=True)
    trl_evidence = fields.Dict(keys=EvidenceLevel(), values=Text(4000))
    excluded_experts = fields.List(Text(200), validate=validate.Length(max=50))

    @post_load
    def normalise(self, data, **_kwargs):
        for key in ("requested_kzt", "cofinancing_kzt"):
            if key in data and data[key] is None:
                data[key] = 0
        if "translations" in data:
            data["translations"] = {k: v for k, v in data["translations"].items()}
        if "excluded_experts" in data:
            data["excluded_experts"] = [v for v in data["excluded_experts"] if v]
        data.pop("version", None)
        return data


competition_schema = CompetitionSchema()
application_schema = ApplicationSchema()
