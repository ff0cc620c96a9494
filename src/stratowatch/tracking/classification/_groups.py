"""Group-wise reductions over rows sorted by group (numpy only, no Python loop per group)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _sorted_groups(values: FloatArray, group: IntArray, n_groups: int
                   ) -> tuple[FloatArray, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """The finite values sorted within their groups; each group's start, count and whether
    it has any."""
    ok = np.isfinite(values)
    v, g = values[ok], group[ok]
    v = v[np.lexsort((v, g))]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    return v, starts, counts, counts > 0


def group_median(values: FloatArray, group: IntArray, n_groups: int) -> FloatArray:
    """Median of the finite values of each group (NaN for a group with none)."""
    v, starts, counts, has = _sorted_groups(values, group, n_groups)
    out = np.full(n_groups, np.nan)
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = 0.5 * (v[lo] + v[hi])
    return out


def group_quantile(values: FloatArray, group: IntArray, n_groups: int, q: float) -> FloatArray:
    """The ``q`` quantile (nearest rank below) of the finite values of each group (NaN: none)."""
    v, starts, counts, has = _sorted_groups(values, group, n_groups)
    out = np.full(n_groups, np.nan)
    out[has] = v[starts[has] + np.floor(q * (counts[has] - 1)).astype(np.int64)]
    return out


def group_any(flags: npt.NDArray[np.bool_], group: IntArray, n_groups: int
              ) -> npt.NDArray[np.bool_]:
    """True for groups where any row's flag is set."""
    return np.bincount(group, weights=flags.astype(np.float64), minlength=n_groups) > 0


def group_count(mask: npt.NDArray[np.bool_], group: IntArray, n_groups: int) -> IntArray:
    """Rows per group where ``mask`` holds."""
    return np.bincount(group[mask], minlength=n_groups).astype(np.int64)


def windowed_slope(key: FloatArray, t_s: FloatArray, x: FloatArray, window_s: float | FloatArray
                   ) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Least-squares slope dx/dt over the rows within ``window_s`` (per row) after each row.

    ``key`` is the time made unique across groups (group * large + time), sorted, so windows
    never span two groups. Rows where ``x`` is NaN are left out of the fits. Returns per row:
    slope, the sum of squared time deviations (for the slope's variance: sigma^2 / that),
    the number of rows used and the end index of the window.
    """
    ok = np.isfinite(x)
    w = ok.astype(np.float64)
    xv = np.where(ok, x, 0.0)
    # time relative to each row's window start keeps the sums well conditioned
    def csum(a: FloatArray) -> FloatArray:
        return np.concatenate([[0.0], np.cumsum(a)])

    end = np.searchsorted(key, key + window_s, side="right")
    idx = np.arange(key.shape[0])
    t_ref = t_s  # per window: t - t_ref(start)
    c_w, c_t, c_tt = csum(w), csum(w * t_s), csum(w * t_s * t_s)
    c_x, c_tx = csum(xv), csum(w * t_s * xv)
    n = c_w[end] - c_w[idx]
    s_t = c_t[end] - c_t[idx] - n * t_ref
    s_tt = (c_tt[end] - c_tt[idx] - 2 * t_ref * (c_t[end] - c_t[idx]) + n * t_ref**2)
    s_x = c_x[end] - c_x[idx]
    s_tx = c_tx[end] - c_tx[idx] - t_ref * s_x
    with np.errstate(invalid="ignore", divide="ignore"):
        stt_c = s_tt - s_t * s_t / n
        slope = (s_tx - s_t * s_x / n) / stt_c
    good = (n >= 3) & (stt_c > 1e-6)
    return (np.where(good, slope, np.nan), np.where(good, stt_c, np.nan),
            n.astype(np.int64), end)


def windowed_residual(key: FloatArray, t_s: FloatArray, x: FloatArray,
                      window_s: float | FloatArray) -> FloatArray:
    """Per row: ``x`` at the middle row of the window after it minus the window's straight-line
    fit there (NaN where no fit): how far the series leaves a straight line (a step, a kink)."""
    slope, _, _, end = windowed_slope(key, t_s, x, window_s)
    ok = np.isfinite(x)
    xv = np.where(ok, x, 0.0)
    c_w = np.concatenate([[0.0], np.cumsum(ok.astype(np.float64))])
    c_t = np.concatenate([[0.0], np.cumsum(np.where(ok, t_s, 0.0))])
    c_x = np.concatenate([[0.0], np.cumsum(xv)])
    idx = np.arange(key.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = (c_t[end] - c_t[idx]) / (c_w[end] - c_w[idx])
        x_mean = (c_x[end] - c_x[idx]) / (c_w[end] - c_w[idx])
    mid = (idx + np.maximum(end - 1, idx)) // 2
    out: FloatArray = np.where(ok[mid], x[mid] - (x_mean + slope * (t_s[mid] - t_mean)), np.nan)
    return out
