"""The optimal assignment: every constraint holds, the optimum equals an independent solver's, and
infeasible instances name the constraint that cannot be met."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from app.scoring.review.assignment import AssignmentInfeasible, assign


def milp_optimum(w, k, load, eligible, foreign=None, min_foreign=0):
    """Independent reference: the same problem as a 0/1 integer programme solved by HiGHS (scipy)."""
    n_exp, n_app = w.shape
    idx = [(i, j) for i in range(n_exp) for j in range(n_app) if eligible[i, j]]
    if not idx:
        return None
    c = -np.array([w[i, j] for i, j in idx])
    rows, lo, hi = [], [], []
    for j in range(n_app):  # exactly k per application
        rows.append([1.0 if jj == j else 0.0 for _, jj in idx])
        lo.append(k)
        hi.append(k)
    for i in range(n_exp):  # load cap
        rows.append([1.0 if ii == i else 0.0 for ii, _ in idx])
        lo.append(0)
        hi.append(load)
    if min_foreign:
        for j in range(n_app):
            rows.append([1.0 if jj == j and foreign[ii] else 0.0 for ii, jj in idx])
            lo.append(min_foreign)
            hi.append(np.inf)
    res = milp(
        c,
        constraints=LinearConstraint(np.array(rows), lo, hi),
        integrality=np.ones(len(idx)),
        bounds=Bounds(0, 1),
    )
    if res.status != 0:
        return None
    return -res.fun


def brute_force(w, k, load, eligible, foreign=None, min_foreign=0):
    """Second reference for tiny instances: try every choice of k experts per application."""
    n_exp, n_app = w.shape
    options = [
        list(itertools.combinations([i for i in range(n_exp) if eligible[i, j]], k)) for j in range(n_app)
    ]
    best = None
    for choice in itertools.product(*options):
        loads = np.zeros(n_exp, int)
        ok = True
        for team in choice:
            for i in team:
                loads[i] += 1
            if min_foreign and sum(bool(foreign[i]) for i in team) < min_foreign:
                ok = False
        if not ok or loads.max() > load:
            continue
        total = sum(w[i, j] for j, team in enumerate(choice) for i in team)
        best = total if best is None or total > best else best
    return best


def check_constraints(result, w, k, load, eligible, foreign=None, min_foreign=0):
    n_exp, n_app = w.shape
    loads = np.zeros(n_exp, int)
    total = 0.0
    for j, row in enumerate(result.experts):
        assert len(row) == k and len(set(row)) == k
        for i in row:
            assert eligible[i, j]
            loads[i] += 1
            total += w[i, j]
        if min_foreign:
            assert sum(bool(foreign[i]) for i in row) >= min_foreign
        assert result.affinities[j] == sorted(result.affinities[j], reverse=True)
    assert loads.max() <= load
    assert np.array_equal(loads, result.loads)
    assert result.total_affinity == pytest.approx(total)


def random_instance(rng):
    n_exp = int(rng.integers(3, 9))
    n_app = int(rng.integers(1, 7))
    k = int(rng.integers(1, min(3, n_exp) + 1))
    load = int(rng.integers(1, 4))
    w = rng.normal(size=(n_exp, n_app)) * rng.choice([0.01, 1.0, 100.0])
    eligible = rng.random((n_exp, n_app)) > rng.choice([0.0, 0.2, 0.4])
    foreign = rng.random(n_exp) < 0.5
    min_foreign = int(rng.integers(0, k + 1)) if rng.random() < 0.5 else 0
    return w, k, load, eligible, foreign, min_foreign


def test_matches_independent_milp_on_many_random_instances():
    rng = np.random.default_rng(12345)
    solved = infeasible = 0
    for _ in range(300):
        w, k, load, eligible, foreign, f = random_instance(rng)
        conflicts = {(i, j) for i, j in zip(*np.nonzero(~eligible))}
        reference = milp_optimum(w, k, load, eligible, foreign, f)
        try:
            result = assign(w, k, load, conflicts=conflicts, foreign=foreign, min_foreign=f)
        except AssignmentInfeasible as exc:
            assert reference is None, f"assign said infeasible ({exc}) but MILP found {reference}"
            infeasible += 1
            continue
        assert reference is not None
        check_constraints(result, w, k, load, eligible, foreign, f)
        scale = max(1.0, float(np.abs(w).max()))
        assert result.total_affinity == pytest.approx(reference, abs=1e-6 * scale * w.size)
        solved += 1
    assert solved > 100 and infeasible > 20  # both kinds exercised


def test_matches_brute_force_on_tiny_instances():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(120):
        n_exp, n_app = int(rng.integers(2, 6)), int(rng.integers(1, 4))
        k = int(rng.integers(1, min(2, n_exp) + 1))
        w = rng.random((n_exp, n_app))
        eligible = rng.random((n_exp, n_app)) > 0.2
        foreign = rng.random(n_exp) < 0.5
        f = int(rng.integers(0, k + 1))
        load = int(rng.integers(1, 3))
        best = brute_force(w, k, load, eligible, foreign, f)
        try:
            result = assign(w, k, load, allowed=eligible, foreign=foreign, min_foreign=f)
        except AssignmentInfeasible:
            assert best is None
            continue
        assert best is not None
        assert result.total_affinity == pytest.approx(best, abs=1e-7)
        checked += 1
    assert checked > 40


def test_foreign_minimum_changes_the_optimum_and_is_respected():
    # the two best experts of each application are domestic; one foreign expert must come in
    w = np.array([[0.9, 0.8], [0.85, 0.9], [0.1, 0.2], [0.2, 0.1]])
    foreign = np.array([False, False, True, True])
    plain = assign(w, 2, 2)
    assert sorted(plain.experts[0]) == [0, 1] and sorted(plain.experts[1]) == [0, 1]
    result = assign(w, 2, 2, foreign=foreign, min_foreign=1)
    for row in result.experts:
        assert sum(foreign[i] for i in row) >= 1
    assert result.total_affinity == pytest.approx(milp_optimum(w, 2, 2, np.ones_like(w, bool), foreign, 1))


def test_conflict_mask_allowed_mask_and_nan_are_excluded():
    w = np.array([[5.0, 5.0], [1.0, 1.0], [0.5, np.nan]])
    mask = np.zeros_like(w, dtype=bool)
    mask[0, 0] = True
    allowed = np.ones_like(w, dtype=bool)
    allowed[0, 1] = False
    result = assign(w, 1, 2, conflicts=mask, allowed=allowed)
    assert result.experts == [[1], [1]]


def test_per_application_and_per_expert_figures():
    w = np.arange(12, dtype=float).reshape(4, 3)
    result = assign(w, [1, 2, 0], [0, 1, 1, 1])
    assert [len(r) for r in result.experts] == [1, 2, 0]
    assert result.loads[0] == 0 and result.loads.max() <= 1


def test_float_precision_distinguishes_close_affinities():
    eps = 1e-7
    w = np.array([[1.0, 1.0 + eps], [1.0 + 2 * eps, 1.0]])
    result = assign(w, 1, 1)
    assert result.experts == [[1], [0]]


# --- infeasibility: the right constraint, and by how much ---------------------------------------


def test_total_capacity_short():
    w = np.random.default_rng(0).random((13, 15))
    with pytest.raises(AssignmentInfeasible) as info:
        assign(w, 3, 3, application_ids=[f"A{j}" for j in range(15)])
    exc = info.value
    assert exc.constraint == "total_capacity"
    assert exc.details["needed"] == 45 and exc.details["available"] == 39 and exc.details["short"] == 6
    assert "39 < needed 45" in exc.message and "K=3 × 15 applications" in exc.message
    assert "raise max load by 1" in exc.message and "add 2 experts" in exc.message


def test_application_with_too_few_eligible_experts():
    w = np.ones((5, 8))
    conflicts = {(0, 6), (1, 6), (2, 6)}
    with pytest.raises(AssignmentInfeasible) as info:
        assign(w, 3, 8, conflicts=conflicts, application_ids=[f"A{j + 1}" for j in range(8)])
    exc = info.value
    assert exc.constraint == "eligible_experts"
    assert exc.details["application_id"] == "A7"
    assert "A7 has only 2 eligible experts" in exc.message and "needs 3" in exc.message


def test_application_with_too_few_foreign_experts():
    w = np.ones((6, 4))
    foreign = np.array([True, True, True, False, False, False])
    conflicts = {(0, 2), (1, 2)}
    with pytest.raises(AssignmentInfeasible) as info:
        assign(
            w,
            3,
            4,
            conflicts=conflicts,
            foreign=foreign,
            min_foreign=2,
            application_ids=["A1", "A2", "A3", "A4"],
        )
    exc = info.value
    assert exc.constraint == "eligible_foreign"
    assert "A3 has only 1 eligible foreign expert, needs 2" in exc.message


def test_foreign_capacity_short():
    w = np.ones((10, 6))
    foreign = np.array([True] * 3 + [False] * 7)
    with pytest.raises(AssignmentInfeasible) as info:
        assign(w, 3, 3, foreign=foreign, min_foreign=2)
    exc = info.value
    assert exc.constraint == "foreign_capacity"
    assert exc.details["needed"] == 12 and exc.details["available"] == 9
    assert "add 1 foreign expert" in exc.message


def test_combined_bottleneck_found_by_min_cut():
    # A0, A1 may only use experts 0 and 1 (load 1 each) but need 2 each; other apps are fine
    w = np.ones((6, 4))
    eligible = np.ones_like(w, dtype=bool)
    eligible[2:, 0] = False
    eligible[2:, 1] = False
    with pytest.raises(AssignmentInfeasible) as info:
        assign(w, 2, [1, 1, 2, 2, 2, 2], allowed=eligible, application_ids=["A0", "A1", "A2", "A3"])
    exc = info.value
    assert exc.constraint == "combined"
    assert set(exc.details["application_ids"]) == {"A0", "A1"}
    assert exc.details["needed"] == 4 and exc.details["available"] == 2 and exc.details["short"] == 2


def test_min_foreign_above_k_is_a_parameter_error():
    with pytest.raises(AssignmentInfeasible) as info:
        assign(np.ones((4, 2)), 2, 2, foreign=np.ones(4, bool), min_foreign=3)
    assert info.value.constraint == "parameters"


def test_benchmark_scale_smoke():
    """A mid-size instance solves quickly and within all constraints (the full 2 500 × 1 000 is in bench/)."""
    rng = np.random.default_rng(3)
    w = rng.random((200, 500))
    foreign = rng.random(200) < 0.7
    result = assign(w, 3, 8, foreign=foreign, min_foreign=2)
    check_constraints(result, w, 3, 8, np.ones_like(w, bool), foreign, 2)
