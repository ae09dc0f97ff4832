"""Optimal expert assignment: exactly K experts per application, at most L applications per expert.

Pure code (no Flask, no database). ``assign`` maximises the total affinity of the chosen
(expert, application) pairs under hard constraints:

* every application j gets exactly ``k[j]`` experts (an int for all, or one figure per application);
* every expert i gets at most ``max_load[i]`` applications;
* no pair that is a conflict of interest, and no pair outside ``allowed`` (e.g. a pair absent from an
  ``--affinity`` file);
* optionally at least ``min_foreign[j]`` foreign experts per application.

The problem is solved exactly as a min-cost flow (OR-Tools ``SimpleMinCostFlow``)::

    source --(cap L_i)--> expert i --(cap 1, cost -w_ij)--> application j --(cap K_j)--> sink
                                  \\--(cap 1, cost -w_ij)--> domestic_j --(cap K_j - F_j)--/

Foreign experts reach application j directly, domestic experts only through the sub-node ``domestic_j``,
whose arc into j carries at most ``K_j - F_j`` units. As j must receive exactly ``K_j`` units, at least
``F_j`` come from foreign experts: the lower bound becomes an upper bound on the complement, so the
network stays a plain flow network (totally unimodular, hence integral optimal flows, no MIP needed).

Costs must be integers: affinities are shifted (which changes nothing, as every feasible assignment has
the same number of pairs) and scaled so that the widest affinity range maps onto ``COST_RESOLUTION``
integer steps (about 1e-9 of the range per pair), far below any meaningful difference in affinity.

When the constraints cannot be met, ``AssignmentInfeasible`` names the constraint and the shortfall. Cheap
pre-checks catch the usual causes (too few eligible experts for an application, too few eligible foreign
experts, total or foreign capacity short); anything subtler (a group of applications competing for the
same few experts) is found from a max-flow min-cut and reported with the applications concerned.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: affinities are mapped onto this many integer cost steps (see the module docstring)
COST_RESOLUTION = 1 << 30


class AssignmentInfeasible(Exception):
    """The constraints cannot all be met.

    ``constraint`` is a stable code: ``parameters``, ``eligible_experts``, ``eligible_foreign``,
    ``total_capacity``, ``foreign_capacity`` or ``combined``; ``details`` carries the figures
    (``needed``, ``available``, ``short`` and, where it applies, ``application_id``/``application_ids``).
    """

    def __init__(self, constraint: str, message: str, details: dict[str, Any] | None = None):
        self.constraint = constraint
        self.message = message
        self.details = details or {}
        super().__init__(message)


@dataclass
class Assignment:
    """An optimal assignment. ``experts[j]`` lists the expert indices of application j, best first."""

    experts: list[list[int]]
    affinities: list[list[float]]
    total_affinity: float
    loads: np.ndarray
    solver: str = "ortools-min-cost-flow"
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """All (expert index, application index) pairs."""
        return [(i, j) for j, row in enumerate(self.experts) for i in row]

    def as_mask(self, n_experts: int) -> np.ndarray:
        mask = np.zeros((n_experts, len(self.experts)), dtype=bool)
        for i, j in self.pairs:
            mask[i, j] = True
        return mask


def _per(value: int | Sequence[int] | np.ndarray, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.full(n, int(arr), dtype=np.int64)
    elif arr.shape != (n,):
        raise AssignmentInfeasible("parameters", f"{name} must be one number or one per row ({n})")
    if not np.all(np.equal(np.mod(arr, 1), 0)):
        raise AssignmentInfeasible("parameters", f"{name} must be whole numbers")
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        raise AssignmentInfeasible("parameters", f"{name} cannot be negative")
    return arr


def conflict_mask(
    conflicts: Iterable[tuple[int, int]] | np.ndarray | None, shape: tuple[int, int]
) -> np.ndarray:
    """A boolean (experts × applications) mask from a set of (expert, application) index pairs or a mask."""
    mask = np.zeros(shape, dtype=bool)
    if conflicts is None:
        return mask
    if isinstance(conflicts, np.ndarray) and conflicts.dtype == bool:
        if conflicts.shape != shape:
            raise AssignmentInfeasible(
                "parameters", f"conflict mask has shape {conflicts.shape}, not {shape}"
            )
        return conflicts.copy()
    for i, j in conflicts:
        mask[int(i), int(j)] = True
    return mask


def _name(ids: Sequence[str] | None, index: int, prefix: str) -> str:
    return str(ids[index]) if ids is not None else f"{prefix}{index}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def assign(
    affinity: np.ndarray,
    k: int | Sequence[int] | np.ndarray,
    max_load: int | Sequence[int] | np.ndarray,
    conflicts: Iterable[tuple[int, int]] | np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    foreign: Sequence[bool] | np.ndarray | None = None,
    min_foreign: int | Sequence[int] | np.ndarray = 0,
    expert_ids: Sequence[str] | None = None,
    application_ids: Sequence[str] | None = None,
) -> Assignment:
    """The assignment of maximum total affinity under the constraints (see the module docstring).

    ``affinity`` is an (n_experts × n_applications) float matrix, higher = more expert; non-finite
    entries are treated as not allowed. ``conflicts`` is a set of (expert index, application index) pairs
    or a boolean mask; ``allowed`` a boolean mask (False = may not be assigned); ``foreign`` a boolean
    per expert. Raises ``AssignmentInfeasible`` naming the constraint that cannot be met.
    """
    w = np.asarray(affinity, dtype=np.float64)
    if w.ndim != 2:
        raise AssignmentInfeasible("parameters", "affinity must be a 2-D matrix (experts × applications)")
    n_exp, n_app = w.shape
    K = _per(k, n_app, "per_application")
    L = _per(max_load, n_exp, "max_load")
    F = _per(min_foreign, n_app, "min_foreign")
    is_foreign = np.zeros(n_exp, dtype=bool) if foreign is None else np.asarray(foreign, dtype=bool)
    if is_foreign.shape != (n_exp,):
        raise AssignmentInfeasible("parameters", f"foreign must give one flag per expert ({n_exp})")
    bad = np.nonzero(F > K)[0]
    if bad.size:
        j = int(bad[0])
        raise AssignmentInfeasible(
            "parameters",
            f"min_foreign {F[j]} exceeds per_application {K[j]} "
            f"for application {_name(application_ids, j, 'A')}",
            {"application_id": _name(application_ids, j, "A"), "needed": int(F[j]), "available": int(K[j])},
        )

    eligible = np.isfinite(w) & ~conflict_mask(conflicts, (n_exp, n_app))
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.shape != w.shape:
            raise AssignmentInfeasible("parameters", f"allowed mask has shape {allowed.shape}, not {w.shape}")
        eligible &= allowed
    eligible[L == 0, :] = False
    eligible[:, K == 0] = False

    _precheck(eligible, K, L, F, is_foreign, expert_ids, application_ids)

    need = int(K.sum())
    if need == 0:
        return Assignment(
            [[] for _ in range(n_app)],
            [[] for _ in range(n_app)],
            0.0,
            np.zeros(n_exp, dtype=np.int64),
            stats={"arcs": 0},
        )

    ei, aj = np.nonzero(eligible)
    net = _Network(ei, aj, w[ei, aj], K, L, F, is_foreign)
    flow = net.solve()
    if flow is None:
        _diagnose(net, K, expert_ids, application_ids)  # always raises

    chosen = flow[: ei.size] > 0
    ci, cj = ei[chosen], aj[chosen]
    experts: list[list[int]] = [[] for _ in range(n_app)]
    for i, j in zip(ci.tolist(), cj.tolist()):
        experts[j].append(i)
    for j in range(n_app):
        experts[j].sort(key=lambda i: (-w[i, j], i))
    affinities = [[float(w[i, j]) for i in row] for j, row in enumerate(experts)]
    loads = np.bincount(ci, minlength=n_exp).astype(np.int64)
    _verify(experts, eligible, K, L, F, is_foreign, loads)
    return Assignment(
        experts,
        affinities,
        float(w[ci, cj].sum()),
        loads,
        stats={"arcs": int(ei.size), "nodes": net.n_nodes, "scale": net.scale},
    )


def _verify(experts, eligible, K, L, F, is_foreign, loads) -> None:
    """Belt and braces: the solver's answer must satisfy every constraint."""
    for j, row in enumerate(experts):
        if len(row) != K[j] or len(set(row)) != len(row):
            raise RuntimeError(f"solver returned {len(row)} experts for application {j}, expected {K[j]}")
        if any(not eligible[i, j] for i in row):
            raise RuntimeError(f"solver assigned an ineligible pair to application {j}")
        if sum(bool(is_foreign[i]) for i in row) < F[j]:
            raise RuntimeError(f"solver broke the foreign minimum for application {j}")
    if np.any(loads > L):
        raise RuntimeError("solver broke a load cap")


class _Network:
    """The flow network of the module docstring, solved with OR-Tools."""

    def __init__(self, ei, aj, weights, K, L, F, is_foreign):
        n_exp, n_app = L.size, K.size
        self.n_exp, self.n_app = n_exp, n_app
        self.source = 0
        self.expert0 = 1
        self.app0 = 1 + n_exp
        self.dom0 = 1 + n_exp + n_app
        self.sink = 1 + n_exp + 2 * n_app
        self.n_nodes = self.sink + 1
        self.K, self.L, self.F = K, L, F
        if weights.size:
            lo, hi = float(weights.min()), float(weights.max())
        else:
            lo, hi = 0.0, 0.0
        span = hi - lo
        self.scale = COST_RESOLUTION / span if span > 0 else 1.0
        # cost = -(w - lo) * scale, rounded: in [-COST_RESOLUTION, 0]
        cost_pair = -np.rint((weights - lo) * self.scale).astype(np.int64)
        via_domestic = (~is_foreign[ei]) & (F[aj] > 0)
        head_pair = np.where(via_domestic, self.dom0 + aj, self.app0 + aj)
        apps = np.arange(n_app)
        experts = np.arange(n_exp)
        tails = [self.expert0 + ei, np.full(n_exp, self.source), self.dom0 + apps, self.app0 + apps]
        heads = [head_pair, self.expert0 + experts, self.app0 + apps, np.full(n_app, self.sink)]
        caps = [np.ones(ei.size, dtype=np.int64), L, K - F, K]
        costs = [
            cost_pair,
            np.zeros(n_exp, dtype=np.int64),
            np.zeros(n_app, dtype=np.int64),
            np.zeros(n_app, dtype=np.int64),
        ]
        self.tails = np.concatenate(tails).astype(np.int32)
        self.heads = np.concatenate(heads).astype(np.int32)
        self.caps = np.concatenate(caps).astype(np.int64)
        self.costs = np.concatenate(costs).astype(np.int64)
        self.need = int(K.sum())

    def solve(self) -> np.ndarray | None:
        from ortools.graph.python import min_cost_flow

        mcf = min_cost_flow.SimpleMinCostFlow()
        mcf.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, self.caps, self.costs)
        supplies = np.zeros(self.n_nodes, dtype=np.int64)
        supplies[self.source] = self.need
        supplies[self.sink] = -self.need
        mcf.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int32), supplies)
        status = mcf.solve()
        if status == mcf.OPTIMAL:
            return np.asarray(mcf.flows(np.arange(self.tails.size, dtype=np.int32)))
        if status == mcf.INFEASIBLE:
            return None
        raise RuntimeError(f"min-cost flow solver failed with status {status}")

    def max_flow(self):
        from ortools.graph.python import max_flow

        smf = max_flow.SimpleMaxFlow()
        smf.add_arcs_with_capacity(self.tails, self.heads, self.caps)
        status = smf.solve(self.source, self.sink)
        if status != smf.OPTIMAL:
            raise RuntimeError(f"max-flow solver failed with status {status}")
        return smf.optimal_flow(), set(smf.get_sink_side_min_cut())


def _precheck(eligible, K, L, F, is_foreign, expert_ids, application_ids) -> None:
    n_exp, n_app = eligible.shape
    need = int(K.sum())
    # 1. each application on its own: enough eligible experts, enough eligible foreign experts
    n_eligible = eligible.sum(axis=0)
    short = np.nonzero(n_eligible < K)[0]
    if short.size:
        j = int(short[0])
        names = [_name(application_ids, int(x), "A") for x in short]
        more = (
            f" (and {len(names) - 1} more: {', '.join(names[1:6])}{'…' if len(names) > 6 else ''})"
            if len(names) > 1
            else ""
        )
        raise AssignmentInfeasible(
            "eligible_experts",
            f"application {names[0]} has only {_plural(int(n_eligible[j]), 'eligible expert')} "
            "after conflicts "
            f"and exclusions, needs {K[j]}{more}",
            {
                "application_id": names[0],
                "application_ids": names,
                "needed": int(K[j]),
                "available": int(n_eligible[j]),
                "short": int(K[j] - n_eligible[j]),
            },
        )
    n_foreign = (eligible & is_foreign[:, None]).sum(axis=0)
    short = np.nonzero(n_foreign < F)[0]
    if short.size:
        j = int(short[0])
        names = [_name(application_ids, int(x), "A") for x in short]
        more = (
            f" (and {len(names) - 1} more: {', '.join(names[1:6])}{'…' if len(names) > 6 else ''})"
            if len(names) > 1
            else ""
        )
        raise AssignmentInfeasible(
            "eligible_foreign",
            f"application {names[0]} has only {_plural(int(n_foreign[j]), 'eligible foreign expert')}, "
            f"needs {F[j]}{more}",
            {
                "application_id": names[0],
                "application_ids": names,
                "needed": int(F[j]),
                "available": int(n_foreign[j]),
                "short": int(F[j] - n_foreign[j]),
            },
        )
    # 2. capacity in total: an expert can give at most min(load cap, number of eligible applications)
    degree = eligible.sum(axis=1)
    capacity = int(np.minimum(L, degree).sum())
    if capacity < need:
        gap = need - capacity
        k_text = f"K={int(K[0])} × {n_app} applications" if np.all(K == K[0]) else f"{n_app} applications"
        raise_by = _load_raise(L, degree, need)
        typical = max(1, int(np.median(L[L > 0])) if np.any(L > 0) else 1)
        add = math.ceil(gap / typical)
        fixes = []
        if raise_by is not None:
            fixes.append(f"raise max load by {raise_by}")
        fixes.append(f"add {_plural(add, 'expert')}")
        raise AssignmentInfeasible(
            "total_capacity",
            f"total capacity {capacity} < needed {need} ({k_text}): {' or '.join(fixes)}",
            {
                "needed": need,
                "available": capacity,
                "short": gap,
                "raise_max_load_by": raise_by,
                "add_experts": add,
            },
        )
    # 3. foreign capacity in total
    need_f = int(F.sum())
    if need_f:
        degree_f = (eligible[:, F > 0]).sum(axis=1)
        fl = np.where(is_foreign, L, 0)
        capacity_f = int(np.minimum(fl, degree_f).sum())
        if capacity_f < need_f:
            gap = need_f - capacity_f
            f_text = f"F={int(F[0])} × {n_app} applications" if np.all(F == F[0]) else f"{n_app} applications"
            raise_by = _load_raise(fl, np.where(is_foreign, degree_f, 0), need_f)
            typical = max(1, int(np.median(L[L > 0])) if np.any(L > 0) else 1)
            add = math.ceil(gap / typical)
            fixes = []
            if raise_by is not None:
                fixes.append(f"raise max load by {raise_by}")
            fixes.append(f"add {_plural(add, 'foreign expert')}")
            raise AssignmentInfeasible(
                "foreign_capacity",
                f"foreign capacity {capacity_f} < needed {need_f} foreign places ({f_text}): "
                f"{' or '.join(fixes)}",
                {
                    "needed": need_f,
                    "available": capacity_f,
                    "short": gap,
                    "raise_max_load_by": raise_by,
                    "add_experts": add,
                },
            )


def _load_raise(L, degree, need) -> int | None:
    """The smallest uniform raise of the load caps that gives enough capacity, or None if none does."""
    active = L > 0
    if int(np.minimum(L + 10**9, degree)[active].sum()) < need:
        return None
    lo, hi = 1, int(degree.max()) + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if int(np.minimum(L + mid, degree)[active].sum()) >= need:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _diagnose(net: _Network, K, expert_ids, application_ids) -> None:
    """Explain an infeasibility the pre-checks missed, from a minimum cut. Always raises."""
    flow, sink_side = net.max_flow()
    need = net.need
    short = need - int(flow)
    # The sink side of the minimum cut (the nodes that can still reach the sink in the residual
    # network) holds the applications left short and every application that could only help them by
    # giving up an expert, plus the experts they compete for, all fully loaded. Together these
    # applications need sum(K) units and the cut shows they can receive only that minus ``short``.
    group = [j for j in range(net.n_app) if (net.app0 + j) in sink_side and K[j] > 0]
    names = [_name(application_ids, j, "A") for j in group]
    needed = int(sum(int(K[j]) for j in group))
    available = needed - short
    experts = sorted(i for i in range(net.n_exp) if (net.expert0 + i) in sink_side)
    expert_names = [_name(expert_ids, i, "E") for i in experts]
    listed = ", ".join(names[:8]) + ("…" if len(names) > 8 else "")
    raise AssignmentInfeasible(
        "combined",
        f"applications {listed} ({len(names)}) need {needed} expert places but their eligible experts can "
        f"fill only {available} under the load caps, conflicts and foreign minimum "
        f"(short by {short}): raise the load cap, add experts eligible for these applications, "
        "or relax the foreign minimum",
        {
            "needed": needed,
            "available": available,
            "short": short,
            "application_ids": names,
            "expert_ids": expert_names,
        },
    )
