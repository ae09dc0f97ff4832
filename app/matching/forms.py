"""Forms of the matching pages. They check shape only (known choices, numbers, lengths); every rule (a reason
for "not relevant", TRL and ticket ranges, who may do what) lives in ``services``, whose
``ValidationFailed.fields`` are mapped back onto these fields with ``bind_errors``.

Choice labels depend on the language, so they are filled in ``__init__`` (never at import)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import ClassVar

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.competitions.models import INSTRUMENTS
from app.core.forms import ActionForm, MultiCheckboxField, apply_errors  # noqa: F401  (re-exported)
from app.reference import data, instruments, localized, priorities_by_id, region_choices, territories_by_code

TRL_CHOICES = [(str(level), str(level)) for level in range(1, 10)]
MAX_AMOUNT = Decimal(10) ** 15  # the money columns hold NUMERIC(18, 2)


def parse_amount(text) -> Decimal | None:
    """A sum of money typed by a person: spaces, thin spaces and a decimal comma are allowed."""
    if text is None:
        return None
    cleaned = str(text).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(cleaned) from None
    if not value.is_finite():
        raise ValueError(cleaned)
    return value


def _amount_validator(form, field):
    """The schema's own rule for amounts (app.core.schemas.Money), shown next to the input at once."""
    from marshmallow import ValidationError as SchemaError

    from app.core.schemas import Money
    if not (field.data or "").strip():
        return
    try:
        Money().deserialize(field.data)
    except SchemaError as error:
        raise ValidationError(" ".join(str(m) for m in error.messages)) from None


def _priority_choices() -> list[tuple[int, str]]:
    return [(pid, f"{pid}. {localized(item['name'])}") for pid, item in priorities_by_id().items()]


def _instrument_choices() -> list[tuple[str, str]]:
    refs = instruments()
    return [(code, localized(refs[code]["short"]) if code in refs else code) for code in INSTRUMENTS]


def bind_errors(form, fields: dict, renames: dict | None = None) -> None:
    """Attach a service's field errors, renaming service keys to form fields where they differ."""
    renames = renames or {}
    apply_errors(form, {renames.get(name, name): messages for name, messages in (fields or {}).items()})


# --- the investor's feed ---------------------------------------------------------------------------------

class FeedFilterForm(FlaskForm):
    """GET filters of the feed. An invalid value gets a field error and is ignored."""

    class Meta:
        csrf = False

    trl_min = SelectField(_l("TRL from"), validators=[Optional()])
    trl_max = SelectField(_l("TRL up to"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()])
    priority = SelectField(_l("Priority direction"), validators=[Optional()])
    max_ask = StringField(_l("Ask up to, ₸"), validators=[Optional(), Length(max=30), _amount_validator])
    instrument = SelectField(_l("Funding instrument"), validators=[Optional()])
    winners = BooleanField(_l("Grant winners only"))

    KEYS = ("trl_min", "trl_max", "region", "priority", "max_ask", "instrument", "winners")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _l("any"))]
        self.trl_min.choices = anything + TRL_CHOICES
        self.trl_max.choices = anything + TRL_CHOICES
        self.region.choices = [("", _l("all regions"))] + region_choices()
        self.priority.choices = [("", _l("all directions"))] + [(str(k), v) for k, v in _priority_choices()]
        self.instrument.choices = [("", _l("all instruments"))] + _instrument_choices()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        low, high = self.trl_min.data, self.trl_max.data
        if ok and low and high and int(low) > int(high):
            self.trl_max.errors = [*self.trl_max.errors, _l("The upper TRL is below the lower one.")]
            ok = False
        return ok

    def filters(self) -> dict:
        """The valid filters only, in the shape ``services.investor_matches`` takes."""
        result: dict = {}
        for name in ("trl_min", "trl_max", "priority"):
            field = getattr(self, name)
            if field.data and not field.errors:
                result[name] = int(field.data)
        for name in ("region", "instrument"):
            field = getattr(self, name)
            if field.data and not field.errors:
                result[name] = field.data
        if self.max_ask.data and not self.max_ask.errors:
            result["max_ask"] = parse_amount(self.max_ask.data)
        if self.winners.data and not self.winners.errors:
            result["winners"] = True
        return result

    def query_args(self) -> dict:
        """The filters as they were typed, to keep them in the links and forms of the page."""
        args = {}
        for name in self.KEYS:
            value = getattr(self, name).raw_data
            if value and value[0] not in ("", None):
                args[name] = value[0]
        return args

    @property
    def active(self) -> bool:
        return bool(self.filters())


class DismissForm(FlaskForm):
    reason = TextAreaField(_l("Why is it not relevant?"), validators=[Length(max=2000)],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("Not relevant"))


class IntroductionForm(FlaskForm):
    message = TextAreaField(_l("Message to the project leader"), validators=[Length(max=4000)],
                            render_kw={"rows": 4})
    submit = SubmitField(_l("Request an introduction"))


class CommitmentForm(FlaskForm):
    amount_kzt = StringField(_l("Amount committed, ₸"), validators=[InputRequired(), Length(max=30),
                                                                   _amount_validator],
                             render_kw={"inputmode": "decimal", "autocomplete": "off"})
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2020, max=2040)],
                        render_kw={"inputmode": "numeric"})
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Record the commitment"))

    def payload(self) -> dict:
        return {"amount": self.amount_kzt.data or None, "year": self.year.data,
                "note": self.note.data or ""}


# --- the project leader's answer -------------------------------------------------------------------------

class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your answer to the investor"), validators=[Length(max=4000)],
                           render_kw={"rows": 3})
    require_nda = BooleanField(_l("The investor must accept a non-disclosure agreement first"))
    accept = SubmitField(_l("Accept the introduction"))
    decline = SubmitField(_l("Decline"))


# --- investor profiles ------------------------------------------------------------------------------------

class ProfileForm(FlaskForm):
    name = StringField(_l("Name of the investor or fund"), validators=[InputRequired(), Length(max=200)])
    type = SelectField(_l("Type"))
    thesis_ru = TextAreaField(_l("Investment thesis in Russian"), validators=[Length(max=4000)],
                              render_kw={"rows": 4, "lang": "ru"})
    thesis_kk = TextAreaField(_l("Investment thesis in Kazakh"), validators=[Length(max=4000)],
                              render_kw={"rows": 4, "lang": "kk"})
    thesis_en = TextAreaField(_l("Investment thesis in English"), validators=[Length(max=4000)],
                              render_kw={"rows": 4, "lang": "en"})
    sectors = StringField(_l("Sectors, separated by commas"), validators=[Length(max=2000)])
    priorities = MultiCheckboxField(_l("Priority directions"), coerce=int)
    trl_min = SelectField(_l("Lowest TRL"), validators=[Optional()])
    trl_max = SelectField(_l("Highest TRL"), validators=[Optional()])
    ticket_min_kzt = StringField(_l("Smallest ticket, ₸"),
                                 validators=[Optional(), Length(max=30), _amount_validator],
                                 render_kw={"inputmode": "decimal"})
    ticket_max_kzt = StringField(_l("Largest ticket, ₸"),
                                 validators=[Optional(), Length(max=30), _amount_validator],
                                 render_kw={"inputmode": "decimal"})
    regions = MultiCheckboxField(_l("Regions (none ticked: all regions)"))
    territories = MultiCheckboxField(_l("Science-intensive territories"))
    stage = SelectField(_l("Stage"), validators=[Optional()])
    portfolio = TextAreaField(_l("Past investments, one per line"), validators=[Length(max=50_000)],
                              render_kw={"rows": 6})
    requires_nda = BooleanField(_l("I require a non-disclosure agreement before seeing a full application"))
    submit = SubmitField(_l("Save the profile"))

    # Service field names that differ from ours.
    RENAMES: ClassVar[dict[str, str]] = {"thesis": "thesis_ru"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = [(t["code"], localized(t["name"])) for t in data.INVESTOR_TYPES]
        self.trl_min.choices = [("", _l("not set"))] + TRL_CHOICES
        self.trl_max.choices = [("", _l("not set"))] + TRL_CHOICES
        self.priorities.choices = _priority_choices()
        self.regions.choices = region_choices()
        self.territories.choices = [(code, localized(t["name"])) for code, t in territories_by_code().items()]
        self.stage.choices = [("", _l("any stage")),
                              *[(s["code"], localized(s["name"])) for s in data.STAGES]]

    @staticmethod
    def initial(profile) -> dict:
        thesis = profile.thesis or {}

        def amount(value):
            if value is None:
                return ""
            return format(value.normalize() if value == value.to_integral() else value, "f")

        return {
            "name": profile.name, "type": profile.type, "thesis_ru": thesis.get("ru", ""),
            "thesis_kk": thesis.get("kk", ""), "thesis_en": thesis.get("en", ""),
            "sectors": ", ".join(profile.sectors or []), "priorities": list(profile.priorities or []),
            "trl_min": str(profile.trl_min or ""), "trl_max": str(profile.trl_max or ""),
            "ticket_min_kzt": amount(profile.ticket_min_kzt),
            "ticket_max_kzt": amount(profile.ticket_max_kzt),
            "regions": list(profile.regions or []), "territories": list(profile.territories or []),
            "stage": profile.stage or "", "portfolio": "\n".join(profile.portfolio or []),
            "requires_nda": bool(profile.requires_nda),
        }

    def payload(self) -> dict:
        return {
            "name": self.name.data or "", "type": self.type.data,
            "thesis": {"ru": self.thesis_ru.data or "", "kk": self.thesis_kk.data or "",
                       "en": self.thesis_en.data or ""},
            "sectors": self.sectors.data or "", "priorities": list(self.priorities.data or []),
            "trl_min": self.trl_min.data or None, "trl_max": self.trl_max.data or None,
            "ticket_min_kzt": self.ticket_min_kzt.data or None,
            "ticket_max_kzt": self.ticket_max_kzt.data or None,
            "regions": list(self.regions.data or []), "territories": list(self.territories.data or []),
            "stage": self.stage.data or None, "portfolio": self.portfolio.data or "",
            "requires_nda": bool(self.requires_nda.data),
        }


class NewInvestorForm(ProfileForm):
    email = EmailField(_l("E-mail of the investor's account"),
                       validators=[InputRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Create the investor"))

    def payload(self) -> dict:
        return {"email": self.email.data, **super().payload()}
