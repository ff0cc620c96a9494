"""Data association: global nearest neighbour (linear assignment) and JPDA.

Both split the gated (track, report) graph into connected clusters first, so a scene of
thousands of tracks is thousands of small problems; clusters with one track or one report need
no assignment at all, the rest are solved exactly by the shortest-augmenting-path (Hungarian)
method (GNN, all compiled: one call per frame, no Python per cluster) or by exact joint-event
enumeration (JPDA; clusters above ``max_events`` joint events fall back to Fitzgerald's cheap
JPDA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

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
def _hungarian(a: FloatArray) -> IntArray:
    """Least-cost assignment of every row of ``a`` (n rows <= m columns) to a distinct column:
    shortest augmenting paths with row and column potentials, O(n^2 m)."""
    n, m = a.shape
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    owner = np.zeros(m + 1, dtype=np.int64)  # row (1-based) holding column j; 0: none
    way = np.zeros(m + 1, dtype=np.int64)
    minv = np.empty(m + 1)
    used = np.empty(m + 1, dtype=np.bool_)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        minv[:] = np.inf
        used[:] = False
        while True:
            used[j0] = True
            i0 = owner[j0]
            delta = np.inf
            j1 = 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = a[i0 - 1, j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0 != 0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    col_of = np.full(n, -1, dtype=np.int64)
    for j in range(1, m + 1):
        if owner[j] > 0:
            col_of[owner[j] - 1] = j - 1
    return col_of


@njit(cache=True)
def _solve_cluster(idx: IntArray, pi: IntArray, pj: IntArray, cost: FloatArray,
                   t_local: IntArray, m_local: IntArray, out: IntArray, k: int) -> int:
    """Least-cost assignment within one cluster (pairs ``idx``), unassigned costing 0, so only
    pairs of negative cost are kept; appends the chosen pair indices to ``out`` from ``k``."""
    nt = 0
    nm = 0
    for q in idx:
        if t_local[pi[q]] < 0:
            t_local[pi[q]] = nt
            nt += 1
        if m_local[pj[q]] < 0:
            m_local[pj[q]] = nm
            nm += 1
    rows_are_tracks = nt <= nm
    nr, nc = (nt, nm) if rows_are_tracks else (nm, nt)
    mat = np.zeros((nr, nc))
    pair_at = np.full((nr, nc), -1, dtype=np.int64)
    for q in idx:
        a, b = t_local[pi[q]], m_local[pj[q]]
        if not rows_are_tracks:
            a, b = b, a
        mat[a, b] = cost[q]
        pair_at[a, b] = q
    col_of = _hungarian(mat)
    for a in range(nr):
        c = col_of[a]
        if c >= 0 and pair_at[a, c] >= 0 and mat[a, c] < 0.0:
            out[k] = pair_at[a, c]
            k += 1
    for q in idx:  # leave the scratch maps clean for the next cluster
        t_local[pi[q]] = -1
        m_local[pj[q]] = -1
    return k


@njit(cache=True)
def gnn_assign(pi: IntArray, pj: IntArray, cost: FloatArray, n_tracks: int,
               n_reports: int) -> IntArray:
    """Indices of the pairs of the least-cost joint assignment (pairs of positive cost are never
    chosen): per cluster, the best pair where the cluster has one track or one report, the
    Hungarian method elsewhere."""
    ok = np.flatnonzero(cost < 0.0)
    if ok.size == 0:
        return np.empty(0, dtype=np.int64)
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
    out = np.empty(ok.size, dtype=np.int64)
    k = 0
    for c in range(n_lab):
        if best[c] >= 0:
            out[k] = ok[best[c]]
            k += 1
    if n_hard:
        hard = np.empty(n_hard, dtype=np.int64)
        hard_lab = np.empty(n_hard, dtype=np.int64)
        h = 0
        for q in range(ok.size):
            c = lab[q]
            if not (n_t[c] == 1 or n_m[c] == 1):
                hard[h] = ok[q]
                hard_lab[h] = c
                h += 1
        order = np.argsort(hard_lab, kind="mergesort")
        hard = hard[order]
        hard_lab = hard_lab[order]
        t_local = np.full(n_tracks, -1, dtype=np.int64)
        m_local = np.full(n_reports, -1, dtype=np.int64)
        s = 0
        for e in range(1, n_hard + 1):
            if e == n_hard or hard_lab[e] != hard_lab[s]:
                k = _solve_cluster(hard[s:e], pi, pj, cost, t_local, m_local, out, k)
                s = e
    return out[:k]


@njit(cache=True)
def gnn_two_stage(pi: IntArray, pj: IntArray, cost: FloatArray, first: npt.NDArray[np.bool_],
                  n_tracks: int, n_reports: int) -> IntArray:
    """GNN over the pairs marked ``first`` (confirmed tracks), then over the remaining pairs
    whose reports the first stage left free."""
    sel1 = np.flatnonzero(first)
    if sel1.size == 0 or sel1.size == pi.shape[0]:
        return gnn_assign(pi, pj, cost, n_tracks, n_reports)
    c1 = sel1[gnn_assign(pi[sel1], pj[sel1], cost[sel1], n_tracks, n_reports)]
    taken = np.zeros(n_reports, dtype=np.bool_)
    for q in c1:
        taken[pj[q]] = True
    rest = np.empty(pi.shape[0], dtype=np.int64)
    h = 0
    for q in range(pi.shape[0]):
        if not first[q] and not taken[pj[q]]:
            rest[h] = q
            h += 1
    rest = rest[:h]
    c2 = rest[gnn_assign(pi[rest], pj[rest], cost[rest], n_tracks, n_reports)]
    return np.concatenate((c1, c2))


@dataclass(frozen=True)
class GNNWith2DAssignment:
    """Global nearest neighbour: the one joint assignment of least total cost.

    ``cost`` of a pair is minus its log likelihood ratio against "missed and the report is
    clutter"; pairs with a positive cost are never assigned (leaving both free is better).
    By default confirmed and tentative tracks compete in one assignment, so a target whose
    track is still tentative keeps its report when it passes close to a confirmed track: with
    ``confirmed_first`` the confirmed tracks choose first and a tentative one only gets what
    they left, which made crossing targets swap tracks (Stone Soup's trackers work that way,
    the initiator getting the detections the tracker did not use).
    """

    confirmed_first: bool = False

    def associate(self, pi: IntArray, pj: IntArray, cost: FloatArray, n_tracks: int,
                  n_reports: int) -> IntArray:
        """Indices of the assigned pairs."""
        return gnn_assign(pi, pj, cost, n_tracks, n_reports)


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
