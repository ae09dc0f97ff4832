"""Forms of the review-round pages. They check shape only (types, lengths, known choices); every rule
(scales, completeness, conflicts, quorum, deadlines) lives in ``services``, whose ``ValidationFailed.fields``
are mapped back onto the inputs with ``apply_service_errors``.

Review, consensus and amendment forms are built per competition from its criteria: one score select and
one comment per criterion, named by position (``score_0``, ``comment_0``) so any criterion key is safe as
a field name; the service's keys (``scores.<key>``, ``comments.<key>``) are mapped back by position.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from app.core.forms import ActionForm, MultiCheckboxField, apply_errors  # noqa: F401  (re-exported)
from app.reference import localized
from app.scoring.states import BudgetOpinion, VoteChoice

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
BUDGET_LABELS = {BudgetOpinion.YES: _l("Yes, justified"), BudgetOpinion.PARTLY: _l("Partly justified"),
                 BudgetOpinion.NO: _l("Not justified")}
PROPOSED_LABELS = {
    "funded": _l("Funded"), "skipped": _l("Skipped: does not fit the remaining budget"),
    "reserve": _l("Reserve list"), "below_threshold": _l("Below threshold"),
}
VOTE_LABELS = {"for": _l("For"), "against": _l("Against"), "abstain": _l("Abstain"),
               "conflict": _l("I have a conflict")}
VOTE_CHOICES = tuple(VoteChoice)
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
