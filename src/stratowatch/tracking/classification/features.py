"""Per-track features for classification, computed for all tracks at once.

A track is every report sharing a ``ref`` (rows without a ref are each their own track). The
features are what separates a free balloon from the rest: its altitude, its ground speed and,
above all, how far its velocity is from the wind at its altitude (weighed by the wind's and the
measurement's uncertainty), its vertical rate, how erratic its motion is, what it broadcasts
(ADS-B identity and emitter category, balloon telemetry), its radar cross-section and how long
it was seen. Velocities come from the reports where they carry them (ADS-B), otherwise from
least-squares fits of position against time over short windows. Units: m, m/s, s, dBsm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.geo import EARTH_RADIUS_M
from stratowatch.sensing.observation import Observations
from stratowatch.tracking.classification._groups import (
    group_any,
    group_count,
    group_median,
    group_quantile,
    windowed_residual,
    windowed_slope,
)
from stratowatch.winds import WindField

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SHORT_WINDOW_S = 30.0
"""Window (s) of the short fits that reveal turning (orbiting) aircraft."""
HORIZONTAL_WINDOW_S = 120.0
"""Window (s) of the least-squares horizontal velocity fits."""
VERTICAL_WINDOW_S = 300.0
"""Window (s) of the vertical-rate fits (heights are noisier than positions)."""
MAX_WINDOW_S = 1800.0
"""Longest fit window (s), used where reports are sparse."""
WIND_SIGMA_MPS = 3.6
"""Wind-field error per component (m/s): the Loon statistics the drift engine also uses."""
DEFAULT_SIGMA_H_M = {"radar": 150.0, "adsb": 30.0, "telemetry": 10.0, "visual": 3000.0,
                     "optical": 1000.0, "": 150.0}
"""Horizontal report uncertainty (m) assumed per kind where a report states none."""
DEFAULT_SIGMA_V_M = {"radar": 300.0, "adsb": 15.0, "telemetry": 20.0, "visual": 3000.0,
                     "optical": 1000.0, "": 300.0}
"""Vertical report uncertainty (m) assumed per kind where a report states none."""
REPORTED_RATE_SIGMA_MPS = 0.5
"""Uncertainty (m/s) of a velocity a report carries (ADS-B)."""
AIRCRAFT_CATEGORY_PREFIX = "A"
LIGHTER_THAN_AIR = "B2"


@dataclass(frozen=True)
class TrackFeatures:
    """One value per track (NaN where it cannot be computed); see the module docstring."""

    ref: npt.NDArray[np.object_]
    n_reports: FloatArray
    duration_s: FloatArray
    alt_m: FloatArray  # median altitude
    speed_mps: FloatArray  # median ground speed
    short_speed_mps: FloatArray  # typical speed over short windows, noise removed
    wind_speed_mps: FloatArray  # median wind speed at the track (NaN without winds)
    airspeed_mps: FloatArray  # typical |velocity - wind| (NaN without winds)
    wind_chi2: FloatArray  # median |v - wind|^2 / (wind var + measurement var); NaN: no wind
    wind_chi2_hi: FloatArray  # its upper quartile along the track (NaN without winds)
    air_scatter_mps: FloatArray  # typical change of v - wind along the track, noise removed
    vz_mps: FloatArray  # median vertical rate
    vz_sigma_mps: FloatArray  # its typical uncertainty
    scatter_mps: FloatArray  # typical deviation of short-window velocities from the median
    vz_scatter_mps: FloatArray  # typical deviation of windowed vertical rates from the median
    alt_chi2: FloatArray  # typical squared departure of heights from a straight climb, per var
    velocity_mismatch_mps: FloatArray  # reported velocity against the positions' own, noise off
    rcs_dbsm: FloatArray
    has_icao: BoolArray  # a transponder address (ADS-B / Mode S)
    callsign: npt.NDArray[np.object_]
    icao24: npt.NDArray[np.object_]
    lighter_than_air: BoolArray  # ADS-B emitter category B2
    aircraft_category: BoolArray  # ADS-B emitter category A*
    telemetry: BoolArray  # balloon telemetry reports

    def __len__(self) -> int:
        return int(self.ref.shape[0])


def _groups(obs: Observations) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int64]]:
    ref = obs.ref.copy()
    blank = np.flatnonzero(ref == "")
    if blank.size:
        ref[blank] = [f"#{i}" for i in blank.tolist()]
    refs, inv = np.unique(ref, return_inverse=True)
    return refs, inv.astype(np.int64)


def _first_text(col: npt.NDArray[np.object_], g: npt.NDArray[np.int64], n: int
                ) -> npt.NDArray[np.object_]:
    out = np.empty(n, dtype=object)
    out[:] = ""
    has = np.flatnonzero(col != "")
    out[g[has[::-1]]] = col[has[::-1]]  # the first non-empty value wins
    return out


def _sigmas(values: FloatArray, kind: npt.NDArray[np.object_], defaults: dict[str, float]
            ) -> FloatArray:
    sig = values.copy()
    miss = ~np.isfinite(sig)
    sig[miss] = [defaults.get(k, defaults[""]) for k in kind[miss].tolist()]
    return sig


def _slope_variance(sigma: FloatArray, idx: npt.NDArray[np.int64], end: npt.NDArray[np.int64],
                    n: npt.NDArray[np.int64], stt: FloatArray) -> FloatArray:
    """Variance (m/s)^2 of windowed slopes from the reports' mean squared uncertainty."""
    c = np.concatenate([[0.0], np.cumsum(sigma**2)])
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = (c[end] - c[idx]) / np.maximum(n, 1) / stt
    return out


def extract_features(obs: Observations, winds: WindField | None = None, *,
                     wind_sigma_mps: float = WIND_SIGMA_MPS) -> TrackFeatures:
    """Features of every track in ``obs`` (grouped by ``ref``), with or without a wind field."""
    refs, g_unsorted = _groups(obs)
    n_tr = refs.shape[0]
    order = np.lexsort((obs.time, g_unsorted))
    o = obs[order] if len(obs) else obs
    g = g_unsorted[order]
    t = o.time
    counts = np.bincount(g, minlength=n_tr)
    first = np.cumsum(counts) - counts
    t0 = t[first][g]
    t_rel = t - t0
    span = float(t_rel.max()) + 2 * MAX_WINDOW_S + 1.0 if len(o) else 1.0
    key = g * span + t_rel
    lat0, lon0 = o.lat[first][g], o.lon[first][g]
    dlon = (o.lon - lon0 + 180.0) % 360.0 - 180.0
    east = np.radians(dlon) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
    north = np.radians(o.lat - lat0) * EARTH_RADIUS_M

    # horizontal velocity: reported, else windowed least squares
    # windows long enough for a few reports even where reports are sparse
    gap = np.where(np.diff(g, prepend=-1) == 0, np.diff(t_rel, prepend=0.0), np.nan)
    typical_gap = np.nan_to_num(group_median(gap, g, n_tr), nan=0.0)[g]
    win_h = np.clip(4.0 * typical_gap, HORIZONTAL_WINDOW_S, MAX_WINDOW_S)
    win_v = np.clip(6.0 * typical_gap, VERTICAL_WINDOW_S, MAX_WINDOW_S)
    ve, stt, nwin, end = windowed_slope(key, t_rel, east, win_h)
    vn, _, _, _ = windowed_slope(key, t_rel, north, win_h)
    idx = np.arange(len(o))
    var_v = _slope_variance(_sigmas(o.sigma_h_m, o.kind, DEFAULT_SIGMA_H_M), idx, end, nwin,
                            stt)
    win_ok = np.isfinite(ve) & np.isfinite(vn) & (
        (t_rel[np.maximum(end - 1, idx)] - t_rel) >= win_h / 3.0)
    rep = np.isfinite(o.vx_mps) & np.isfinite(o.vy_mps)
    n_rep = group_count(rep, g, n_tr)
    use_rep = (n_rep >= 3)[g]
    vel_e = np.where(use_rep, o.vx_mps, np.where(win_ok, ve, np.nan))
    vel_n = np.where(use_rep, o.vy_mps, np.where(win_ok, vn, np.nan))
    var_pos = var_v  # of the positions' windowed velocity
    var_v = np.where(use_rep, 1.0, var_v)
    vel_ok = np.isfinite(vel_e) & np.isfinite(vel_n)
    # centre of each window (or the row itself for reported velocities)
    mid = np.where(use_rep, idx, (idx + np.maximum(end - 1, idx)) // 2)
    # short windows: an aircraft orbiting (surveillance, relay, a glider in a thermal) averages
    # to the wind over long windows but shows its airspeed over a few reports
    win_s = np.clip(2.5 * typical_gap, SHORT_WINDOW_S, MAX_WINDOW_S)
    se, sstt, sn, send = windowed_slope(key, t_rel, east, win_s)
    sn_v, _, _, _ = windowed_slope(key, t_rel, north, win_s)
    svar = _slope_variance(_sigmas(o.sigma_h_m, o.kind, DEFAULT_SIGMA_H_M), idx, send, sn, sstt)
    short_sq = np.where(use_rep, o.vx_mps**2 + o.vy_mps**2, se**2 + sn_v**2 - 2.0 * svar)
    short_speed_tr = np.sqrt(np.maximum(group_median(short_sq, g, n_tr), 0.0))
    # reported velocities against the velocity of the positions themselves: a balloon's
    # telemetry (or transponder) agrees with its own track; a stale recording (positions
    # frozen while a velocity is still reported) does not, and its velocity is no evidence
    with np.errstate(invalid="ignore"):
        miss2 = (o.vx_mps - ve) ** 2 + (o.vy_mps - vn) ** 2 - 2.0 * var_pos
    mismatch_tr = np.sqrt(np.maximum(group_median(
        np.where(rep & win_ok & use_rep, miss2, np.nan), g, n_tr), 0.0))
    speed = np.where(vel_ok, np.hypot(vel_e, vel_n), np.nan)
    speed_tr = group_median(speed, g, n_tr)
    med_e = group_median(vel_e, g, n_tr)
    med_n = group_median(vel_n, g, n_tr)
    with np.errstate(invalid="ignore"):
        scatter = (vel_e - med_e[g]) ** 2 + (vel_n - med_n[g]) ** 2 - var_v
    scatter_tr = np.sqrt(np.maximum(group_median(np.where(vel_ok, scatter, np.nan), g, n_tr),
                                    0.0))

    # against the wind at the object's altitude
    n_rows = len(o)
    wind_speed_tr = np.full(n_tr, np.nan)
    airspeed_tr = np.full(n_tr, np.nan)
    chi2_tr = np.full(n_tr, np.nan)
    chi2_hi_tr = np.full(n_tr, np.nan)
    air_scatter_tr = np.full(n_tr, np.nan)
    if winds is not None and n_rows:
        k = mid[vel_ok]
        u, v, covered = winds.sample_covered(t[k], o.lat[k], o.lon[k], o.alt_m[k])
        u, v = np.where(covered, u, np.nan), np.where(covered, v, np.nan)
        res2 = np.full(n_rows, np.nan)
        wspd = np.full(n_rows, np.nan)
        res2[vel_ok] = (vel_e[vel_ok] - u) ** 2 + (vel_n[vel_ok] - v) ** 2
        wspd[vel_ok] = np.hypot(u, v)
        chi = res2 / (2.0 * wind_sigma_mps**2 + 2.0 * np.where(np.isfinite(var_v), var_v, 0.0))
        chi2_tr = group_median(chi, g, n_tr)
        chi2_hi_tr = group_quantile(chi, g, n_tr, 0.75)
        # a balloon's velocity minus the wind is the wind's error, nearly constant over a track
        # (correlated over hundreds of km and hours), so shear does not move it; an aircraft's
        # turns and speed changes do
        re_ = np.full(n_rows, np.nan)
        rn_ = np.full(n_rows, np.nan)
        re_[vel_ok] = vel_e[vel_ok] - u
        rn_[vel_ok] = vel_n[vel_ok] - v
        with np.errstate(invalid="ignore"):
            dev = ((re_ - group_median(re_, g, n_tr)[g]) ** 2
                   + (rn_ - group_median(rn_, g, n_tr)[g]) ** 2 - var_v)
        air_scatter_tr = np.sqrt(np.maximum(group_quantile(dev, g, n_tr, 0.75), 0.0))
        airspeed_tr = np.sqrt(group_median(res2, g, n_tr))
        wind_speed_tr = group_median(wspd, g, n_tr)

    # vertical rate: reported, else windowed least squares on heights
    vz_fit, vstt, vn_win, vend = windowed_slope(key, t_rel, o.alt_m, win_v)
    sig_v = _sigmas(o.sigma_v_m, o.kind, DEFAULT_SIGMA_V_M)
    var_vz = _slope_variance(np.where(np.isfinite(o.alt_m), sig_v, 0.0), idx, vend, vn_win,
                             vstt)
    vz_ok = ((t_rel[np.maximum(vend - 1, idx)] - t_rel) >= win_v / 3.0) & (
        np.isfinite(vz_fit))
    vz_rep = np.isfinite(o.vz_mps)
    use_vz_rep = (group_count(vz_rep, g, n_tr) >= 3)[g]
    vz = np.where(use_vz_rep, o.vz_mps, np.where(vz_ok, vz_fit, np.nan))
    vz_sig = np.where(use_vz_rep, REPORTED_RATE_SIGMA_MPS,
                      np.where(vz_ok, np.sqrt(var_vz), np.nan))

    vz_med = group_median(vz, g, n_tr)
    with np.errstate(invalid="ignore"):
        vz_dev = (vz - vz_med[g]) ** 2 - np.where(use_vz_rep, REPORTED_RATE_SIGMA_MPS**2,
                                                  var_vz)
    vz_scatter_tr = np.sqrt(np.maximum(group_median(vz_dev, g, n_tr), 0.0))
    # a balloon floats level or climbs steadily; an aircraft levels off and steps (and a
    # recorded height can jump): heights against a straight line over the vertical window
    res_z = windowed_residual(key, t_rel, o.alt_m, win_v)
    mid_v = (idx + np.maximum(vend - 1, idx)) // 2
    alt_chi2_tr = group_quantile(np.where(vz_ok, res_z**2 / sig_v[mid_v] ** 2, np.nan), g,
                                 n_tr, 0.75)

    cat = o.category
    return TrackFeatures(
        ref=refs,
        n_reports=counts.astype(np.float64),
        duration_s=t_rel[first + counts - 1] if n_rows else np.zeros(0),
        alt_m=group_median(o.alt_m, g, n_tr),
        speed_mps=speed_tr,
        short_speed_mps=short_speed_tr,
        wind_speed_mps=wind_speed_tr,
        airspeed_mps=airspeed_tr,
        wind_chi2=chi2_tr,
        wind_chi2_hi=chi2_hi_tr,
        air_scatter_mps=air_scatter_tr,
        vz_mps=vz_med,
        vz_sigma_mps=group_median(vz_sig, g, n_tr),
        scatter_mps=scatter_tr,
        vz_scatter_mps=vz_scatter_tr,
        alt_chi2=alt_chi2_tr,
        velocity_mismatch_mps=mismatch_tr,
        rcs_dbsm=group_median(o.rcs_dbsm, g, n_tr),
        has_icao=group_any(o.icao24 != "", g, n_tr),
        callsign=_first_text(o.callsign, g, n_tr),
        icao24=_first_text(o.icao24, g, n_tr),
        lighter_than_air=group_any(cat == LIGHTER_THAN_AIR, g, n_tr),
        aircraft_category=group_any(np.char.startswith(cat.astype(str),
                                                       AIRCRAFT_CATEGORY_PREFIX), g, n_tr),
        telemetry=group_any(o.kind == "telemetry", g, n_tr),
    )
