"""Pure arithmetic of a review round: aggregation, severity calibration, disagreement, thresholds,
ranking with a tie-break chain, the funding line, and council vote outcomes. No Flask, no database."""
from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


def aggregate_scores(reviews: Sequence[Mapping[str, float]], keys: Sequence[str], method: str = "mean"
                     ) -> dict[str, float]:
    """Per-criterion mean or median over the reviews that scored that criterion."""
    pick = statistics.median if method == "median" else statistics.fmean
    result = {}
    for key in keys:
        values = [float(r[key]) for r in reviews if key in r and r[key] is not None]
        if values:
            result[key] = round(pick(values), 4)
    return result


def total(scores: Mapping[str, float], keys: Sequence[str]) -> float:
    return round(sum(float(scores.get(k, 0.0)) for k in keys), 4)


def weighted_total(scores: Mapping[str, float], criteria: Sequence[Mapping]) -> float:
    """The ranking figure: criteria weighted as configured (weights are used only for ranking)."""
    return round(sum(float(scores.get(c["key"], 0.0)) * float(c.get("weight", 1.0)) for c in criteria), 4)


@dataclass
class Calibration:
    """Per-expert severity correction: z-scores of each expert's totals within the round, mapped back onto
    the round's scale (mean + z × sd). Experts with a single review are left as they are (no evidence of
    severity), and the shift is shrunk toward zero for experts with few reviews."""

    round_mean: float
    round_sd: float
    experts: dict[object, tuple[float, float, int]] = field(default_factory=dict)  # id -> (mean, sd, n)
    shrink: float = 2.0

    def adjust(self, expert_id, value: float) -> float:
        mean, sd, n = self.experts.get(expert_id, (self.round_mean, self.round_sd, 1))
        if n < 2 or self.round_sd == 0:
            return value
        sd = sd if sd > 1e-9 else self.round_sd
        z = (value - mean) / sd
        calibrated = self.round_mean + z * self.round_sd
        weight = n / (n + self.shrink)  # few reviews: trust the raw figure more
        return round(weight * calibrated + (1 - weight) * value, 4)


def calibrate(pairs: Iterable[tuple[object, float]], shrink: float = 2.0) -> Calibration:
    """``pairs`` are (expert id, total score) of every submitted review in the round."""
    by_expert: dict[object, list[float]] = {}
    values = []
    for expert_id, value in pairs:
        by_expert.setdefault(expert_id, []).append(float(value))
        values.append(float(value))
    if not values:
        return Calibration(0.0, 0.0, {}, shrink)
    round_mean = statistics.fmean(values)
    round_sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    experts = {e: (statistics.fmean(v), statistics.pstdev(v) if len(v) > 1 else 0.0, len(v))
               for e, v in by_expert.items()}
    return Calibration(round_mean, round_sd, experts, shrink)


def disagreements(reviews: Sequence[Mapping[str, float]], keys: Sequence[str], spread: float) -> dict[str, float]:
    """Criteria whose scores differ by more than ``spread`` (max − min), with that difference."""
    flagged = {}
    for key in keys:
        values = [float(r[key]) for r in reviews if key in r and r[key] is not None]
        if len(values) >= 2 and max(values) - min(values) > spread + 1e-9:
            flagged[key] = round(max(values) - min(values), 4)
    return flagged


def threshold_failures(scores: Mapping[str, float], criteria: Sequence[Mapping], total_threshold: float
                       ) -> list[str]:
    """Criterion keys (and "total") whose aggregated score is under its threshold."""
    failed = [c["key"] for c in criteria
              if c.get("threshold") is not None and float(scores.get(c["key"], 0.0)) < float(c["threshold"])]
    if total_threshold is not None and total(scores, [c["key"] for c in criteria]) < float(total_threshold):
        failed.append("total")
    return failed


def ranking_key(item: Mapping, tie_break: Sequence[str]):
    """Sort key: eligible first, higher weighted total, then the tie-break chain (criterion keys: higher
    first; ``submitted_at``: earlier first), then the id for a stable order."""
    key = [0 if item["eligible"] else 1, -item["rank_score"]]
    for step in tie_break:
        if step == "submitted_at":
            key.append(item.get("submitted_at") or "")
        else:
            key.append(-float(item["scores"].get(step, 0.0)))
    key.append(item["id"])
    return tuple(key)


@dataclass
class FundingLine:
    funded: list = field(default_factory=list)     # ids
    skipped: list = field(default_factory=list)    # ids that did not fit the remaining budget
    reserve: list = field(default_factory=list)    # eligible ids below the line, in order
    used: float = 0.0
    remaining: float = 0.0


def funding_line(ranked: Sequence[Mapping], budget: float, quotas: Mapping[str, float] | None = None
                 ) -> FundingLine:
    """Walk down the ranking funding requested amounts until the budget is used. An application that does not
    fit the remaining budget is skipped to the next that does (and shown as skipped); ineligible ones are never
    funded. ``quotas`` optionally caps the share of the budget per group (``item["group"]``)."""
    line = FundingLine(remaining=float(budget))
    spent_by_group: dict[str, float] = {}
    unfunded: list[tuple[int, object]] = []
    last_funded_position = -1
    for position, item in enumerate(ranked):
        if not item["eligible"]:
            continue
        amount = float(item["requested"])
        group = item.get("group")
        cap = None if not quotas or group not in quotas else float(quotas[group]) * float(budget)
        within_quota = cap is None or spent_by_group.get(group, 0.0) + amount <= cap + 1e-6
        if amount <= line.remaining + 1e-6 and within_quota:
            line.funded.append(item["id"])
            line.remaining -= amount
            line.used += amount
            last_funded_position = position
            if group is not None:
                spent_by_group[group] = spent_by_group.get(group, 0.0) + amount
        else:
            unfunded.append((position, item["id"]))
    line.skipped = [item_id for position, item_id in unfunded if position < last_funded_position]
    line.reserve = [item_id for _position, item_id in unfunded]
    line.remaining = round(line.remaining, 2)
    return line


@dataclass
class VoteOutcome:
    decided: bool
    funded: bool
    votes_for: int
    votes_against: int
    votes_abstain: int
    quorum_met: bool
    reason: str = ""


def vote_outcome(choices: Sequence[str], eligible_members: int, quorum: float, majority: float) -> VoteOutcome:
    """Open vote: quorum = share of eligible members (those without a conflict) who voted; the application is
    supported when votes "for" exceed ``majority`` of the votes cast (abstentions count as cast)."""
    n_for = sum(1 for c in choices if c == "for")
    n_against = sum(1 for c in choices if c == "against")
    n_abstain = sum(1 for c in choices if c == "abstain")
    cast = n_for + n_against + n_abstain
    needed = math.ceil(quorum * eligible_members - 1e-9) if eligible_members else 1
    quorum_met = eligible_members > 0 and cast >= max(1, needed)
    if not quorum_met:
        return VoteOutcome(False, False, n_for, n_against, n_abstain, False, "quorum")
    funded = n_for > majority * cast + 1e-9
    return VoteOutcome(True, funded, n_for, n_against, n_abstain, True)
