"""The live-track table: one row per live track, as arrays, and its compiled bookkeeping.

The tracker's per-frame work outside the filter (starting tracks, M-of-N counting, confirmation,
deletion and compaction of the table) runs in a few compiled calls over all rows at once: done
with one NumPy operation per field and step, it cost more Python time per frame than the
filtering itself on small scenes.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from stratowatch.tracking.initiation import initial_states

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class LiveTracks:
    """Live tracks as arrays (row = track), grown by doubling; ``n`` rows are in use."""

    NAMES = ("number", "xs", "Ps", "mu", "t", "rlat", "rlon", "hits", "chances", "confirmed",
             "lta", "xpdr", "rcs", "n_obs", "ex", "sensors")

    number: IntArray
    xs: FloatArray
    Ps: FloatArray
    mu: FloatArray
    t: FloatArray
    rlat: FloatArray
    rlon: FloatArray
    hits: IntArray
    chances: IntArray
    confirmed: BoolArray
    lta: BoolArray
    xpdr: BoolArray
    rcs: FloatArray
    n_obs: IntArray
    ex: FloatArray
    """Log-odds that the track is a real object (integrated track existence)."""
    sensors: IntArray
    """Bit set of the sensors whose reports the track took (``sensor_bit``)."""

    def __init__(self, K: int) -> None:
        self.n = 0
        self.K = K
        self._alloc(64)

    def _alloc(self, cap: int) -> None:
        K = self.K
        fields: dict[str, tuple[tuple[int, ...], type]] = {
            "number": ((), np.int64), "xs": ((K, 6), np.float64), "Ps": ((K, 6, 6), np.float64),
            "mu": ((K,), np.float64), "t": ((), np.float64), "rlat": ((), np.float64),
            "rlon": ((), np.float64), "hits": ((), np.int64), "chances": ((), np.int64),
            "confirmed": ((), np.bool_), "lta": ((), np.bool_), "xpdr": ((), np.bool_),
            "rcs": ((), np.float64), "n_obs": ((), np.int64), "ex": ((), np.float64),
            "sensors": ((), np.int64),
        }
        for name, (shape, dtype) in fields.items():
            new: npt.NDArray[np.generic] = np.zeros((cap, *shape), dtype=dtype)
            old = getattr(self, name, None)
            if old is not None:
                new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self.cap = cap

    def reserve(self, count: int) -> None:
        """Room for ``count`` more rows."""
        if self.n + count > self.cap:
            self._alloc(max(2 * self.cap, self.n + count))

    def add(self, count: int) -> IntArray:
        """Rows for ``count`` new tracks (not cleared)."""
        self.reserve(count)
        rows = np.arange(self.n, self.n + count, dtype=np.int64)
        self.n += count  # the caller sets every field of the new rows
        return rows

    def keep(self, mask: BoolArray) -> None:
        """Drop the rows where ``mask`` is False (order kept)."""
        self.n = compact(mask, self.n, self.number, self.xs, self.Ps, self.mu, self.t,
                         self.rlat, self.rlon, self.hits, self.chances, self.confirmed,
                         self.lta, self.xpdr, self.rcs, self.n_obs, self.ex, self.sensors)


@njit(cache=True)
def compact(keep: BoolArray, n: int, number: IntArray, xs: FloatArray, Ps: FloatArray,
            mu: FloatArray, t: FloatArray, rlat: FloatArray, rlon: FloatArray, hits: IntArray,
            chances: IntArray, confirmed: BoolArray, lta: BoolArray, xpdr: BoolArray,
            rcs: FloatArray, n_obs: IntArray, ex: FloatArray, sensors: IntArray) -> int:
    """Move the kept rows of every field to the front (order kept); returns their number."""
    k = 0
    for i in range(n):
        if not keep[i]:
            continue
        if k != i:
            number[k] = number[i]
            xs[k] = xs[i]
            Ps[k] = Ps[i]
            mu[k] = mu[i]
            t[k] = t[i]
            rlat[k] = rlat[i]
            rlon[k] = rlon[i]
            hits[k] = hits[i]
            chances[k] = chances[i]
            confirmed[k] = confirmed[i]
            lta[k] = lta[i]
            xpdr[k] = xpdr[i]
            rcs[k] = rcs[i]
            n_obs[k] = n_obs[i]
            ex[k] = ex[i]
            sensors[k] = sensors[i]
        k += 1
    return k


EX_MAX = 30.0
"""Existence log-odds of a confirmed track (certain, to machine precision) and the cap of a
tentative one's."""


def sensor_bit(code: npt.NDArray[np.integer]) -> IntArray:
    """The bit of each sensor code in a track's ``sensors`` set (codes past 62 share bits: a
    track then counts chances in the frames of a few more sensors, as before sensors were
    told apart)."""
    return np.left_shift(np.int64(1), np.asarray(code, dtype=np.int64) % 63)


@njit(cache=True)
def count_chances(n: int, confirmed: BoolArray, rlat: FloatArray, rlon: FloatArray,
                  hit: BoolArray, mlat: FloatArray, mlon: FloatArray, pad_deg: float,
                  chances: IntArray, hits: IntArray, p_detect: float, lsum: FloatArray,
                  ex: FloatArray, frame_bits: int, took_bits: IntArray, sensors: IntArray
                  ) -> None:
    """M-of-N bookkeeping: a tentative track hit had a chance, and so had one inside the
    frame's reports' box (padded) when the frame holds reports of a sensor that has reported
    it (``frame_bits``, the sensors of the frame; a balloon reported once a minute is not
    missed by every scan of a radar that never saw it); a hit track a hit, and the sensor of
    the report it took (``took_bits``) joins its set. A tentative track that had a chance has
    its existence odds multiplied by 1 - P_D + P_D * (sum of the likelihood ratios ``lsum`` of
    the reports it took, zero when none): the integrated-existence update (Musicki's IPDA). A
    confirmed track is taken to exist: misses say little about existence where coverage is
    patchy."""
    la0, la1 = mlat.min() - pad_deg, mlat.max() + pad_deg
    lo0, lo1 = mlon.min(), mlon.max()
    use_lon = lo1 - lo0 < 180.0
    lon_pad = pad_deg / max(math.cos(math.radians(max(abs(la0), abs(la1)))), 1e-3)
    for i in range(n):
        if hit[i]:
            hits[i] += 1
            sensors[i] |= took_bits[i]
        if confirmed[i]:
            ex[i] = EX_MAX  # confirmed: taken to exist (a balloon may go unseen for days)
            continue
        inside = la0 <= rlat[i] <= la1 and (sensors[i] & frame_bits) != 0
        if use_lon:
            inside = inside and lo0 - lon_pad <= rlon[i] <= lo1 + lon_pad
        if inside or hit[i]:
            chances[i] += 1
            factor = 1.0 - p_detect + p_detect * (lsum[i] if hit[i] else 0.0)
            ex[i] = min(ex[i] + math.log(max(factor, 1e-300)), EX_MAX)


@njit(cache=True)
def pair_costs(pi: IntArray, pj: IntArray, ex: FloatArray, log_lambda: FloatArray,
               ll_mix: FloatArray, p_detect: float) -> FloatArray:
    """Minus each pair's log odds: track i took report j, against track i missed (or is no
    object at all, from its existence log-odds ``ex``) and report j is a false one (log density
    ``log_lambda``); ``ll_mix`` the pair's log likelihood."""
    cost = np.empty(pi.shape[0])
    log_pd = math.log(p_detect)
    for p in range(pi.shape[0]):
        cost[p] = (math.log(1.0 - p_detect + math.exp(-ex[pi[p]])) - log_pd
                   + log_lambda[pj[p]] - ll_mix[p])
    return cost


@njit(cache=True)
def after_assignment(pi: IntArray, pj: IntArray, conf_pair: BoolArray, chosen: IntArray,
                     ll_mix: FloatArray, log_lambda: FloatArray, sensor: IntArray,
                     bits: IntArray, confirmed_claimed: bool, claimed: BoolArray,
                     hit: BoolArray, obs_of: IntArray, n: int, confirmed: BoolArray,
                     rlat: FloatArray, rlon: FloatArray, mlat: FloatArray, mlon: FloatArray,
                     pad_deg: float, chances: IntArray, hits: IntArray, p_detect: float,
                     ex: FloatArray, sensors: IntArray, a: int, blta: BoolArray,
                     bxpdr: BoolArray, brcs: FloatArray, n_obs: IntArray, lta: BoolArray,
                     xpdr: BoolArray, rcs: FloatArray) -> IntArray:
    """A frame's bookkeeping once its reports are assigned (pairs ``chosen``): hits and the
    report each track took, the reports that may not start a track (``claim_rules``; the
    confirmed tracks' claims are skipped when ``confirmed_claimed``, as JPDA made them before
    the tentative tracks chose), ``count_chances`` with the frame's sensors, and the cues of
    the reports taken (lighter-than-air, transponder, radar cross-section: batch arrays
    ``blta``, ``bxpdr``, ``brcs`` from the frame's first row ``a``). Returns the rows of the
    tracks that took a report."""
    lsum = np.zeros(n)
    for q in range(chosen.shape[0]):
        c = chosen[q]
        i = pi[c]
        j = pj[c]
        hit[i] = True
        obs_of[i] = j
        claimed[j] = True
        lsum[i] = math.exp(min(ll_mix[c] - log_lambda[j], 700.0))
    claim_rules(pi, pj, conf_pair, obs_of, sensor, not confirmed_claimed, True, claimed)
    frame_bits = 0
    for j in range(bits.shape[0]):
        frame_bits |= bits[j]
    took_bits = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if obs_of[i] >= 0:
            took_bits[i] = bits[obs_of[i]]
    count_chances(n, confirmed, rlat, rlon, hit, mlat, mlon, pad_deg, chances, hits, p_detect,
                  lsum, ex, frame_bits, took_bits, sensors)
    took = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        j = obs_of[i]
        if hit[i] and j >= 0:
            took[k] = i
            k += 1
            n_obs[i] += 1
            lta[i] |= blta[a + j]
            xpdr[i] |= bxpdr[a + j]
            if math.isfinite(brcs[a + j]):
                rcs[i] = brcs[a + j]
    return took[:k]


@njit(cache=True)
def claim_rules(pi: IntArray, pj: IntArray, conf_pair: BoolArray, obs_of: IntArray,
                sensor: IntArray, of_confirmed: bool, of_tentative: bool,
                claimed: BoolArray) -> None:
    """Mark the reports of a frame that may not start a track. A sensor reports an object once
    per scan, so a second report of the same sensor near a track that took one is another
    object (a target born or passing close by: it must be able to start its own track, or the
    track is pulled onto it and its own target is lost), while a report of another sensor near
    it is the track's object again (radar beside ADS-B). Claimed: reports in a confirmed
    track's gate unless the track took another report of the same sensor (a report near a
    confirmed track that took none may still be its own); and reports of another sensor in the
    gate of a tentative track that took a report (a tentative track that took none may have
    been started by a false report, and claims nothing)."""
    for p in range(pi.shape[0]):
        j = pj[p]
        took = obs_of[pi[p]]
        other = took >= 0 and took != j
        same = other and sensor[took] == sensor[j]
        if conf_pair[p]:
            if of_confirmed and not same:
                claimed[j] = True
        elif of_tentative and other and not same:
            claimed[j] = True


@njit(cache=True)
def rows_to_log(hit: BoolArray, new_rows: IntArray, coasting: IntArray, t_frame: float
                ) -> tuple[IntArray, FloatArray]:
    """The rows whose state a frame logs: the tracks it updated, the new ones, then the
    ``coasting`` rows that it did not update (at ``t_frame``; NaN: at their own time)."""
    n_hit = 0
    for i in range(hit.shape[0]):
        n_hit += hit[i]
    n_coast = 0
    for q in range(coasting.shape[0]):
        n_coast += not hit[coasting[q]]
    rows = np.empty(n_hit + new_rows.shape[0] + n_coast, dtype=np.int64)
    to_t = np.full(rows.shape[0], np.nan)
    k = 0
    for i in range(hit.shape[0]):
        if hit[i]:
            rows[k] = i
            k += 1
    for q in range(new_rows.shape[0]):
        rows[k] = new_rows[q]
        k += 1
    for q in range(coasting.shape[0]):
        if not hit[coasting[q]]:
            rows[k] = coasting[q]
            to_t[k] = t_frame
            k += 1
    return rows, to_t


@njit(cache=True)
def start_tracks(src: IntArray, row0: int, number0: int, z: FloatArray, r: FloatArray,
                 mask: BoolArray, wind: FloatArray, models: FloatArray, prm: FloatArray,
                 prior: FloatArray, bt: FloatArray, blat: FloatArray, blon: FloatArray,
                 blta: BoolArray, bxpdr: BoolArray, brcs: FloatArray, m_of_n: int,
                 number: IntArray, xs: FloatArray, Ps: FloatArray, mu: FloatArray,
                 t: FloatArray, rlat: FloatArray, rlon: FloatArray, hits: IntArray,
                 chances: IntArray, n_obs: IntArray, lta: BoolArray, xpdr: BoolArray,
                 rcs: FloatArray, confirmed: BoolArray, ex0: float, ex: FloatArray,
                 bbits: IntArray, sensors: IntArray) -> None:
    """Fill rows row0.. of the table with new tracks from batch reports ``src`` (numbers from
    number0): initial states, one hit in one chance (confirmed at once when M is 1), existence
    log-odds ``ex0`` (new objects against false reports)."""
    dst = np.arange(row0, row0 + src.shape[0])
    initial_states(src, dst, z, r, mask, wind, models, prm, prior, xs, Ps, mu)
    for q in range(src.shape[0]):
        i = row0 + q
        j = src[q]
        number[i] = number0 + q
        t[i] = bt[j]
        rlat[i] = blat[j]
        rlon[i] = blon[j]
        hits[i] = 1
        chances[i] = 1
        n_obs[i] = 1
        lta[i] = blta[j]
        xpdr[i] = bxpdr[j]
        rcs[i] = brcs[j]
        confirmed[i] = m_of_n <= 1
        ex[i] = ex0
        sensors[i] = bbits[j]


@njit(cache=True)
def settle_and_expire(m_of_n: int, n_of_n: int, now_s: float, coast_by_mode: FloatArray,
                      drop: BoolArray, n: int, number: IntArray, mu: FloatArray, t: FloatArray,
                      hits: IntArray, chances: IntArray, confirmed: BoolArray
                      ) -> tuple[IntArray, BoolArray]:
    """M-of-N confirmation of tentative tracks (the numbers of those confirmed now) and the
    rows to keep: not failed (M of N out of reach), not dropped, not silent for longer than the
    coast time of their most probable mode."""
    newly = np.empty(n, dtype=np.int64)
    k = 0
    keep = np.empty(n, dtype=np.bool_)
    K = mu.shape[1]
    for i in range(n):
        failed = False
        if not confirmed[i]:
            if hits[i] >= m_of_n and chances[i] <= n_of_n:
                confirmed[i] = True
                newly[k] = number[i]
                k += 1
            elif hits[i] + max(n_of_n - chances[i], 0) < m_of_n:
                failed = True
        best = 0
        for b in range(1, K):
            if mu[i, b] > mu[i, best]:
                best = b
        keep[i] = not (failed or drop[i] or now_s - t[i] > coast_by_mode[best])
    return newly[:k], keep


__all__ = ["LiveTracks", "after_assignment", "claim_rules", "compact", "count_chances",
           "pair_costs", "rows_to_log", "sensor_bit", "settle_and_expire", "start_tracks"]
