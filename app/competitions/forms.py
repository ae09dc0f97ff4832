"""Forms of the competitions pages. They check shape only (types, lengths, known choices); every rule of a
competition lives in the services, whose ``ValidationFailed.fields`` are mapped back with ``bind_errors``.

Each form converts itself to the plain dict the services (and the JSON API) take: ``payload()``; and
``initial_*`` helpers turn a model back into form data for a GET.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, StopValidation

from app.competitions.models import (
    ARCHIVED,
    CATEGORIES,
    CLOSED,
    COMPETITION_STATES,
    COUNCIL,
    DRAFT,
    INSTRUMENTS,
    LANGS,
    OPEN,
    PUBLISHED,
    RESULTS,
    REVIEW,
)
from app.core import time as clock
from app.core.forms import ActionForm, MultiCheckboxField, apply_errors  # noqa: F401  (re-exported)
from app.reference import (
    data,
    instruments,
    localized,
    priorities_by_id,
    region_choices,
    territories_by_code,
    trl_levels,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
LANGUAGE_LABELS = {"ru": _l("Russian"), "kk": _l("Kazakh"), "en": _l("English")}
COMPETITION_STATUS_LABELS = {
    DRAFT: _l("Draft"),
    PUBLISHED: _l("Published"),
    OPEN: _l("Open"),
    CLOSED: _l("Closed"),
    REVIEW: _l("Expert review"),
    COUNCIL: _l("Council"),
    RESULTS: _l("Results"),
    ARCHIVED: _l("Archived"),
}
# The action that moves a competition into a state (buttons on the details page).
TRANSITION_LABELS = {
    DRAFT: _l("Back to draft"),
    PUBLISHED: _l("Publish"),
    OPEN: _l("Open for applications"),
    CLOSED: _l("Close"),
    REVIEW: _l("Start expert review"),
    COUNCIL: _l("Send to the council"),
    RESULTS: _l("Publish results"),
    ARCHIVED: _l("Archive"),
}
APPLICATION_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "withdrawn": _l("Withdrawn"),
    "rejected": _l("Rejected at the formal check"),
    "admitted": _l("Admitted to review"),
    "funded": _l("Funded"),
    "not_funded": _l("Not funded"),
    "reserve": _l("Reserve list"),
}
MEMBER_STATUS_LABELS = {"invited": _l("Invited"), "confirmed": _l("Confirmed"), "declined": _l("Declined")}
CATEGORY_LABELS = {c["code"]: c["name"] for c in data.APPLICANT_CATEGORIES}
PLANNED_KEYS = ("patents", "products", "jobs", "revenue_kzt", "publications")
# The formal check's checklist: key -> label, and which eligibility problems speak against the item.
FORMAL_CHECKLIST = (
    ("documents_complete", _l("All required documents are attached and readable"), ("documents",)),
    (
        "organisation_eligible",
        _l("The organisation is eligible (accreditation, signature)"),
        ("organisation", "signature", "leader"),
    ),
    (
        "scope",
        _l("The project fits the call (priority, territory, region)"),
        ("priority", "territory", "region"),
    ),
    (
        "budget_within_limits",
        _l("Budget, co-financing and duration are within the limits"),
        ("requested_kzt", "cofinancing_kzt", "duration_months"),
    ),
    (
        "trl_evidence_present",
        _l("The claimed TRL is in range and its evidence is present"),
        ("trl_claimed", "trl_evidence"),
    ),
    ("team_confirmed", _l("Every team member has confirmed participation"), ("team",)),
    ("content_complete", _l("Title, abstract and keywords are complete"), ("title", "abstract", "keywords")),
)


MAX_AMOUNT = Decimal(10) ** 15  # far above any budget, well inside the Numeric(18, 2) columns


class Finite:
    """A number that is finite and of a sane size (NaN, infinities and 1e999999 parse as numbers)."""

    def __call__(self, form, field):
        if field.data is None:
            return
        try:
            value = Decimal(str(field.data))
            ok = value.is_finite() and abs(value) <= MAX_AMOUNT
        except (ArithmeticError, ValueError):
            ok = False
        if not ok:
            raise StopValidation(_l("Enter a number."))


def int_or_none(value):
    if value is None or value == "" or value == "None":
        return None
    return int(value)


def str_or_none(value):
    return value or None


def _number(value):
    """A Decimal from a form as the services' JSON-like number (int when whole)."""
    if value is None:
        return None
    value = Decimal(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)  # NaN or Infinity: left for the schema to refuse by name
    return int(value) if value == value.to_integral_value() else float(value)


def _money_value(value):
    """A stored amount for an input: 350000000 instead of 350000000.00."""
    if value is None:
        return None
    value = Decimal(str(value))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _percent(value):
    if value is None:
        return None
    percent = round(float(value) * 100, 4)
    return int(percent) if percent.is_integer() else percent


def _local_naive(value: datetime | None) -> datetime | None:
    """An aware instant as the naive Asia/Almaty wall time a datetime-local input shows."""
    return clock.to_local(value).replace(tzinfo=None) if value else None


def _seconds(value: datetime | None) -> datetime | None:
    return value.replace(microsecond=0) if value else None


def _iso_local(value: datetime | None) -> str | None:
    """A naive datetime-local value as ISO without offset: the services read it as Asia/Almaty time."""
    return value.replace(tzinfo=None).isoformat() if value else None


def bind_errors(form, fields: dict, aliases: dict | None = None) -> None:
    """Map a service's per-field errors onto the form. ``aliases`` rename service keys to form fields;
    names listed in ``form.GROUPS`` (sections such as the team or the attachments, which are not a single
    input) are kept in ``form.group_errors`` for the template to show beside that section."""
    groups = getattr(form, "GROUPS", ())
    form.group_errors = dict(getattr(form, "group_errors", {}) or {})
    rest: dict[str, list] = {}
    for name, messages in (fields or {}).items():
        name = (aliases or {}).get(name, name)
        if name in groups:
            form.group_errors.setdefault(name, []).extend(messages)
        else:
            rest.setdefault(name, []).extend(messages)
    apply_errors(form, rest)


# --- competitions ----------------------------------------------------------------------------------------


class CompetitionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    instrument = SelectField(_l("Instrument"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Any status"))] + [
            (s, COMPETITION_STATUS_LABELS[s]) for s in COMPETITION_STATES
        ]
        self.instrument.choices = [("", _l("Any instrument"))] + [
            (code, instrument_label(code)) for code in INSTRUMENTS
        ]


def instrument_label(code: str, short: bool = True) -> str:
    item = instruments().get(code)
    if not item:
        return code
    return localized(item["short" if short else "name"])


class CriterionForm(Form):
    key = StringField(_l("Key"), validators=[Optional(), Length(max=40)])
    name_ru = StringField(_l("Name (Russian)"), validators=[Optional(), Length(max=200)])
    name_kk = StringField(_l("Name (Kazakh)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    weight = FloatField(_l("Weight"), validators=[Optional(), Finite()])
    min = FloatField(_l("Min"), validators=[Optional(), Finite()])
    max = FloatField(_l("Max"), validators=[Optional(), Finite()])
    step = FloatField(_l("Step"), validators=[Optional(), Finite()])
    threshold = FloatField(_l("Threshold"), validators=[Optional(), Finite()])
    remove = BooleanField(_l("Remove"))

    def is_blank(self) -> bool:
        return not (self.key.data or "").strip() and not any(
            (f.data or "").strip() for f in (self.name_ru, self.name_kk, self.name_en)
        )


class CompetitionForm(FlaskForm):
    """Every rule of a competition. On creation it is prefilled from the instrument's template."""

    instrument = HiddenField()
    region = SelectField(_l("Region"), coerce=str_or_none, validators=[Optional()])
    title_ru = StringField(_l("Title (Russian)"), validators=[Optional(), Length(max=500)])
    title_kk = StringField(_l("Title (Kazakh)"), validators=[Optional(), Length(max=500)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=500)])
    description_ru = TextAreaField(_l("Description (Russian)"), validators=[Optional(), Length(max=20000)])
    description_kk = TextAreaField(_l("Description (Kazakh)"), validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=20000)])
    opens_at = DateTimeLocalField(
        _l("Opens"), format=DATETIME_FORMATS, validators=[Optional()], render_kw={"step": "1"}
    )
    deadline = DateTimeLocalField(
        _l("Deadline"), format=DATETIME_FORMATS, validators=[Optional()], render_kw={"step": "1"}
    )
    review_deadline = DateTimeLocalField(
        _l("Review ends"), format=DATETIME_FORMATS, validators=[Optional()], render_kw={"step": "1"}
    )
    council_date = DateTimeLocalField(
        _l("Council meeting"), format=DATETIME_FORMATS, validators=[Optional()], render_kw={"step": "1"}
    )
    budget_kzt = DecimalField(
        _l("Total budget, KZT"),
        places=None,
        validators=[Optional(), Finite()],
        render_kw={"min": "0", "step": "any", "inputmode": "decimal"},
    )
    max_grant_kzt = DecimalField(
        _l("Maximum grant, KZT"),
        places=None,
        validators=[Optional(), Finite()],
        render_kw={"min": "1", "step": "any", "inputmode": "decimal"},
    )
    max_duration_months = IntegerField(
        _l("Maximum duration, months"), validators=[Optional()], render_kw={"min": "1", "max": "120"}
    )
    trl_min = SelectField(_l("Lowest eligible TRL"), coerce=int)
    trl_max = SelectField(_l("Highest eligible TRL"), coerce=int)
    cofinancing_scientist = DecimalField(
        _l("Scientists, %"),
        places=None,
        validators=[Optional(), Finite()],
        render_kw={"min": "0", "max": "100", "step": "any"},
    )
    cofinancing_startup = DecimalField(
        _l("New startups, %"),
        places=None,
        validators=[Optional(), Finite()],
        render_kw={"min": "0", "max": "100", "step": "any"},
    )
    cofinancing_business = DecimalField(
        _l("Business, %"),
        places=None,
        validators=[Optional(), Finite()],
        render_kw={"min": "0", "max": "100", "step": "any"},
    )
    priorities = MultiCheckboxField(_l("Eligible priority directions"), coerce=int, validate_choice=True)
    territories = MultiCheckboxField(_l("Eligible science-intensive territories"))
    required_documents = MultiCheckboxField(_l("Required documents"))
    require_accreditation = BooleanField(_l("Only accredited organisations may apply"))
    require_org_signature = BooleanField(_l("The organisation head must sign each application"))
    experts_per_application = IntegerField(
        _l("Experts per application"), validators=[Optional()], render_kw={"min": "1", "max": "10"}
    )
    min_foreign = IntegerField(
        _l("Of them foreign, at least"), validators=[Optional()], render_kw={"min": "0", "max": "10"}
    )
    max_excluded_experts = IntegerField(
        _l("People an applicant may exclude as reviewers"),
        validators=[Optional()],
        render_kw={"min": "0", "max": "10"},
    )
    criteria = FieldList(FormField(CriterionForm), min_entries=0)
    total_threshold = FloatField(
        _l("Total score threshold"), validators=[Optional(), Finite()], render_kw={"min": "0"}
    )
    aggregation = SelectField(
        _l("Aggregation of expert scores"), choices=[("mean", _l("Mean")), ("median", _l("Median"))]
    )
    spread_threshold = FloatField(
        _l("Disagreement spread that triggers an extra expert"),
        validators=[Optional(), Finite()],
        render_kw={"min": "0"},
    )
    tie_break = StringField(_l("Tie-break order"), validators=[Optional(), Length(max=300)])
    quorum = DecimalField(
        _l("Council quorum (percent of members)"),
        places=None,
        validators=[Optional(), Finite()],
        render_kw={"min": "0", "max": "100", "step": "any"},
    )
    majority = DecimalField(
        _l("Majority needed (percent of votes cast, strictly more than)"),
        places=None,
        validators=[Optional(), Finite()],
        render_kw={"min": "0", "max": "100", "step": "any"},
    )
    appeal_days = IntegerField(_l("Days to appeal"), validators=[Optional()], render_kw={"min": "0"})
    submit = SubmitField(_l("Save"))

    GROUPS = ("criteria", "cofinancing")
    ALIASES = {"title": "title_ru", "description": "description_ru"}
    # Only these may change once the competition is open (services.update_competition).
    OPEN_FIELDS = ("deadline", "review_deadline", "council_date", "description")

    def __init__(self, *args, regions: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        levels = trl_levels()
        trl_choices = [(n, f"TRL {n} — {localized(levels[n]['title'])}") for n in sorted(levels)]
        self.trl_min.choices = trl_choices
        self.trl_max.choices = trl_choices
        self.priorities.choices = [
            (pid, f"{pid}. {localized(p['name'])}") for pid, p in sorted(priorities_by_id().items())
        ]
        self.territories.choices = [(code, localized(t["name"])) for code, t in territories_by_code().items()]
        self.required_documents.choices = [(d["code"], localized(d["name"])) for d in data.DOCUMENT_TYPES]
        if regions is None:  # editing: the region is fixed at creation
            del self.region
        else:
            self.region.choices = regions

    def add_blank_criterion(self) -> None:
        if not self.criteria.entries or not self.criteria.entries[-1].form.is_blank():
            self.criteria.append_entry()

    def payload(self, only: tuple | None = None) -> dict:
        """The dict of services.create_competition / update_competition (shaped like the API's)."""
        d = self.data
        body = {
            "title": {
                lang: d[f"title_{lang}"].strip() for lang in LANGS if (d[f"title_{lang}"] or "").strip()
            },
            "description": {
                lang: d[f"description_{lang}"] for lang in LANGS if (d[f"description_{lang}"] or "").strip()
            },
            "opens_at": _iso_local(d["opens_at"]),
            "deadline": _iso_local(d["deadline"]),
            "review_deadline": _iso_local(d["review_deadline"]),
            "council_date": _iso_local(d["council_date"]),
            "budget_kzt": _number(d["budget_kzt"]),
            "max_grant_kzt": _number(d["max_grant_kzt"]),
            "max_duration_months": d["max_duration_months"],
            "trl_min": d["trl_min"],
            "trl_max": d["trl_max"],
            "require_accreditation": bool(d["require_accreditation"]),
            "require_org_signature": bool(d["require_org_signature"]),
            "priorities": list(d["priorities"] or []),
            "territories": list(d["territories"] or []),
            "required_documents": list(d["required_documents"] or []),
            "aggregation": d["aggregation"],
            "tie_break": [k.strip() for k in (d["tie_break"] or "").split(",") if k.strip()],
            "criteria": self.criteria_payload(),
        }
        cofinancing = {
            cat: float(d[f"cofinancing_{cat}"]) / 100
            for cat in CATEGORIES
            if d[f"cofinancing_{cat}"] is not None
        }
        if cofinancing:
            body["cofinancing"] = cofinancing
        for key in ("experts_per_application", "min_foreign", "max_excluded_experts", "appeal_days"):
            if d[key] is not None:
                body[key] = d[key]
        for key in ("total_threshold", "spread_threshold"):
            if d[key] is not None:
                body[key] = float(d[key])
        for key in ("quorum", "majority"):
            if d[key] is not None:
                body[key] = float(d[key]) / 100
        if only is not None:
            body = {k: v for k, v in body.items() if k in only}
        return body

    def payload_for_open(self, competition) -> dict:
        """Once open, only key dates (the deadline only later) and the description may change: send the dates
        that actually changed, compared to the second as the input shows them."""
        body = self.payload(only=self.OPEN_FIELDS)
        for key in ("deadline", "review_deadline", "council_date"):
            shown = _local_naive(getattr(competition, key))
            if shown is not None and getattr(self, key).data == shown.replace(microsecond=0):
                body.pop(key, None)
        return body

    def criteria_payload(self) -> list[dict]:
        rows = []
        for entry in self.criteria.entries:
            row = entry.form
            if row.remove.data or row.is_blank():
                continue
            names = {
                lang: getattr(row, f"name_{lang}").data.strip()
                for lang in LANGS
                if (getattr(row, f"name_{lang}").data or "").strip()
            }
            key = (row.key.data or "").strip() or re.sub(r"\W+", "_", next(iter(names.values()), "")).lower()
            item = {"key": key, "name": names or {"ru": key}}
            for attr, default in (("weight", 1.0), ("min", 0.0), ("max", 5.0), ("step", 0.5)):
                value = getattr(row, attr).data
                item[attr] = default if value is None else value
            threshold = row.threshold.data
            item["threshold"] = item["min"] if threshold is None else threshold
            rows.append(item)
        return rows

    def apply_service_errors(self, fields: dict) -> None:
        bind_errors(self, fields, {**self.ALIASES, "instrument": "_form"})


def competition_initial(source, instrument: str | None = None, region: str | None = None) -> dict:
    """Form data from a Competition, or from ``services.template(instrument)`` (a dict) for a new one."""
    if isinstance(source, dict):  # an instrument's template
        rules, criteria, get = source["rules"], source["criteria"], source.get
        title, description = {}, {}
        dates = {}
        budget = None
    else:
        c = source
        rules, criteria = c.rules or {}, c.criteria or []
        get = lambda key, default=None: getattr(c, key, default)  # noqa: E731
        title, description = c.title or {}, c.description or {}
        dates = {
            k: _seconds(_local_naive(getattr(c, k)))
            for k in ("opens_at", "deadline", "review_deadline", "council_date")
        }
        budget = _money_value(c.budget_kzt)
        region = c.region_code
        instrument = c.instrument
    cofinancing = rules.get("cofinancing") or {}
    initial = {
        "instrument": instrument,
        "region": region or "",
        **{f"title_{lang}": title.get(lang, "") for lang in LANGS},
        **{f"description_{lang}": description.get(lang, "") for lang in LANGS},
        **dates,
        "budget_kzt": budget,
        "max_grant_kzt": _money_value(get("max_grant_kzt")),
        "max_duration_months": get("max_duration_months"),
        "trl_min": get("trl_min") or 1,
        "trl_max": get("trl_max") or 9,
        "require_accreditation": bool(get("require_accreditation")),
        "require_org_signature": bool(rules.get("require_org_signature", True)),
        "experts_per_application": get("experts_per_application"),
        "min_foreign": get("min_foreign"),
        "max_excluded_experts": rules.get("max_excluded_experts"),
        "priorities": list(rules.get("priorities") or []),
        "territories": list(rules.get("territories") or []),
        "required_documents": list(rules.get("required_documents") or []),
        "total_threshold": rules.get("total_threshold"),
        "aggregation": rules.get("aggregation", "mean"),
        "spread_threshold": rules.get("spread_threshold"),
        "tie_break": ", ".join(rules.get("tie_break") or []),
        "quorum": _percent(rules.get("quorum")),
        "majority": _percent(rules.get("majority")),
        "appeal_days": rules.get("appeal_days"),
        "criteria": [
            {
                "key": k.get("key", ""),
                "weight": k.get("weight"),
                "min": k.get("min"),
                "max": k.get("max"),
                "step": k.get("step"),
                "threshold": k.get("threshold"),
                **{
                    f"name_{lang}": (k.get("name") or {}).get(lang, "")
                    if isinstance(k.get("name"), dict)
                    else (k.get("name") or "")
                    for lang in LANGS
                },
            }
            for k in criteria
        ],
    }
    for cat in CATEGORIES:
        initial[f"cofinancing_{cat}"] = _percent(cofinancing.get(cat))
    return initial


class TransitionForm(FlaskForm):
    to = HiddenField(validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason (required to close before the deadline)"), validators=[Optional(), Length(max=2000)]
    )


# --- applications ----------------------------------------------------------------------------------------


def _language_choices():
    return [(lang, LANGUAGE_LABELS[lang]) for lang in LANGS]


class NewApplicationForm(FlaskForm):
    language = SelectField(_l("Main language of the application"), validators=[InputRequired()])
    title = StringField(_l("Project title"), validators=[InputRequired(), Length(max=500)])
    applicant_category = SelectField(_l("Applicant category"), validators=[InputRequired()])
    submit = SubmitField(_l("Create the draft"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()
        self.applicant_category.choices = [(code, localized(name)) for code, name in CATEGORY_LABELS.items()]

    def payload(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "language": self.language.data,
            "applicant_category": self.applicant_category.data,
        }


class BudgetRowForm(Form):
    year = IntegerField(
        _l("Year"),
        validators=[Optional()],
        render_kw={"min": "2000", "max": "2100"},
    )
    amount = DecimalField(
        _l("Amount, KZT"),
        places=None,
        validators=[Optional()],
        render_kw={"min": "0", "step": "any", "inputmode": "decimal"},
    )
    breakdown = StringField(_l("Main costs"), validators=[Optional()])


class ApplicationForm(FlaskForm):
    """The whole draft. Saved as you go (autosave) and with the "Save draft" button. The form renders and
    reads the inputs; what is valid is decided once, by ``ApplicationSchema`` (its errors come back to the
    inputs through ``field_name``)."""

    version = HiddenField(validators=[Optional()])
    language = SelectField(_l("Main language"))
    title = StringField(_l("Project title"), validators=[Optional()])
    abstract = TextAreaField(_l("Abstract"), validators=[Optional()])
    title_ru = StringField(_l("Title in Russian"), validators=[Optional()])
    abstract_ru = TextAreaField(_l("Abstract in Russian"), validators=[Optional()])
    title_kk = StringField(_l("Title in Kazakh"), validators=[Optional()])
    abstract_kk = TextAreaField(_l("Abstract in Kazakh"), validators=[Optional()])
    title_en = StringField(_l("Title in English"), validators=[Optional()])
    abstract_en = TextAreaField(_l("Abstract in English"), validators=[Optional()])
    keywords = StringField(_l("Keywords"), validators=[Optional()])
    priority = SelectField(_l("Priority direction"), coerce=int_or_none, validators=[Optional()])
    territory = SelectField(_l("Science-intensive territory"), coerce=str_or_none, validators=[Optional()])
    region = SelectField(_l("Region of the project"), coerce=str_or_none, validators=[Optional()])
    applicant_category = SelectField(_l("Applicant category"))
    requested_kzt = DecimalField(
        _l("Requested grant, KZT"),
        places=None,
        validators=[Optional()],
        render_kw={"min": "0", "step": "any", "inputmode": "decimal"},
    )
    budget_rows = FieldList(FormField(BudgetRowForm), min_entries=0)
    cofinancing_kzt = DecimalField(
        _l("Co-financing, KZT"),
        places=None,
        validators=[Optional()],
        render_kw={"min": "0", "step": "any", "inputmode": "decimal"},
    )
    cofinancing_source = StringField(_l("Source of co-financing"), validators=[Optional()])
    duration_months = IntegerField(
        _l("Duration, months"), validators=[Optional()], render_kw={"min": "1", "max": "120"}
    )
    planned_patents = IntegerField(
        _l("Patents"), validators=[Optional()], render_kw={"min": "0"}
    )
    planned_products = IntegerField(
        _l("Products or technologies"), validators=[Optional()], render_kw={"min": "0"}
    )
    planned_jobs = IntegerField(
        _l("Jobs created"), validators=[Optional()], render_kw={"min": "0"}
    )
    planned_revenue_kzt = DecimalField(
        _l("Revenue, KZT"),
        places=None,
        validators=[Optional()],
        render_kw={"min": "0", "step": "any", "inputmode": "decimal"},
    )
    planned_publications = IntegerField(
        _l("Publications"), validators=[Optional()], render_kw={"min": "0"}
    )
    ip_held = TextAreaField(
        _l("Intellectual property already held"), validators=[Optional()]
    )
    investor_visible = BooleanField(_l("Investors may see a summary of this project"))
    share_score_band = BooleanField(_l("Show investors the band of my expert score"))
    excluded_experts = TextAreaField(
        _l("People who must not review this application"), validators=[Optional()]
    )
    trl_claimed = SelectField(
        _l("Technology readiness level (TRL) claimed"), coerce=int_or_none, validators=[Optional()]
    )
    save = SubmitField(_l("Save draft"))
    submit_application = SubmitField(_l("Submit the application"))

    # Service problem keys that are sections of the page rather than one input.
    GROUPS = (
        "trl_evidence",
        "budget_by_year",
        "planned",
        "translations",
        "documents",
        "team",
        "organisation",
        "signature",
        "leader",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()
        self.priority.choices = [("", _l("— choose —"))] + [
            (pid, f"{pid}. {localized(p['name'])}") for pid, p in sorted(priorities_by_id().items())
        ]
        self.territory.choices = [("", _l("None"))] + [
            (code, localized(t["name"])) for code, t in territories_by_code().items()
        ]
        self.region.choices = [("", _l("— choose —"))] + region_choices()
        self.applicant_category.choices = [(code, localized(name)) for code, name in CATEGORY_LABELS.items()]
        levels = trl_levels()
        self.trl_claimed.choices = [("", _l("— choose —"))] + [
            (n, f"TRL {n} — {localized(levels[n]['title'])}") for n in sorted(levels)
        ]

    def evidence_fields(self):
        return [(level, getattr(self, f"evidence_{level}")) for level in range(1, 10)]

    def add_blank_rows(self, minimum: int = 3) -> None:
        while len(self.budget_rows.entries) < minimum:
            self.budget_rows.append_entry()
        last = self.budget_rows.entries[-1].form
        if last.year.data is not None or last.amount.data is not None:
            self.budget_rows.append_entry()

    @property
    def version_number(self) -> int | None:
        try:
            number = int(self.version.data) if self.version.data not in (None, "") else None
        except (TypeError, ValueError):
            return None
        return number if number is not None and 0 <= number < 2**31 else None

    def payload(self) -> dict:
        d = self.data
        language = d["language"]
        translations = {}
        for lang in LANGS:
            title, abstract = (d[f"title_{lang}"] or "").strip(), (d[f"abstract_{lang}"] or "").strip()
            if lang != language and (title or abstract):
                translations[lang] = {"title": title, "abstract": abstract}
        budget = [
            {"year": row["year"], "amount": _number(row["amount"]) or 0, "breakdown": row["breakdown"] or ""}
            for row in d["budget_rows"]
            if row["year"] is not None
        ]
        planned = {}
        for key in PLANNED_KEYS:
            value = d[f"planned_{key}"]
            if value is not None:
                planned[key] = _number(value)
        return {
            "language": language,
            "title": d["title"] or "",
            "abstract": d["abstract"] or "",
            "translations": translations,
            "keywords": [k.strip() for k in (d["keywords"] or "").split(",") if k.strip()],
            "priority": d["priority"],
            "territory": d["territory"],
            "region": d["region"],
            "applicant_category": d["applicant_category"],
            "requested_kzt": _number(d["requested_kzt"]),
            "budget_by_year": budget,
            "cofinancing_kzt": _number(d["cofinancing_kzt"]),
            "cofinancing_source": d["cofinancing_source"] or "",
            "duration_months": d["duration_months"],
            "planned": planned,
            "ip_held": parse_ip_lines(d["ip_held"]),
            "investor_visible": bool(d["investor_visible"]),
            "share_score_band": bool(d["share_score_band"]),
            "excluded_experts": [
                line.strip() for line in (d["excluded_experts"] or "").splitlines() if line.strip()
            ],
            "trl_claimed": d["trl_claimed"],
            "trl_evidence": {str(level): (d[f"evidence_{level}"] or "") for level in range(1, 10)},
        }

    def apply_service_errors(self, fields: dict) -> None:
        bind_errors(self, self.field_errors(fields))

    @staticmethod
    def field_name(key: str) -> str:
        """The input that shows a service error: ``planned.patents`` → ``planned_patents``,
        ``budget_by_year.0.amount`` → ``budget_rows-0-amount``, ``translations.kk.title`` → ``title_kk``."""
        parts = key.split(".")
        if parts[0] == "planned" and len(parts) > 1:
            return f"planned_{parts[1]}"
        if parts[0] == "budget_by_year" and len(parts) > 2:
            return f"budget_rows-{parts[1]}-{parts[2]}"
        if parts[0] == "translations" and len(parts) > 2:
            return f"{parts[2]}_{parts[1]}"
        if parts[0] == "trl_evidence" and len(parts) > 1 and parts[1].isdigit():
            return f"evidence_{parts[1]}"
        return parts[0] if parts[0] in ("ip_held", "excluded_experts", "keywords", "translations",
                                        "budget_by_year", "trl_evidence") else key

    def field_errors(self, fields: dict) -> dict[str, list[str]]:
        named: dict[str, list[str]] = {}
        for key, messages in (fields or {}).items():
            named.setdefault(self.field_name(key), []).extend(messages)
        return named

    def autosave_payload(self) -> tuple[dict, dict[str, list[str]]]:
        """The payload of what the browser sent, without the inputs it could not even read as their type
        (a letter in a number: they keep their stored value), and those inputs' errors."""
        body = self.payload()
        unreadable: dict[str, list[str]] = {}
        for field in self:
            for sub in getattr(field, "entries", None) or [field]:
                inner = getattr(sub, "form", None)
                for item in (list(inner) if inner is not None else [sub]):
                    typed = any(str(v).strip() for v in (item.raw_data or []))
                    if item.process_errors and typed:
                        unreadable[item.name] = [str(e) for e in item.process_errors]
        for name in unreadable:
            if name.startswith("planned_"):
                body["planned"].pop(name[len("planned_"):], None)
            elif name.startswith("budget_rows-"):
                body.pop("budget_by_year", None)
            else:
                body.pop(name, None)
        return body, unreadable


for _level in range(1, 10):
    setattr(
        ApplicationForm,
        f"evidence_{_level}",
        TextAreaField(_l("Your evidence for TRL %(n)s", n=_level), validators=[Optional()]),
    )


_IP_SPLIT = re.compile(r"\s+[—–-]\s+|\s*[—–]\s*")


def parse_ip_lines(text: str | None) -> list[dict]:
    """Lines "number — title" as [{"number", "title"}]."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = _IP_SPLIT.split(line, maxsplit=1)
        items.append(
            {"number": parts[0].strip()[:100], "title": (parts[1].strip() if len(parts) > 1 else "")[:500]}
        )
    return items


def application_initial(a) -> dict:
    planned = a.planned or {}
    initial = {
        "version": a.version,
        "language": a.language,
        "title": a.title,
        "abstract": a.abstract,
        "keywords": ", ".join(a.keywords or []),
        "priority": a.priority,
        "territory": a.territory or "",
        "region": a.region_code or "",
        "applicant_category": a.applicant_category,
        "requested_kzt": _money_value(a.requested_kzt) or None,
        "cofinancing_kzt": _money_value(a.cofinancing_kzt) or None,
        "cofinancing_source": a.cofinancing_source,
        "duration_months": a.duration_months,
        "budget_rows": [
            {"year": row.get("year"), "amount": row.get("amount"), "breakdown": row.get("breakdown", "")}
            for row in (a.budget_by_year or [])
            if isinstance(row, dict)
        ],
        "ip_held": "\n".join(
            f"{p.get('number', '')} — {p.get('title', '')}".rstrip(" —") for p in a.ip_held or []
        ),
        "investor_visible": a.investor_visible,
        "share_score_band": a.share_score_band,
        "excluded_experts": "\n".join(a.excluded_experts or []),
        "trl_claimed": a.trl_claimed,
    }
    for lang in LANGS:
        tr = (a.translations or {}).get(lang) or {}
        initial[f"title_{lang}"] = tr.get("title", "")
        initial[f"abstract_{lang}"] = tr.get("abstract", "")
    for key in PLANNED_KEYS:
        initial[f"planned_{key}"] = planned.get(key)
    for level in range(1, 10):
        initial[f"evidence_{level}"] = (a.trl_evidence or {}).get(str(level), "")
    return initial


class InviteForm(FlaskForm):
    email = StringField(
        _l("E-mail"),
        validators=[InputRequired(), Email(), Length(max=254)],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    role = StringField(_l("Role in the project"), validators=[Optional(), Length(max=100)])
    invite = SubmitField(_l("Invite"))


class AttachmentForm(FlaskForm):
    doc_type = SelectField(_l("Document type"), validators=[InputRequired()])
    file = FileField(
        _l("PDF file"), validators=[FileRequired()], render_kw={"accept": "application/pdf,.pdf"}
    )
    upload = SubmitField(_l("Upload"))

    def __init__(self, *args, required: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        required = list(required or [])
        ordered = required + [d["code"] for d in data.DOCUMENT_TYPES if d["code"] not in required]
        names = {d["code"]: localized(d["name"]) for d in data.DOCUMENT_TYPES}
        self.doc_type.choices = [
            (code, (names.get(code, code) + (" *" if code in required else ""))) for code in ordered
        ]


class AnswerForm(FlaskForm):
    accept = SubmitField(_l("Confirm participation"))
    decline = SubmitField(_l("Decline"))


class FormalCheckForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[("pass", _l("Pass: admit to expert review")), ("reject", _l("Reject"))],
        validators=[InputRequired()],
    )
    reasons = TextAreaField(
        _l("Reasons, one per line (the applicant sees them)"), validators=[Optional(), Length(max=10000)]
    )
    save = SubmitField(_l("Record the formal check"))

    def payload(self) -> tuple[bool, list[str], dict]:
        checklist = {key: bool(getattr(self, f"check_{key}").data) for key, _label, _keys in FORMAL_CHECKLIST}
        reasons = [line.strip() for line in (self.reasons.data or "").splitlines() if line.strip()]
        return self.decision.data == "pass", reasons, checklist


for _key, _label, _keys in FORMAL_CHECKLIST:
    setattr(FormalCheckForm, f"check_{_key}", BooleanField(_label))


def formal_check_initial(application, problems: dict) -> dict:
    """Prefill: the stored outcome if any, else the checklist ticked where the automatic checks found
    nothing."""
    if application.formal_passed is not None:
        initial = {
            f"check_{k}": bool((application.formal_checklist or {}).get(k)) for k, _l_, _p in FORMAL_CHECKLIST
        }
        initial["decision"] = "pass" if application.formal_passed else "reject"
        initial["reasons"] = "\n".join(application.formal_reasons or [])
        return initial
    return {f"check_{k}": not any(p in problems for p in keys) for k, _label, keys in FORMAL_CHECKLIST}
