"""Data association: global nearest neighbour (linear assignment) and JPDA.

Both split the gated (track, report) graph into connected clusters first, so a scene of
thousands of tracks is thousands of small problems; clusters with one track or one report need
no assignment at all (compiled), the rest go to ``scipy.optimize.linear_sum_assignment`` (GNN)
or to exact joint-event enumeration (JPDA; clusters above ``max_events`` joint events fall back to
Fitzgerald's cheap JPDA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.optimize import linear_sum_assignment

from stratowatch.tracking.imm import jpda_marginals

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@njit(cache=True)
def _root(parent: IntArray, a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def clusters(pi: IntArray, pj: IntArray, n_tracks: int, n_reports: int
             ) -> tuple[IntArray, IntArray, IntArray]:
    """Cluster of every pair (tracks and reports linked through pairs, union-find), and per
    cluster label the number of distinct tracks and of distinct reports in it."""
    n = n_tracks + n_reports
    parent = np.arange(n)
    for p in range(pi.shape[0]):
        a = _root(parent, pi[p])
        b = _root(parent, n_tracks + pj[p])
        if a != b:
            parent[max(a, b)] = min(a, b)
    label_of = np.full(n, -1, dtype=np.int64)
    lab = np.empty(pi.shape[0], dtype=np.int64)
    count = 0
    for p in range(pi.shape[0]):
        r = _root(parent, pi[p])
        if label_of[r] < 0:
            label_of[r] = count
            count += 1
        lab[p] = label_of[r]
    n_t = np.zeros(count, dtype=np.int64)
    n_m = np.zeros(count, dtype=np.int64)
    seen = np.zeros(n, dtype=np.bool_)
    for p in range(pi.shape[0]):
        if not seen[pi[p]]:
            seen[pi[p]] = True
            n_t[lab[p]] += 1
        if not seen[n_tracks + pj[p]]:
            seen[n_tracks + pj[p]] = True
            n_m[lab[p]] += 1
    return lab, n_t, n_m


@njit(cache=True)
def _gnn_core(pi: IntArray, pj: IntArray, cost: FloatArray, n_tracks: int, n_reports: int
              ) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs worth assigning (negative cost) split into clusters: the least-cost pair of every
    cluster with one track or one report (chosen), and the pairs and labels of the others."""
    ok = np.flatnonzero(cost < 0.0)
    if ok.size == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e, e
    lab, n_t, n_m = clusters(pi[ok], pj[ok], n_tracks, n_reports)
    n_lab = n_t.shape[0]
    best = np.full(n_lab, -1, dtype=np.int64)
    n_hard = 0
    for q in range(ok.size):
        c = lab[q]
        if n_t[c] == 1 or n_m[c] == 1:
            b = best[c]
            if b < 0 or cost[ok[q]] < cost[ok[b]]:
                best[c] = q
        else:
            n_hard += 1
    chosen = np.empty(n_lab, dtype=np.int64)
    k = 0
    for c in range(n_lab):
        if best[c] >= 0:
            chosen[k] = ok[best[c]]
            k += 1
    hard = np.empty(n_hard, dtype=np.int64)
    hard_lab = np.empty(n_hard, dtype=np.int64)
    h = 0
    for q in range(ok.size):
        c = lab[q]
        if not (n_t[c] == 1 or n_m[c] == 1):
            hard[h] = ok[q]
            hard_lab[h] = c
            h += 1
    return chosen[:k], hard, hard_lab


@dataclass(frozen=True)
class GNNWith2DAssignment:
    """Global nearest neighbour: the one joint assignment of least total cost.

    ``cost`` of a pair is minus its log likelihood ratio against "missed and the report is
    clutter"; pairs with a positive cost are never assigned (leaving both free is better).
    """

    def associate(self, pi: IntArray, pj: IntArray, cost: FloatArray, n_tracks: int,
                  n_reports: int) -> IntArray:
        """Indices of the assigned pairs."""
        chosen, hard, hard_lab = _gnn_core(pi, pj, cost, n_tracks, n_reports)
        if hard.size == 0:
            return chosen
        out = [chosen]
        order = np.argsort(hard_lab, kind="stable")
        hard, hard_lab = hard[order], hard_lab[order]
        cuts = np.flatnonzero(np.diff(hard_lab)) + 1
        for idx in np.split(hard, cuts):
            ti, ti_inv = np.unique(pi[idx], return_inverse=True)
            mj, mj_inv = np.unique(pj[idx], return_inverse=True)
            mat = np.zeros((ti.size, mj.size))
            mat[ti_inv, mj_inv] = cost[idx]
            rows, cols = linear_sum_assignment(mat)
            keep = mat[rows, cols] < 0.0
            lookup = np.full((ti.size, mj.size), -1, dtype=np.int64)
            lookup[ti_inv, mj_inv] = idx
            found = lookup[rows[keep], cols[keep]]
            out.append(found[found >= 0])
        return np.concatenate(out)


@dataclass(frozen=True)
class JPDA:
    """Joint probabilistic data association: each track takes every gated report weighted by
    the probability that it is the track's, over all joint events of its cluster."""

    p_detect: float = 0.9
    max_events: int = 20000

    def associate(self, pi: IntArray, pj: IntArray, ratio: FloatArray, n_tracks: int,
                  n_reports: int) -> tuple[FloatArray, FloatArray]:
        """Per pair beta and per track beta0 (no report is the track's), from likelihood
        ratios ``ratio`` (pair likelihood over clutter density, detection probability not yet
        applied)."""
        beta = np.zeros(pi.shape[0])
        beta0 = np.ones(n_tracks)
        if pi.size == 0:
            return beta, beta0
        g = self.p_detect * ratio
        miss = 1.0 - self.p_detect
        lab, n_t, _n_m = clusters(pi, pj, n_tracks, n_reports)
        # a cluster of one track has the closed form beta_j = g_j / (miss + sum g)
        single = n_t[lab] == 1
        if single.any():
            sp = np.flatnonzero(single)
            total = np.bincount(pi[sp], weights=g[sp], minlength=n_tracks) + miss
            beta[sp] = g[sp] / total[pi[sp]]
            trk = np.unique(pi[sp])
            beta0[trk] = miss / total[trk]
        multi = np.flatnonzero(~single)
        if multi.size == 0:
            return beta, beta0
        order = multi[np.argsort(lab[multi], kind="stable")]
        lab_s = lab[order]
        starts = np.flatnonzero(np.r_[True, lab_s[1:] != lab_s[:-1]])
        ends = np.r_[starts[1:], lab_s.shape[0]]
        for s, e in zip(starts, ends, strict=True):
            idx = order[s:e]
            ti, ti_inv = np.unique(pi[idx], return_inverse=True)
            mj, mj_inv = np.unique(pj[idx], return_inverse=True)
            G = np.zeros((ti.size, mj.size))
            G[ti_inv, mj_inv] = g[idx]
            if _events_bound(G) <= self.max_events:
                b, b0 = jpda_marginals(G, miss)
            else:
                b, b0 = _cheap_jpda(G, miss)
            beta[idx] = b[ti_inv, mj_inv]
            beta0[ti] = b0
        return beta, beta0


def _events_bound(G: FloatArray) -> float:
    """An upper bound on the joint events of a cluster (product of choices per track)."""
    return float(np.prod((G > 0).sum(axis=1) + 1.0))


def _cheap_jpda(G: FloatArray, miss: float) -> tuple[FloatArray, FloatArray]:
    """Fitzgerald's cheap JPDA: weights discounted by how contested each report is."""
    row = G.sum(axis=1, keepdims=True)
    col = G.sum(axis=0, keepdims=True)
    w = G / np.maximum(row + col - G + miss, 1e-300)
    total = w.sum(axis=1, keepdims=True) + miss / np.maximum(row + miss, 1e-300)
    b0 = (miss / np.maximum(row + miss, 1e-300)) / total
    return w / total, b0[:, 0]


__all__ = ["JPDA", "GNNWith2DAssignment", "clusters"]
