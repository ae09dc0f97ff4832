"""The arithmetic of a review round."""

import pytest

from app.scoring.review import aggregate as agg

CRITERIA = [
    {"key": k, "weight": w, "threshold": 3, "min": 0, "max": 5, "step": 0.5}
    for k, w in (("excellence", 1.0), ("impact", 1.0), ("implementation", 1.0))
]
KEYS = [c["key"] for c in CRITERIA]


def test_mean_and_median():
    reviews = [{"excellence": 3, "impact": 4}, {"excellence": 4, "impact": 4}, {"excellence": 5, "impact": 1}]
    assert agg.aggregate_scores(reviews, KEYS, "mean") == {"excellence": 4.0, "impact": 3.0}
    assert agg.aggregate_scores(reviews, KEYS, "median") == {"excellence": 4.0, "impact": 4.0}


def test_calibration_corrects_severity():
    # a harsh expert (always ~2 lower) and a lenient one score the same two applications
    pairs = [("harsh", 8.0), ("harsh", 10.0), ("lenient", 12.0), ("lenient", 14.0)]
    cal = agg.calibrate(pairs, shrink=0.0)
    assert cal.adjust("harsh", 10.0) == pytest.approx(cal.adjust("lenient", 14.0))
    assert cal.adjust("harsh", 8.0) == pytest.approx(cal.adjust("lenient", 12.0))
    assert cal.adjust("unknown", 9.0) == 9.0  # no evidence: unchanged


def test_calibration_shrinks_with_few_reviews():
    cal = agg.calibrate([("a", 6.0), ("a", 8.0), ("b", 12.0), ("b", 14.0)], shrink=2.0)
    raw, full = (
        8.0,
        agg.calibrate([("a", 6.0), ("a", 8.0), ("b", 12.0), ("b", 14.0)], shrink=0.0).adjust("a", 8.0),
    )
    assert raw < cal.adjust("a", 8.0) < full


def test_disagreement_beyond_spread():
    reviews = [{"excellence": 1, "impact": 3}, {"excellence": 4, "impact": 4}]
    assert agg.disagreements(reviews, KEYS, 2.0) == {"excellence": 3.0}
    assert agg.disagreements(reviews, KEYS, 3.0) == {}


def test_thresholds_per_criterion_and_total():
    assert agg.threshold_failures({"excellence": 3, "impact": 3, "implementation": 3}, CRITERIA, 10) == [
        "total"
    ]
    assert agg.threshold_failures({"excellence": 2.5, "impact": 4, "implementation": 4}, CRITERIA, 10) == [
        "excellence"
    ]
    assert agg.threshold_failures({"excellence": 3.5, "impact": 3.5, "implementation": 3}, CRITERIA, 10) == []


def _item(i, total, exc=3.0, imp=3.0, requested=100, eligible=True, submitted="2026-01-0%d"):
    return {
        "id": i,
        "rank_score": total,
        "scores": {"excellence": exc, "impact": imp},
        "eligible": eligible,
        "requested": requested,
        "submitted_at": submitted % i if "%" in submitted else submitted,
    }


def test_tie_break_chain():
    items = [
        _item(1, 12, exc=4, imp=4),
        _item(2, 12, exc=4.5, imp=3.5),
        _item(3, 12, exc=4, imp=4.5),
        _item(4, 12, exc=4, imp=4),
        _item(5, 13, eligible=False),
    ]
    tie = ["excellence", "impact", "submitted_at"]
    order = [i["id"] for i in sorted(items, key=lambda x: agg.ranking_key(x, tie))]
    assert order == [2, 3, 1, 4, 5]  # excellence, then impact, then earlier submission; ineligible last


def test_funding_line_skips_what_does_not_fit():
    ranked = [
        _item(1, 14, requested=60),
        _item(2, 13, requested=50),
        _item(3, 12, requested=30),
        _item(4, 11, requested=20),
        _item(5, 10, requested=5, eligible=False),
    ]
    line = agg.funding_line(ranked, budget=100)
    assert line.funded == [1, 3]  # 2 does not fit after 1; 3 does
    assert line.skipped == [2]
    assert line.reserve == [2, 4]
    assert line.remaining == 10 and line.used == 90


def test_funding_line_exact_budget_and_quotas():
    ranked = [_item(1, 14, requested=50), _item(2, 13, requested=50), _item(3, 12, requested=10)]
    assert agg.funding_line(ranked, 100).funded == [1, 2]
    for item, group in zip(ranked, ("a", "a", "b")):
        item["group"] = group
    line = agg.funding_line(ranked, 100, quotas={"a": 0.5})
    assert line.funded == [1, 3] and line.reserve == [2]


@pytest.mark.parametrize(
    "choices,members,expected",
    [
        (["for", "for", "against"], 3, (True, True)),
        (["for", "against"], 3, (True, False)),  # 1 of 2 is not more than half
        (["for", "abstain", "against"], 3, (True, False)),
        (["for"], 3, (False, False)),  # 1 of 3 misses the quorum of half
        ([], 0, (False, False)),
    ],
)
def test_vote_outcome(choices, members, expected):
    outcome = agg.vote_outcome(choices, members, quorum=0.5, majority=0.5)
    assert (outcome.decided, outcome.funded) == expected
