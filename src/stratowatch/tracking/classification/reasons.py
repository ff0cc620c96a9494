"""Human-readable reasons: which evidence moved a track towards or away from "balloon".

For every evidence group (altitude, speed against the wind, vertical rate, ...) the model's
contribution to the log-odds of balloon against the other classes is computed from the
standardised design columns; the strongest groups are told in words with their numbers.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from stratowatch.tracking.classification.features import TrackFeatures
from stratowatch.tracking.classification.model import GROUPS, MISMATCH_FREE_MPS, LogisticModel

FloatArray = npt.NDArray[np.float64]
MIN_WEIGHT = 0.5
"""Groups whose contribution to the balloon log-odds is smaller than this are not told."""
MAX_REASONS = 5


def contributions(model: LogisticModel, x: FloatArray, groups: tuple[str, ...],
                  probs: FloatArray, penalties: dict[str, FloatArray] | None = None
                  ) -> FloatArray:
    """(tracks, GROUPS) contribution of each group to log p(balloon) / p(the others),
    the fixed physics penalties (by group) included."""
    z = model.standardise(x)
    w = model.weights[1:]
    others = probs[:, 1:]
    q = others / np.maximum(others.sum(axis=1, keepdims=True), 1e-300)
    diff = w[:, 0][None, :] - q @ w[:, 1:].T
    member = np.array([[g == name for name in GROUPS] for g in groups], dtype=np.float64)
    out: FloatArray = (z * diff) @ member
    for name, values in (penalties or {}).items():
        out[:, GROUPS.index(name)] += values
    return out


def _band(alt_m: float) -> str:
    if alt_m < 2000:
        return "low: birds, clutter, launches"
    if alt_m < 8000:
        return "mid levels"
    if alt_m < 13000:
        return "airliner cruise band"
    if alt_m < 18000:
        return "above most aircraft"
    return "stratosphere, where free balloons float"


def _fmt(value: float, unit: str, digits: int = 1) -> str:
    return "unknown" if not math.isfinite(value) else f"{value:,.{digits}f} {unit}"


def describe(group: str, f: TrackFeatures, i: int) -> str:
    """The evidence of one group for track ``i``, in words with numbers."""
    if group == "altitude":
        a = float(f.alt_m[i])
        return ("no altitude reported" if not math.isfinite(a)
                else f"altitude {a:,.0f} m ({_band(a)})")
    if group == "wind":
        if not math.isfinite(float(f.wind_chi2[i])):
            return "no wind at the object's position and altitude (not given or not covered)"
        return (f"speed {_fmt(float(f.speed_mps[i]), 'm/s')} against wind "
                f"{_fmt(float(f.wind_speed_mps[i]), 'm/s')} at its altitude: it moves "
                f"{_fmt(float(f.airspeed_mps[i]), 'm/s')} through the air "
                f"(chi-square {float(f.wind_chi2[i]):.1f} per component)")
    if group == "speed":
        return f"ground speed {_fmt(float(f.speed_mps[i]), 'm/s')}"
    if group == "vertical":
        return f"vertical rate {_fmt(float(f.vz_mps[i]), 'm/s')}"
    if group == "motion":
        text = (f"velocity scatter {_fmt(float(f.scatter_mps[i]), 'm/s')}, speed over short "
                f"windows {_fmt(float(f.short_speed_mps[i]), 'm/s')} (large: erratic or "
                "turning)")
        off = float(f.velocity_mismatch_mps[i])
        if math.isfinite(off) and off > MISMATCH_FREE_MPS:
            text += (f"; reported velocity {_fmt(off, 'm/s')} off the positions' own "
                     "(a stale or broken recording)")
        return text
    if group == "identity":
        parts = []
        if f.lighter_than_air[i]:
            parts.append("ADS-B emitter category B2 lighter-than-air")
        if f.aircraft_category[i]:
            parts.append("ADS-B aircraft emitter category")
        if f.has_icao[i]:
            parts.append(f"transponder {f.icao24[i]}")
        if f.callsign[i]:
            parts.append(f"callsign {f.callsign[i]}")
        if f.telemetry[i]:
            parts.append("balloon telemetry")
        return ", ".join(parts) if parts else "no transponder, callsign or telemetry"
    if group == "rcs":
        return f"radar cross-section {_fmt(float(f.rcs_dbsm[i]), 'dBsm')}"
    return (f"seen for {float(f.duration_s[i]) / 60.0:,.1f} min in "
            f"{int(f.n_reports[i])} reports")


def reasons(f: TrackFeatures, contrib: FloatArray) -> list[tuple[str, ...]]:
    """Per track, the strongest evidence first, each with its log-odds weight for balloon;
    the comparison with the wind comes whenever one was made."""
    out = []
    order = np.argsort(-np.abs(contrib), axis=1)
    wind = GROUPS.index("wind")
    compared = np.isfinite(f.wind_chi2)
    for i in range(contrib.shape[0]):
        picked: list[int] = []
        for j in order[i, :MAX_REASONS].tolist():
            if abs(float(contrib[i, j])) < MIN_WEIGHT and len(picked) >= 2:
                break
            picked.append(j)
        if compared[i] and wind not in picked:
            picked.append(wind)  # the comparison with the wind is always told when made
        told = []
        for j in picked:
            c = float(contrib[i, j])
            way = "for" if c > 0 else "against"
            told.append(f"{describe(GROUPS[j], f, i)} [{c:+.1f} log-odds {way} balloon]")
        out.append(tuple(told))
    return out
