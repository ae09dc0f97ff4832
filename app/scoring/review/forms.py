"""Forms of the review: declaration, decline, the review, consensus and amendment forms (built per
competition from its criteria), and the operator's pick of an expert."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from app.scoring.forms import (
    BUDGET_LABELS,
    TEXT,
    CriteriaForm,
    _criteria_class,
    _int_or_none,
    format_score,
    trl_choices,
)

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
