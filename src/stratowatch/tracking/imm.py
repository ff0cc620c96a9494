"""The interacting multiple model over many tracks and report pairs at once (compiled).

Each track holds one state per mode (``xs`` (N, K, 6), ``Ps`` (N, K, 6, 6)) and mode
probabilities ``mu`` (N, K). For a (track, report) pair, ``pair_scores`` mixes the modes with a
transition matrix that depends on the elapsed time, predicts each mode to the report's time and
scores the report; the update kernels then apply the chosen reports (GNN) or the
probability-weighted ones (JPDA), re-weigh the modes and move each track's tangent plane to its
new estimate. The drift mode's probability is the tracker's evidence for "moves with the wind";
besides the position innovations it weighs how close the track's air-independent velocity (the
first, nearly-constant-velocity mode) is to the wind, tempered to count once per
``evidence_time_s``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from stratowatch.tracking.filters import (
    LOG_2PI,
    innovation_into,
    oos_update,
    plane_move,
    plane_offsets_m,
    predict_into,
    transition,
    update_into,
)
from stratowatch.tracking.models import DRIFT, NCV

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
MU_FLOOR = 1e-6
"""Smallest mode probability kept, so that a mode can always come back."""


@njit(cache=True)
def _tpm(dt: float, models: FloatArray, p: FloatArray) -> None:
    """Mode transition probabilities p[from, to] over dt seconds, into ``p`` (K, K)."""
    K = models.shape[0]
    for a in range(K):
        if K == 1:
            p[a, a] = 1.0
            continue
        stay = math.exp(-abs(dt) / models[a, 7])
        for b in range(K):
            p[a, b] = stay if a == b else (1.0 - stay) / (K - 1)


@njit(cache=True)
def _mix(i: int, dt: float, xs: FloatArray, Ps: FloatArray, mu: FloatArray, models: FloatArray,
         tp: FloatArray, cbar: FloatArray, x0: FloatArray, P0: FloatArray) -> None:
    """IMM mixing of track i over dt: predicted mode probabilities cbar (K,) and the mixed
    initial state x0 (K, 6) and covariance P0 (K, 6, 6) of each mode (no allocation)."""
    K = models.shape[0]
    if dt < 0.0 or K == 1:
        for b in range(K):
            cbar[b] = mu[i, b]
            x0[b, :] = xs[i, b]
            P0[b, :, :] = Ps[i, b]
        return
    _tpm(dt, models, tp)
    for b in range(K):
        c = 0.0
        for a in range(K):
            c += tp[a, b] * mu[i, a]
        cbar[b] = c
        for k in range(6):
            v = 0.0
            for a in range(K):
                v += tp[a, b] * mu[i, a] / c * xs[i, a, k]
            x0[b, k] = v
        for k in range(6):
            for m in range(k, 6):
                v = 0.0
                for a in range(K):
                    w = tp[a, b] * mu[i, a] / c
                    v += w * (Ps[i, a, k, m] + (xs[i, a, k] - x0[b, k]) * (xs[i, a, m] - x0[b, m]))
                P0[b, k, m] = v
                P0[b, m, k] = v


@njit(cache=True)
def measurement(rlat: float, rlon: float, lat: float, lon: float, zrow: FloatArray,
                z_out: FloatArray) -> None:
    """A report as a vector in the track's tangent plane (rows 0-1 east/north offsets)."""
    e, n = plane_offsets_m(rlat, rlon, lat, lon)
    z_out[:] = zrow
    z_out[0] = e
    z_out[1] = n


@njit(cache=True)
def pair_scores(pi: IntArray, pj: IntArray, xs: FloatArray, Ps: FloatArray, mu: FloatArray,
                t: FloatArray, rlat: FloatArray, rlon: FloatArray, w0: FloatArray,
                w1: FloatArray, models: FloatArray, mlat: FloatArray, mlon: FloatArray,
                z: FloatArray, r: FloatArray, mask: BoolArray, mt: FloatArray,
                gate_d2: FloatArray, x_out: FloatArray, P_out: FloatArray,
                cbar_out: FloatArray, ll_out: FloatArray, ll_mix: FloatArray) -> int:
    """Mix, predict and score every (track pi[p], report pj[p]) pair: per mode predictions,
    mixing weights and log-likelihoods, and the mode-mixture log-likelihood. Pairs that fail
    the fine gate (no mode within ``gate_d2[observed rows]``) are dropped: the kept ones are
    moved to the front of every array (pi and pj included), and their number returned."""
    K = models.shape[0]
    F = np.empty((6, 6))
    Q = np.empty((6, 6))
    FP = np.empty((6, 6))
    u = np.empty(6)
    zz = np.empty(6)
    tp = np.empty((K, K))
    x0 = np.empty((K, 6))
    P0 = np.empty((K, 6, 6))
    scratch = np.empty((8, 6))
    idx = np.empty(6, dtype=np.int64)
    kept = 0
    for p in range(pi.shape[0]):
        i = pi[p]
        j = pj[p]
        dt = mt[j] - t[i]
        _mix(i, dt, xs, Ps, mu, models, tp, cbar_out[p], x0, P0)
        measurement(rlat[i], rlon[i], mlat[j], mlon[j], z[j], zz)
        dims = 0
        for a in range(6):
            if mask[j, a]:
                dims += 1
        d2min = np.inf
        top = -np.inf
        for b in range(K):
            transition(dt, models[b], w0[i, 0], w0[i, 1], w1[i, 0], w1[i, 1], F, Q, u)
            predict_into(x0[b], P0[b], F, Q, u, x_out[p, b], P_out[p, b], FP)
            d2, ll = innovation_into(x_out[p, b], P_out[p, b], zz, r[j], mask[j], scratch, idx)
            d2min = min(d2min, d2)
            ll_out[p, b] = ll
            top = max(top, math.log(max(cbar_out[p, b], 1e-300)) + ll)
        if not d2min <= gate_d2[dims]:  # NaN fails too
            continue
        s = 0.0
        for b in range(K):
            s += math.exp(math.log(max(cbar_out[p, b], 1e-300)) + ll_out[p, b] - top)
        if kept != p:
            pi[kept] = i
            pj[kept] = j
            x_out[kept] = x_out[p]
            P_out[kept] = P_out[p]
            cbar_out[kept] = cbar_out[p]
            ll_out[kept] = ll_out[p]
        ll_mix[kept] = top + math.log(s)
        kept += 1
    return kept


@njit(cache=True)
def _wind_factor(models: FloatArray, evidence: FloatArray, x: FloatArray, P: FloatArray,
                 we: float, wn: float, dt: float, ok: bool, logf: FloatArray) -> None:
    """Log evidence per mode that the track's velocity (mode 0, nearly-constant velocity) is
    the wind's: a drift mode expects it within sigma_b, the others within sigma_air."""
    K = models.shape[0]
    logf[:] = 0.0
    if not ok or evidence[2] == 0.0 or K < 2 or int(models[0, 0]) != NCV:
        return
    alpha = min(1.0, abs(dt) / evidence[1])
    de = x[3] - we
    dn = x[4] - wn
    for b in range(K):
        s2 = models[b, 3] ** 2 if int(models[b, 0]) == DRIFT else evidence[0] ** 2
        a11 = P[3, 3] + s2
        a22 = P[4, 4] + s2
        a12 = P[3, 4]
        det = a11 * a22 - a12 * a12
        q = (a22 * de * de - 2.0 * a12 * de * dn + a11 * dn * dn) / det
        logf[b] = alpha * -0.5 * (q + math.log(det) + 2.0 * LOG_2PI)


@njit(cache=True)
def _finish(i: int, xs: FloatArray, mu: FloatArray, rlat: FloatArray,
            rlon: FloatArray, logw: FloatArray) -> None:
    """New mode probabilities from log weights, then move the plane to the combined estimate."""
    K = logw.shape[0]
    top = logw.max()
    s = 0.0
    for b in range(K):
        mu[i, b] = math.exp(logw[b] - top)
        s += mu[i, b]
    s2 = 0.0
    for b in range(K):
        mu[i, b] = max(mu[i, b] / s, MU_FLOOR)
        s2 += mu[i, b]
    e = 0.0
    n = 0.0
    for b in range(K):
        mu[i, b] /= s2
        e += mu[i, b] * xs[i, b, 0]
        n += mu[i, b] * xs[i, b, 1]
    la, lo = plane_move(rlat[i], rlon[i], e, n)
    rlat[i] = la
    rlon[i] = lo
    for b in range(K):
        xs[i, b, 0] -= e
        xs[i, b, 1] -= n


@njit(cache=True)
def gnn_update(ai: IntArray, ap: IntArray, pj: IntArray, xs: FloatArray, Ps: FloatArray,
               mu: FloatArray, t: FloatArray, rlat: FloatArray, rlon: FloatArray,
               w0: FloatArray, w1: FloatArray, wok: BoolArray, models: FloatArray,
               evidence: FloatArray, mlat: FloatArray, mlon: FloatArray, z: FloatArray,
               r: FloatArray, mask: BoolArray, mt: FloatArray, x_pr: FloatArray, P_pr: FloatArray,
               cbar: FloatArray, ll: FloatArray) -> None:
    """Apply report pj[ap[q]] to track ai[q] (its pair ap[q]); out-of-sequence reports update
    the current state through the cross-covariance."""
    K = models.shape[0]
    F = np.empty((6, 6))
    Q = np.empty((6, 6))
    u = np.empty(6)
    zz = np.empty(6)
    logw = np.empty(K)
    logf = np.empty(K)
    scratch = np.empty((20, 6))
    idx = np.empty(6, dtype=np.int64)
    for q in range(ai.shape[0]):
        i = ai[q]
        p = ap[q]
        j = pj[p]
        dt = mt[j] - t[i]
        measurement(rlat[i], rlon[i], mlat[j], mlon[j], z[j], zz)
        for b in range(K):
            if dt >= 0.0:
                update_into(x_pr[p, b], P_pr[p, b], zz, r[j], mask[j], xs[i, b], Ps[i, b],
                            scratch, idx)
            else:
                transition(dt, models[b], w0[i, 0], w0[i, 1], w0[i, 0], w0[i, 1], F, Q, u)
                oos_update(xs[i, b].copy(), Ps[i, b].copy(), F, x_pr[p, b], P_pr[p, b], zz,
                           r[j], mask[j], xs[i, b], Ps[i, b])
            logw[b] = math.log(max(cbar[p, b], 1e-300)) + ll[p, b]
        _wind_factor(models, evidence, xs[i, 0], Ps[i, 0], w1[i, 0], w1[i, 1], dt, wok[i],
                     logf)
        for b in range(K):
            logw[b] += logf[b]
        if dt > 0.0:
            t[i] = mt[j]
        _finish(i, xs, mu, rlat, rlon, logw)


@njit(cache=True)
def pda_update(tracks: IntArray, ptr: IntArray, pairs: IntArray, beta: FloatArray,
               beta0: FloatArray, pj: IntArray, xs: FloatArray, Ps: FloatArray, mu: FloatArray,
               t: FloatArray, rlat: FloatArray, rlon: FloatArray, w1: FloatArray,
               wok: BoolArray, models: FloatArray, evidence: FloatArray, mlat: FloatArray,
               mlon: FloatArray,
               z: FloatArray, r: FloatArray, mask: BoolArray, t_frame: float,
               x_pr: FloatArray, P_pr: FloatArray, cbar: FloatArray, ll: FloatArray,
               log_lambda: FloatArray, p_detect: float) -> None:
    """Joint probabilistic data association update: track tracks[s] takes the reports of its
    pairs pairs[ptr[s]:ptr[s+1]] with weights beta (beta0: none of them is its own)."""
    K = models.shape[0]
    zz = np.empty(6)
    logw = np.empty(K)
    logf = np.empty(K)
    for s in range(tracks.shape[0]):
        i = tracks[s]
        lo, hi = ptr[s], ptr[s + 1]
        if hi == lo:
            continue
        common = np.ones(6, dtype=np.bool_)
        for q in range(lo, hi):
            common &= mask[pj[pairs[q]]]
        m = 0
        for a in range(6):
            if common[a]:
                m += 1
        idx = np.empty(m, dtype=np.int64)
        k = 0
        for a in range(6):
            if common[a]:
                idx[k] = a
                k += 1
        b0 = beta0[s]
        for b in range(K):
            p0 = pairs[lo]
            xp = x_pr[p0, b]
            Pp = P_pr[p0, b]
            H = np.zeros((m, 6))
            for a in range(m):
                H[a, idx[a]] = 1.0
            nu = np.zeros((hi - lo, m))
            Rm = np.zeros((m, m))
            for q in range(lo, hi):
                j = pj[pairs[q]]
                measurement(rlat[i], rlon[i], mlat[j], mlon[j], z[j], zz)
                for a in range(m):
                    nu[q - lo, a] = zz[idx[a]] - xp[idx[a]]
                    Rm[a, a] = max(Rm[a, a], r[j, idx[a]])
            S = H @ Pp @ H.T + Rm
            Kg = Pp @ H.T @ np.linalg.inv(S)
            nubar = np.zeros(m)
            spread = np.zeros((m, m))
            for q in range(lo, hi):
                nubar += beta[q] * nu[q - lo]
                spread += beta[q] * np.outer(nu[q - lo], nu[q - lo])
            spread -= np.outer(nubar, nubar)
            xs[i, b] = xp + Kg @ nubar
            Pc = Pp - Kg @ S @ Kg.T
            Pn = b0 * Pp + (1.0 - b0) * Pc + Kg @ spread @ Kg.T
            Ps[i, b] = 0.5 * (Pn + Pn.T)
            lik = 1.0 - p_detect
            for q in range(lo, hi):
                j = pj[pairs[q]]
                lik += p_detect * math.exp(min(ll[pairs[q], b] - log_lambda[j], 700.0))
            logw[b] = math.log(max(cbar[p0, b], 1e-300)) + math.log(lik)
        _wind_factor(models, evidence, xs[i, 0], Ps[i, 0], w1[i, 0], w1[i, 1],
                     t_frame - t[i], wok[i], logf)
        for b in range(K):
            logw[b] += logf[b]
        t[i] = max(t[i], t_frame)
        _finish(i, xs, mu, rlat, rlon, logw)


@njit(cache=True)
def combine(rows: IntArray, xs: FloatArray, Ps: FloatArray, mu: FloatArray,
            x_out: FloatArray, sigma_h_out: FloatArray) -> None:
    """Mode-weighted state of each track row and its horizontal sigma (m, RMS of the axes)."""
    K = xs.shape[1]
    for q in range(rows.shape[0]):
        i = rows[q]
        x_out[q, :] = 0.0
        for b in range(K):
            x_out[q, :] += mu[i, b] * xs[i, b]
        pe = 0.0
        pn = 0.0
        for b in range(K):
            de = xs[i, b, 0] - x_out[q, 0]
            dn = xs[i, b, 1] - x_out[q, 1]
            pe += mu[i, b] * (Ps[i, b, 0, 0] + de * de)
            pn += mu[i, b] * (Ps[i, b, 1, 1] + dn * dn)
        sigma_h_out[q] = math.sqrt(0.5 * (pe + pn))


@njit(cache=True)
def jpda_marginals(G: FloatArray, miss: float) -> tuple[FloatArray, FloatArray]:
    """Exact JPDA marginals for one cluster: G[t, m] likelihood ratios of report m being track
    t's (0 outside the gate), ``miss`` the weight of a track having none. Depth-first over joint
    events, each report used at most once."""
    nt, nm = G.shape
    beta = np.zeros((nt, nm))
    beta0 = np.zeros(nt)
    used = np.zeros(nm, dtype=np.bool_)
    choice = np.full(nt, -2, dtype=np.int64)
    weight = np.ones(nt + 1)
    total = 0.0
    level = 0
    while level >= 0:
        if level == nt:
            w = float(weight[nt])
            total += w
            for a in range(nt):
                c = choice[a]
                if c < 0:
                    beta0[a] += w
                else:
                    beta[a, c] += w
            level -= 1
            continue
        c = choice[level]
        if c >= 0:
            used[c] = False
        c += 1
        while c < nm and (c >= 0 and (used[c] or G[level, c] <= 0.0)):
            c += 1
        if c >= nm:
            choice[level] = -2
            level -= 1
            continue
        choice[level] = c
        if c < 0:
            weight[level + 1] = weight[level] * miss
        else:
            used[c] = True
            weight[level + 1] = weight[level] * G[level, c]
        level += 1
    if total > 0.0:
        beta /= total
        beta0 /= total
    return beta, beta0




LOG_COLUMNS = ("number", "time", "lat", "lon", "alt_m", "ve_mps", "vn_mps", "vu_mps",
               "sigma_h_m", "p_drift", "n_obs", "lighter_than_air", "transponder", "rcs_dbsm")
"""Columns of a state snapshot row (``snapshot``)."""


@njit(cache=True)
def snapshot(rows: IntArray, to_t: FloatArray, number: IntArray, xs: FloatArray,
             Ps: FloatArray, mu: FloatArray, t: FloatArray, rlat: FloatArray, rlon: FloatArray,
             n_obs: IntArray, lta: BoolArray, xpdr: BoolArray, rcs: FloatArray,
             drift_mode: int) -> FloatArray:
    """One ``LOG_COLUMNS`` row per track: its mode-weighted state, at its own time, or
    predicted linearly to ``to_t`` where that is finite (a coasting state)."""
    out = np.empty((rows.shape[0], len(LOG_COLUMNS)))
    x = np.empty((1, 6))
    sig = np.empty(1)
    one = np.empty(1, dtype=np.int64)
    for q in range(rows.shape[0]):
        i = rows[q]
        one[0] = i
        combine(one, xs, Ps, mu, x, sig)
        dt = 0.0
        tt = t[i]
        if math.isfinite(to_t[q]):
            dt = to_t[q] - t[i]
            tt = to_t[q]
        la, lo = plane_move(rlat[i], rlon[i], x[0, 0] + x[0, 3] * dt, x[0, 1] + x[0, 4] * dt)
        out[q, 0] = number[i]
        out[q, 1] = tt
        out[q, 2] = la
        out[q, 3] = lo
        out[q, 4] = x[0, 2] + x[0, 5] * dt
        out[q, 5] = x[0, 3]
        out[q, 6] = x[0, 4]
        out[q, 7] = x[0, 5]
        out[q, 8] = sig[0]
        out[q, 9] = mu[i, drift_mode] if drift_mode >= 0 else 0.0
        out[q, 10] = n_obs[i]
        out[q, 11] = 1.0 if lta[i] else 0.0
        out[q, 12] = 1.0 if xpdr[i] else 0.0
        out[q, 13] = rcs[i]
    return out


@njit(cache=True)
def gate_centres(rows: IntArray, t_frame: float, xs: FloatArray, Ps: FloatArray,
                 mu: FloatArray, t: FloatArray, rlat: FloatArray, rlon: FloatArray,
                 models: FloatArray, meas_var_h: float, gate_sigmas: float
                 ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Predicted position (degrees), altitude (m) and coarse gate radius (m) of each track at
    the frame time: gate_sigmas times the largest predicted horizontal sigma of its modes and
    the reports, plus how far its modes' velocities differ over the elapsed time."""
    n = rows.shape[0]
    K = xs.shape[1]
    plat = np.empty(n)
    plon = np.empty(n)
    palt = np.empty(n)
    radius = np.empty(n)
    for q in range(n):
        i = rows[q]
        dt = t_frame - t[i]
        adt = abs(dt)
        ve = 0.0
        vn = 0.0
        alt = 0.0
        e0 = 0.0
        n0 = 0.0
        for b in range(K):
            ve += mu[i, b] * xs[i, b, 3]
            vn += mu[i, b] * xs[i, b, 4]
            alt += mu[i, b] * xs[i, b, 2]
            e0 += mu[i, b] * xs[i, b, 0]
            n0 += mu[i, b] * xs[i, b, 1]
        la, lo = plane_move(rlat[i], rlon[i], e0 + ve * dt, n0 + vn * dt)
        plat[q] = la
        plon[q] = lo
        palt[q] = alt
        var_max = 0.0
        spread = 0.0
        for b in range(K):
            P = Ps[i, b]
            qh = models[b, 1]
            if int(models[b, 0]) == DRIFT:
                qh += 2.0 * models[b, 3] ** 2 / models[b, 4]
            var = (P[0, 0] + P[1, 1] + 2.0 * adt * (P[0, 3] + P[1, 4])
                   + adt * adt * (P[3, 3] + P[4, 4]) + 2.0 * qh * adt ** 3 / 3.0)
            var_max = max(var_max, var)
            spread = max(spread, abs(xs[i, b, 3] - ve), abs(xs[i, b, 4] - vn),
                         math.hypot(xs[i, b, 0] - e0, xs[i, b, 1] - n0) / max(adt, 1e-9))
        radius[q] = gate_sigmas * math.sqrt(var_max + 2.0 * meas_var_h) + spread * adt + 1.0
    return plat, plon, palt, radius


__all__ = ["LOG_COLUMNS", "MU_FLOOR", "combine", "gate_centres", "gnn_update", "jpda_marginals",
           "pair_scores", "pda_update", "snapshot"]
