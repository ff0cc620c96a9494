"""The compiled GNN assignment against an independent solver (SciPy's)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from stratowatch.tracking import GNNWith2DAssignment
from stratowatch.tracking.association import gnn_two_stage


def _scipy_best(pi: np.ndarray, pj: np.ndarray, cost: np.ndarray, nt: int, nm: int) -> float:
    """Least total cost with "leave unassigned" at cost 0, by SciPy on the dense matrix."""
    mat = np.zeros((nt, nm))
    mat[pi, pj] = np.minimum(cost, 0.0)
    rows, cols = linear_sum_assignment(mat)
    return float(mat[rows, cols].sum())


def _problem(rng: np.random.Generator, nt: int, nm: int, density: float
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gated = rng.random((nt, nm)) < density
    pi, pj = np.nonzero(gated)
    cost = rng.normal(-1.0, 2.0, pi.size)
    return pi.astype(np.int64), pj.astype(np.int64), cost


def test_gnn_reaches_the_least_total_cost_of_an_exact_solver() -> None:
    rng = np.random.default_rng(7)
    gnn = GNNWith2DAssignment()
    for trial in range(300):
        nt, nm = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        pi, pj, cost = _problem(rng, nt, nm, float(rng.uniform(0.1, 0.9)))
        chosen = gnn.associate(pi, pj, cost, nt, nm)
        # a valid assignment: each track and each report at most once, only negative costs
        assert np.unique(pi[chosen]).size == chosen.size, trial
        assert np.unique(pj[chosen]).size == chosen.size, trial
        assert np.all(cost[chosen] < 0.0), trial
        assert np.isclose(cost[chosen].sum(), _scipy_best(pi, pj, cost, nt, nm)), trial


def test_two_stage_gives_confirmed_tracks_first_choice() -> None:
    # track 0 (confirmed) and track 1 (tentative) both want report 0; track 1 wants it more,
    # but the confirmed track takes it and the tentative one falls back to report 1
    pi = np.array([0, 1, 1], dtype=np.int64)
    pj = np.array([0, 0, 1], dtype=np.int64)
    cost = np.array([-1.0, -5.0, -0.5])
    first = np.array([True, False, False])
    chosen = gnn_two_stage(pi, pj, cost, first, 2, 2)
    assert sorted(zip(pi[chosen].tolist(), pj[chosen].tolist(), strict=True)) == [(0, 0), (1, 1)]
    # one stage would have given report 0 to the tentative track
    single = GNNWith2DAssignment().associate(pi, pj, cost, 2, 2)
    assert sorted(zip(pi[single].tolist(), pj[single].tolist(), strict=True)) == [(1, 0)]
