"""Forms of the review-round pages. They check shape only (types, lengths, known choices); every rule
(scales, completeness, conflicts, quorum, deadlines) lives in ``services``, whose ``ValidationFailed.fields``
are mapped back onto the inputs with ``apply_service_errors``.

Review, consensus and amendment forms are built per competition from its criteria: one score select and
one comment per criterion, named by position (``score_0``, ``comment_0``) so any criterion key is safe as
a field name; the service's keys (``scores.<key>``, ``comments.<key>``) are mapped back by position.
"""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from app.core.forms import ActionForm, MultiCheckboxField, apply_errors  # noqa: F401  (re-exported)
from app.reference import localized, priorities_by_id, priority_name

TEXT = 10000

ASSIGNMENT_STATUS_LABELS = {
    "proposed": _l("Proposed"), "invited": _l("Invited"), "accepted": _l("Accepted"),
    "declined": _l("Declined"), "released": _l("Released"), "submitted": _l("Review submitted"),
}
SOURCE_LABELS = {"auto": _l("Optimal assignment"), "manual": _l("By hand"), "reserve": _l("Reserve expert")}
CONFLICT_SOURCE_LABELS = {"detected": _l("Detected"), "declared": _l("Declared by the expert")}
CONFLICT_CODE_LABELS = {
    "same_organisation": _l("Same organisation"), "team_member": _l("On the team"),
    "coauthor": _l("Co-authorship"), "excluded_by_applicant": _l("Excluded by the applicant"),
    "declared": _l("Declared conflict"),
}
BUDGET_LABELS = {"yes": _l("Yes, justified"), "partly": _l("Partly justified"), "no": _l("Not justified")}
PROPOSED_LABELS = {
    "funded": _l("Funded"), "skipped": _l("Skipped: does not fit the remaining budget"),
    "reserve": _l("Reserve list"), "below_threshold": _l("Below threshold"),
}
VOTE_LABELS = {"for": _l("For"), "against": _l("Against"), "abstain": _l("Abstain"),
               "conflict": _l("I have a conflict")}
VOTE_CHOICES = ("for", "against", "abstain", "conflict")
TRUE_WORDS = {"1", "true", "yes", "y", "да", "иә", "x", "+"}


def format_score(value) -> str:
    """A scale value as a form value: ``4.0`` → ``"4"``, ``4.5`` → ``"4.5"``."""
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def scale_choices(criterion: dict) -> list[tuple[str, str]]:
    """The criterion's scale (min to max in steps), best first, after an empty choice."""
    lo, hi = float(criterion.get("min", 0)), float(criterion.get("max", 5))
    step = float(criterion.get("step", 0.5))
    values, n = [], 0
    if step <= 0 or hi < lo:
        return [("", "—")]
    while lo + n * step <= hi + 1e-9 and n <= 1000:
        values.append(format_score(round(lo + n * step, 6)))
        n += 1
    return [("", "—")] + [(v, v) for v in reversed(values)]


def trl_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(str(level), f"TRL {level}") for level in range(1, 10)]


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class CriteriaForm(FlaskForm):
    """Base of the per-competition forms: per-criterion fields and the mapping of service errors."""

    criteria: tuple = ()

    def criterion_rows(self) -> list[tuple[dict, object, object]]:
        return [(c, getattr(self, f"score_{i}", None), getattr(self, f"comment_{i}", None))
                for i, c in enumerate(self.criteria)]

    def scores_payload(self) -> dict:
        scores = {}
        for i, c in enumerate(self.criteria):
            value = getattr(self, f"score_{i}").data
            if value not in (None, ""):
                scores[c["key"]] = value
        return scores

    def comments_payload(self) -> dict:
        return {c["key"]: getattr(self, f"comment_{i}").data or ""
                for i, c in enumerate(self.criteria) if hasattr(self, f"comment_{i}")}

    def apply_service_errors(self, fields: dict) -> None:
        index = {c["key"]: i for i, c in enumerate(self.criteria)}
        renamed: dict[str, list] = {}
        for name, messages in (fields or {}).items():
            group, _dot, key = name.partition(".")
            if group in ("scores", "comments") and key in index:
                name = f"{'score' if group == 'scores' else 'comment'}_{index[key]}"
            renamed.setdefault(name, []).extend(messages)
        apply_errors(self, renamed)


def _criteria_class(base, criteria: list, comments: bool, comment_label=None):
    """A subclass of ``base`` with a score select (and a comment) per criterion."""
    attrs = {"criteria": tuple(criteria)}
    for i, c in enumerate(criteria):
        name = localized(c.get("name")) or c["key"]
        attrs[f"score_{i}"] = SelectField(name, choices=scale_choices(c), validate_choice=False, default="")
        if comments:
            attrs[f"comment_{i}"] = TextAreaField(comment_label or _l("Comment"),
                                                  validators=[Optional(), Length(max=TEXT)])
    return type(base.__name__, (base,), attrs)


# --- the expert -------------------------------------------------------------------------------------------

class DeclarationForm(FlaskForm):
    reason = TextAreaField(_l("Describe the conflict of interest"), validators=[Optional(), Length(max=5000)])
    accept = SubmitField(_l("Declare no conflict and accept"))
    conflict = SubmitField(_l("Declare a conflict"))

    def wants_conflict(self) -> bool:
        return bool(self.conflict.data)


class DeclineForm(FlaskForm):
    decline_reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])
    decline = SubmitField(_l("Decline"))


class ProfileForm(FlaskForm):
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=300)])
    country = StringField(_l("Country"), validators=[Optional(), Length(max=64)])
    foreign = BooleanField(_l("I am a foreign expert (not resident in Kazakhstan)"))
    languages = StringField(_l("Languages I review in"), validators=[Optional(), Length(max=300)])
    keywords = StringField(_l("Expertise keywords"), validators=[Optional(), Length(max=2000)])
    priorities = MultiCheckboxField(_l("Priority directions"), coerce=int, validate_choice=False)
    texts = FieldList(TextAreaField(_l("Publication or project"), validators=[Optional(), Length(max=20000)]),
                      min_entries=1)
    save = SubmitField(_l("Save the profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priorities.choices = [(pid, priority_name(pid)) for pid in sorted(priorities_by_id())]

    def add_blank_texts(self, blanks: int = 2) -> None:
        filled = sum(1 for entry in self.texts if (entry.data or "").strip())
        while len(self.texts) < filled + blanks:
            self.texts.append_entry("")

    def payload(self) -> dict:
        def split(text):
            return [v.strip() for v in (text or "").split(",") if v.strip()]

        return {"organisation": self.organisation.data or "", "country": self.country.data or "",
                "foreign": bool(self.foreign.data), "languages": split(self.languages.data),
                "keywords": split(self.keywords.data), "priorities": list(self.priorities.data or []),
                "texts": [t.strip() for t in (e.data or "" for e in self.texts) if t.strip()]}


def profile_initial(profile) -> dict:
    return {"organisation": profile.organisation, "country": profile.country, "foreign": profile.foreign,
            "languages": ", ".join(profile.languages or []), "keywords": ", ".join(profile.keywords or []),
            "priorities": list(profile.priorities or []), "texts": list(profile.texts or [])}


class ReviewFormBase(CriteriaForm):
    version = HiddenField()
    trl_verified = SelectField(_l("TRL you verified"), choices=trl_choices(), validate_choice=False,
                               default="")
    trl_comment = TextAreaField(_l("Why the verified TRL differs from the claimed one"),
                                validators=[Optional(), Length(max=TEXT)])
    budget_justified = RadioField(_l("Is the budget justified?"), choices=list(BUDGET_LABELS.items()),
                                  validate_choice=False)
    budget_comment = TextAreaField(_l("Comment on the budget"), validators=[Optional(), Length(max=TEXT)])
    overall_comment = TextAreaField(_l("Overall comment for the applicant"),
                                    validators=[Optional(), Length(max=TEXT)])
    save = SubmitField(_l("Save draft"))
    submit_review = SubmitField(_l("Submit the review"))

    @property
    def version_number(self) -> int | None:
        return _int_or_none(self.version.data)

    def wants_submit(self) -> bool:
        return bool(self.submit_review.data)

    def payload(self) -> dict:
        return {"scores": self.scores_payload(), "comments": self.comments_payload(),
                "trl_verified": self.trl_verified.data or "", "trl_comment": self.trl_comment.data or "",
                "budget_justified": self.budget_justified.data or None,
                "budget_comment": self.budget_comment.data or "",
                "overall_comment": self.overall_comment.data or ""}


def review_form(criteria: list, review=None, **kwargs) -> ReviewFormBase:
    """The review form of a competition, prefilled from the saved draft on a GET."""
    cls = _criteria_class(ReviewFormBase, criteria, comments=True, comment_label=_l("Comment (required)"))
    data = {}
    if review is not None:
        data = {"version": str(review.version), "trl_verified": str(review.trl_verified or ""),
                "trl_comment": review.trl_comment, "budget_justified": review.budget_justified,
                "budget_comment": review.budget_comment, "overall_comment": review.overall_comment}
        for i, c in enumerate(criteria):
            data[f"score_{i}"] = format_score(review.scores.get(c["key"]))
            data[f"comment_{i}"] = review.comments.get(c["key"], "")
    return cls(data=data, **kwargs)


class ConsensusFormBase(CriteriaForm):
    majority = TextAreaField(_l("Majority view"), validators=[Optional(), Length(max=TEXT)])
    minority = TextAreaField(_l("Minority view (if any)"), validators=[Optional(), Length(max=TEXT)])
    save_consensus = SubmitField(_l("Record the consensus"))

    def payload(self) -> tuple[str, str, dict]:
        return self.majority.data or "", self.minority.data or "", self.scores_payload()


def consensus_form(criteria: list, **kwargs) -> ConsensusFormBase:
    return _criteria_class(ConsensusFormBase, criteria, comments=False)(**kwargs)


class AmendFormBase(CriteriaForm):
    trl_verified = SelectField(_l("Verified TRL"), choices=trl_choices(), validate_choice=False, default="")
    reason = TextAreaField(_l("Reason for the change (logged)"), validators=[Optional(), Length(max=2000)])
    save = SubmitField(_l("Amend the review"))

    def payload(self) -> dict:
        return {"scores": self.scores_payload(), "comments": self.comments_payload(),
                "trl_verified": self.trl_verified.data or ""}


def amend_form(criteria: list, review, **kwargs) -> AmendFormBase:
    cls = _criteria_class(AmendFormBase, criteria, comments=True)
    data = {"trl_verified": str(review.trl_verified or "")}
    for i, c in enumerate(criteria):
        data[f"score_{i}"] = format_score(review.scores.get(c["key"]))
        data[f"comment_{i}"] = review.comments.get(c["key"], "")
    return cls(data=data, **kwargs)


# --- the operator -----------------------------------------------------------------------------------------

class ExpertPickForm(FlaskForm):
    """Add an expert to an application by hand (or as a reserve), or swap an assignment for another
    expert."""

    application_id = IntegerField(validators=[Optional()])
    assignment_id = IntegerField(_l("Replace"), validators=[Optional()])
    expert_id = IntegerField(_l("Expert (id)"), validators=[InputRequired(message=_l("Choose an expert."))])
    reserve = BooleanField(_l("As a reserve expert"))


class BlockForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required)"), validators=[Optional(), Length(max=2000)])


class ImportExpertsForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))])
    upload = SubmitField(_l("Import experts"))

    COLUMNS = ("email", "name", "organisation", "country", "foreign", "keywords", "texts")

    def rows(self) -> list[dict]:
        """The file's rows as the service's plain dicts. Raises ValueError (shown beside the file input)
        when the file is not a readable CSV with the expected header."""
        raw = self.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(_("The file must be a CSV in UTF-8.")) from None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        if "email" not in header or "name" not in header:
            raise ValueError(_("The first line must name the columns: %(cols)s.",
                               cols=", ".join(self.COLUMNS)))
        rows = []
        for record in reader:
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k}
            if not any(row.values()):
                continue
            row["foreign"] = row.get("foreign", "").lower() in TRUE_WORDS
            rows.append({k: v for k, v in row.items() if k in self.COLUMNS})
        if not rows:
            raise ValueError(_("The file has no rows."))
        return rows


# --- the council ------------------------------------------------------------------------------------------

class OpenSessionForm(FlaskForm):
    attendees = MultiCheckboxField(_l("Members present"), coerce=int, validate_choice=False)
    open = SubmitField(_l("Open the session"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.attendees.choices = [(u.id, u.display_name) for u in members]


class VoteForm(FlaskForm):
    application_id = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    choice = StringField(validators=[InputRequired(), AnyOf(VOTE_CHOICES)])


# --- appeals ----------------------------------------------------------------------------------------------

class AppealForm(FlaskForm):
    text = TextAreaField(_l("The procedural violation you appeal against"),
                         validators=[Optional(), Length(max=TEXT)])
    send = SubmitField(_l("File the appeal"))


class AppealAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[Optional(), Length(max=TEXT)])
    send = SubmitField(_l("Send the answer"))
