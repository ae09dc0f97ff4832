"""Reviews: the expert's form (validation, autosave, submission, amendment), who sees which
reviews, and reminders for late ones.
"""
from __future__ import annotations

import logging
import statistics
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app import jobs
from app.accounts.models import User
from app.competitions import applications as application_ops
from app.competitions import services as competitions
from app.competitions.models import RESULTS, REVIEW, Application, Competition
from app.core import audit
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.permissions import authorize, can
from app.scoring.models import ACCEPTED, INVITED, RELEASED, SUBMITTED, ExpertAssignment, Review
from app.scoring.review.assignments import _active_assignments, assignment_for_expert
from app.scoring.states import BudgetOpinion

logger = logging.getLogger(__name__)


# --- reviews ---------------------------------------------------------------------------------------------

BUDGET_OPINIONS = tuple(BudgetOpinion)


def _validate_review(competition: Competition, data: dict, errors: dict) -> dict:
    """The review's fields checked against the competition's criteria (``ReviewSchema``); problems are
    added to ``errors`` by field and nothing is cleaned from a field with a problem."""
    from app.core.schemas import load_valid
    from app.scoring.schemas import ReviewSchema
    cleaned, problems = load_valid(ReviewSchema(competition.criteria, BUDGET_OPINIONS), data)
    for key, messages in problems.items():
        errors.setdefault(key, []).extend(messages)
    cleaned.setdefault("scores", {})
    cleaned.setdefault("comments", {})
    return cleaned


def _completeness(review: Review, competition: Competition, claimed: int | None) -> dict:
    errors: dict = {}
    for c in competition.criteria:
        if c["key"] not in review.scores:
            errors.setdefault(f"scores.{c['key']}", []).append(_("Score every criterion."))
        if not (review.comments.get(c["key"]) or "").strip():
            errors.setdefault(f"comments.{c['key']}", []).append(_("A comment is required for every criterion."))
    if review.trl_verified is None:
        errors.setdefault("trl_verified", []).append(_("Verify the TRL."))
    elif claimed is not None and review.trl_verified != claimed and not review.trl_comment.strip():
        errors.setdefault("trl_comment", []).append(_("Explain why the verified TRL differs from the claimed one."))
    if review.budget_justified is None:
        errors.setdefault("budget_justified", []).append(_("Give an opinion on the budget."))
    if not review.overall_comment.strip():
        errors.setdefault("overall_comment", []).append(_("Write an overall comment for the applicant."))
    return errors


def review_for(actor, assignment_id: int) -> ExpertAssignment:
    assignment = assignment_for_expert(actor, assignment_id)
    if not can(actor, "assignment.review", assignment):
        raise PermissionDenied(_("Declare whether you have a conflict of interest before opening the application."))
    return assignment


def save_review(actor, assignment_id: int, data: dict, expected_version: int | None = None) -> Review:
    """Save a draft review; ``submit: true`` checks completeness and locks it."""
    assignment = review_for(actor, assignment_id)
    competition = assignment.application.competition
    if competition.status != REVIEW:
        raise Conflict(_("Reviews are accepted while the competition is in review."), code="wrong_state")
    review = assignment.review
    if review is not None and review.status == "submitted":
        raise Conflict(_("The review was submitted and is locked."), code="already_submitted")
    if review is not None and expected_version is not None and review.version != expected_version:
        raise Conflict(_("This review was changed elsewhere (another tab or device). Reload to see the latest "
                         "version."), code="version_conflict")
    errors: dict = {}
    cleaned = _validate_review(competition, data, errors)
    submit = cleaned.pop("submit", False)
    if errors:
        raise ValidationFailed(fields=errors)
    if review is None:
        review = Review(assignment=assignment, scores={}, comments={}, trl_comment="", overall_comment="",
                        budget_comment="")
        db.session.add(review)
    before = {"scores": dict(review.scores), "trl_verified": review.trl_verified}
    review.scores = {**review.scores, **cleaned["scores"]}
    review.comments = {**review.comments, **cleaned["comments"]}
    for key in ("trl_verified", "trl_comment", "overall_comment", "budget_justified", "budget_comment"):
        if key in cleaned:
            setattr(review, key, cleaned[key])
    if submit:
        problems = _completeness(review, competition, assignment.application.trl_claimed)
        if problems:
            raise ValidationFailed(_("The review is incomplete."), fields=problems)
        review.status = "submitted"
        review.submitted_at = clock.now()
        assignment.status = SUBMITTED
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("This review was changed elsewhere. Reload to see the latest version."),
                       code="version_conflict") from None
    audit.record(actor, "review.submit" if submit else "review.save", review, scope_id=competition.id,
                 before=before, after={"scores": review.scores, "trl_verified": review.trl_verified})
    if submit:
        _update_verified_trl(assignment.application)
    db.session.flush()
    return review


def amend_review(actor, review_id: int, data: dict, reason: str) -> Review:
    """An operator changes a submitted review: only with a written reason, and logged."""
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound()
    authorize(actor, "review.amend", review.assignment, hide=True)
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("A change to a submitted review needs a written reason.")]})
    competition = review.assignment.application.competition
    errors: dict = {}
    cleaned = _validate_review(competition, data, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    before = {"scores": dict(review.scores), "comments": dict(review.comments), "trl_verified": review.trl_verified}
    review.scores = {**review.scores, **cleaned["scores"]}
    review.comments = {**review.comments, **cleaned["comments"]}
    if "trl_verified" in cleaned:
        review.trl_verified = cleaned["trl_verified"]
    audit.record(actor, "review.amend", review, scope_id=competition.id, before=before,
                 after={"scores": review.scores, "comments": review.comments, "trl_verified": review.trl_verified},
                 reason=reason.strip())
    _update_verified_trl(review.assignment.application)
    db.session.flush()
    return review


def _update_verified_trl(application: Application) -> None:
    values = [r.trl_verified for r in _submitted_reviews(application.id) if r.trl_verified is not None]
    application.trl_verified = int(round(statistics.median(values))) if values else None


def _submitted_reviews(application_id: int) -> list[Review]:
    return db.session.scalars(select(Review).join(ExpertAssignment).where(
        ExpertAssignment.application_id == application_id, Review.status == "submitted",
        ExpertAssignment.status != RELEASED)
        .order_by(Review.id)).all()


def reviews_visible_to(actor, application_id: int) -> list[dict]:
    """Blindness: an expert sees the other experts' scores only after submitting their own; operators and
    the council see all; applicants see anonymised ones once results are published."""
    application = application_ops.get_application_for(actor, application_id)
    reviews = _submitted_reviews(application.id)
    competition = application.competition
    if can(actor, "reviews.named", competition):
        return [_review_dict(r, anonymous=False, index=n) for n, r in enumerate(reviews, 1)]
    mine = db.session.scalar(select(ExpertAssignment).where(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == actor.id))
    if mine is not None:
        if mine.status != SUBMITTED:
            return []
        return [_review_dict(r, anonymous=r.assignment.expert_id != actor.id, index=n)
                for n, r in enumerate(reviews, 1)]
    if application.leader_id == actor.id and competition.status in (RESULTS, "archived"):
        return [_review_dict(r, anonymous=True, index=n) for n, r in enumerate(reviews, 1)]
    return []


def round_reviews(actor, competition_id: int) -> list[dict]:
    """The scores of every submitted review of the round with its expert (for the operator's and council's
    charts): one query of plain rows, no ORM objects, whatever the size of the round."""
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.ranking", competition, hide=True)
    rows = db.session.execute(
        select(Review.id, Review.scores, ExpertAssignment.expert_id, User.name, User.email)
        .join(ExpertAssignment, Review.assignment_id == ExpertAssignment.id)
        .join(User, ExpertAssignment.expert_id == User.id)
        .where(ExpertAssignment.competition_id == competition.id, Review.status == "submitted")
        .order_by(Review.id)).all()
    return [{"review_id": r.id, "scores": r.scores, "expert_id": r.expert_id, "expert_name": r.name or r.email}
            for r in rows]


def _review_dict(review: Review, anonymous: bool, index: int) -> dict:
    body = {"label": _("Expert %(n)d", n=index), "scores": review.scores, "comments": review.comments,
            "overall_comment": review.overall_comment, "trl_verified": review.trl_verified,
            "budget_justified": review.budget_justified,
            "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None}
    if not anonymous:
        body["expert_id"] = review.assignment.expert_id
        body["expert_name"] = review.assignment.expert.name
        body["review_id"] = review.id
    return body


def late_reviews(actor, competition_id: int) -> list[ExpertAssignment]:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    now = clock.now()
    return [a for a in _active_assignments(competition.id)
            if a.status in (INVITED, ACCEPTED) and a.due_at is not None and a.due_at < now]


def send_reminders(actor, competition_id: int) -> int:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    pending = [a for a in _active_assignments(competition.id) if a.status in (INVITED, ACCEPTED)]
    for a in pending:
        a.reminded_at = clock.now()
        jobs.submit("app.notifications.tasks.deliver", "generic", {
            "user_id": a.expert_id, "subject": _("Reminder: a review is due"),
            "body": _("Please complete your review before the deadline."), "link": "/expert"},
            queue="mail", title="reminder")
    audit.record(actor, "review.remind", object_type="competitions", object_id=competition.id,
                 scope_id=competition.id, after={"count": len(pending)})
    db.session.flush()
    return len(pending)


def send_due_reminders(days: int = 3, now=None) -> int:
    """The scheduled reminder (cron or a clock process: ``flask scoring remind-due``): every expert whose
    review is due within ``days`` (or late) and who was not reminded in the last day gets a reminder."""
    now = now or clock.now()
    soon = now + timedelta(days=days)
    pending = db.session.scalars(select(ExpertAssignment).join(
        Competition, ExpertAssignment.competition_id == Competition.id).where(
        Competition.status == REVIEW, ExpertAssignment.status.in_((INVITED, ACCEPTED)),
        ExpertAssignment.due_at.is_not(None), ExpertAssignment.due_at <= soon)).all()
    sent = 0
    for a in pending:
        if a.reminded_at is not None and a.reminded_at > now - timedelta(days=1):
            continue
        a.reminded_at = now
        late = a.due_at < now
        jobs.submit("app.notifications.tasks.deliver", "generic", {
            "user_id": a.expert_id,
            "subject": _("Reminder: your review is late") if late else _("Reminder: a review is due"),
            "body": _("Please complete your review before the deadline."), "link": "/expert"},
            queue="mail", title="reminder")
        audit.record(None, "review.remind", a, scope_id=a.competition_id, after={"late": late})
        sent += 1
    db.session.flush()
    return sent
