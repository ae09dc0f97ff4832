"""The ranking of a competition's applications and the consensus report.

The arithmetic lives in the pure module ``aggregate`` beside this one.
"""
from __future__ import annotations

import logging
import statistics
import threading

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.competitions import applications as application_ops
from app.competitions import services as competitions
from app.competitions.models import (A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE, REVIEW, Application,
                                     Competition)
from app.competitions.permissions import manages
from app.core import audit
from app.core.db import db
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.permissions import authorize, can
from app.scoring.models import RELEASED, SUBMITTED, ConsensusReport, ExpertAssignment, Review
from app.scoring.review import aggregate as agg
from app.scoring.review.reviews import _submitted_reviews, _validate_review

logger = logging.getLogger(__name__)
IN_REVIEW_STATES = (A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE)


# --- ranking ---------------------------------------------------------------------------------------------

def ranking(actor, competition_id: int) -> dict:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.ranking", competition, hide=True)
    return compute_ranking(competition)


_ranking_cache: dict = {}
_ranking_lock = threading.Lock()


def compute_ranking(competition: Competition) -> dict:
    """The ranking of a round, recomputed only when a review, an assignment, a consensus report, an
    application's status or the competition's rules changed (a per-process cache keyed on those): councils and operators reload it
    often, and it reads every review of the round."""
    import copy
    review_stamp = db.session.execute(select(func.count(Review.id), func.max(Review.updated_at)).join(
        Review.assignment).where(ExpertAssignment.competition_id == competition.id)).one()
    app_stamp = db.session.execute(select(func.count(Application.id), func.max(Application.updated_at)).where(
        Application.competition_id == competition.id)).one()
    consensus_stamp = db.session.execute(select(func.count(ConsensusReport.id), func.max(ConsensusReport.updated_at))
                                         .join(Application, ConsensusReport.application_id == Application.id)
                                         .where(Application.competition_id == competition.id)).one()
    assignment_stamp = db.session.execute(select(func.count(ExpertAssignment.id),
                                                 func.max(ExpertAssignment.updated_at)).where(
        ExpertAssignment.competition_id == competition.id)).one()  # a release takes its review out
    key = (competition.id, str(competition.updated_at), tuple(map(str, review_stamp)), tuple(map(str, app_stamp)),
           tuple(map(str, consensus_stamp)), tuple(map(str, assignment_stamp)))
    with _ranking_lock:
        cached = _ranking_cache.get(competition.id)
        if cached is not None and cached[0] == key:
            return copy.deepcopy(cached[1])
    result = _compute_ranking(competition)
    with _ranking_lock:
        _ranking_cache[competition.id] = (key, result)
        while len(_ranking_cache) > 64:
            _ranking_cache.pop(next(iter(_ranking_cache)))
    return copy.deepcopy(result)


def _compute_ranking(competition: Competition) -> dict:
    rules = competition.rules or {}
    criteria = competition.criteria
    keys = [c["key"] for c in criteria]
    from sqlalchemy.orm import contains_eager, selectinload
    applications = db.session.scalars(select(Application).where(
        Application.competition_id == competition.id, Application.status.in_(IN_REVIEW_STATES))
        .options(selectinload(Application.organisation))).all()
    reviews_by_app: dict[int, list[Review]] = {a.id: [] for a in applications}
    all_reviews = db.session.scalars(select(Review).join(Review.assignment).where(
        ExpertAssignment.competition_id == competition.id, Review.status == "submitted",
        ExpertAssignment.status != RELEASED)  # a review by an expert found in conflict does not count
        .options(contains_eager(Review.assignment))).all()
    for review in all_reviews:
        reviews_by_app.setdefault(review.assignment.application_id, []).append(review)
    calibration = agg.calibrate((r.assignment.expert_id, agg.total(r.scores, keys)) for r in all_reviews)
    consensus = {c.application_id: c for c in db.session.scalars(select(ConsensusReport).where(
        ConsensusReport.application_id.in_([a.id for a in applications])))}
    items = []
    for a in applications:
        reviews = reviews_by_app.get(a.id, [])
        raw = agg.aggregate_scores([r.scores for r in reviews], keys, rules.get("aggregation", "mean"))
        if a.id in consensus and consensus[a.id].scores:
            raw = {k: float(v) for k, v in consensus[a.id].scores.items() if k in keys}
        raw_total = agg.total(raw, keys)
        calibrated_totals = [calibration.adjust(r.assignment.expert_id, agg.total(r.scores, keys)) for r in reviews]
        calibrated_total = round(statistics.fmean(calibrated_totals), 4) if calibrated_totals else 0.0
        failures = agg.threshold_failures(raw, criteria, rules.get("total_threshold", 10))
        spread = agg.disagreements([r.scores for r in reviews], keys, float(rules.get("spread_threshold", 2)))
        complete = len(reviews) >= competition.experts_per_application or a.id in consensus
        items.append({
            "id": a.id, "application_id": a.id, "irn": a.irn, "title": a.title, "requested": float(a.requested_kzt),
            "region": a.region_code, "organisation": a.organisation.name_ru if a.organisation else "",
            "scores": raw, "total": raw_total, "rank_score": agg.weighted_total(raw, criteria),
            "calibrated_total": calibrated_total, "reviews": len(reviews), "complete": complete,
            "threshold_failures": failures, "eligible": complete and not failures,
            "disagreement": spread, "needs_consensus": bool(spread) and a.id not in consensus,
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else "", "status": a.status,
            "trl_claimed": a.trl_claimed, "trl_verified": a.trl_verified,
        })
    items.sort(key=lambda item: agg.ranking_key(item, rules.get("tie_break", ["excellence", "impact",
                                                                               "submitted_at"])))
    quotas = rules.get("quotas") or None
    for item in items:
        item["group"] = item["region"]
    line = agg.funding_line(items, float(competition.budget_kzt), quotas)
    funded, skipped = set(line.funded), set(line.skipped)
    for position, item in enumerate(items, start=1):
        item["rank"] = position
        item["proposed"] = "funded" if item["id"] in funded else (
            "skipped" if item["id"] in skipped else ("reserve" if item["eligible"] else "below_threshold"))
    return {"competition_id": competition.id, "budget_kzt": float(competition.budget_kzt),
            "used_kzt": round(line.used, 2), "remaining_kzt": line.remaining, "items": items,
            "funding_line": {"funded": line.funded, "skipped": line.skipped, "reserve": line.reserve},
            "method": {"aggregation": rules.get("aggregation", "mean"),
                       "calibration": "per-expert z-score of totals within the round, shrunk by n/(n+2)",
                       "tie_break": rules.get("tie_break"), "total_threshold": rules.get("total_threshold")}}


def write_consensus(actor, application_id: int, majority: str, minority: str = "", scores: dict | None = None
                    ) -> ConsensusReport:
    """A rapporteur (one of the application's experts who submitted, or the operator) writes the consensus
    while the competition is in expert review. It records what the experts agreed on: each criterion's
    consensus score lies within the range of the submitted reviews' scores for it (it cannot move an
    application where no expert put it)."""
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound()
    application_ops.get_application_for(actor, application_id)
    if not can(actor, "consensus.write", application):
        if application.competition.status != REVIEW and (manages(actor, application.competition) or
                                                         _submitted_by(actor, application)):
            raise Conflict(_("A consensus is written while the competition is in expert review."),
                           code="wrong_state")
        raise NotFound()
    if not (majority or "").strip():
        raise ValidationFailed(fields={"majority": [_("Write the majority view.")]})
    errors: dict = {}
    cleaned = _validate_review(application.competition, {"scores": scores or {}}, errors)
    reviews = _submitted_reviews(application.id)
    if len(reviews) < 2:
        errors.setdefault("scores", []).append(_("A consensus needs at least two submitted reviews."))
    for key, value in (cleaned.get("scores") or {}).items():
        given = [float(r.scores[key]) for r in reviews if (r.scores or {}).get(key) is not None]
        if given and not min(given) <= float(value) <= max(given):
            errors.setdefault(f"scores.{key}", []).append(
                _("Between %(low)s and %(high)s: the experts' own scores for this criterion.",
                  low=f"{min(given):g}", high=f"{max(given):g}"))
    if errors:
        raise ValidationFailed(fields=errors)
    report = db.session.scalar(select(ConsensusReport).where(ConsensusReport.application_id == application.id))
    before = None
    if report is None:
        report = ConsensusReport(application_id=application.id, rapporteur_id=actor.id, majority="", minority="",
                                 scores={})
        db.session.add(report)
    else:
        before = {"majority": report.majority, "minority": report.minority, "scores": report.scores}
    report.majority, report.minority = majority.strip(), (minority or "").strip()
    report.scores = cleaned["scores"]
    report.rapporteur_id = actor.id
    db.session.flush()
    audit.record(actor, "consensus.write", report, scope_id=application.competition_id, before=before,
                 after={"majority": report.majority, "minority": report.minority, "scores": report.scores})
    db.session.flush()
    return report


def _submitted_by(actor, application) -> bool:
    return db.session.scalar(select(ExpertAssignment.id).where(
        ExpertAssignment.application_id == application.id, ExpertAssignment.expert_id == actor.id,
        ExpertAssignment.status == SUBMITTED)) is not None
