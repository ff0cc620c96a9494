"""Simulated free balloons, moved by the drift engine on a wind field.

Floating balloons hold a constant altitude (a superpressure or zero-pressure float); ascending
ones follow the standard profile (ascent, burst, parachute descent). Each batch is one drift
ensemble whose members start spread around a centre, so a batch of hundreds of balloons costs
one compiled run. The members carry the drift engine's correlated wind-error process (Loon
statistics by default): the simulated balloons move with the *true* wind, which differs from
the given (forecast) field by a few m/s, as real balloons do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.drift import FloatProfile, MemberStatus, Perturbation, StandardProfile, forecast
from stratowatch.sensing.simulate.trajectories import Trajectories, concat_trajectories
from stratowatch.winds import WindField

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BalloonMix:
    """How the simulated balloons look: altitudes (m), rates (m/s), spread (m)."""

    float_alt_range_m: tuple[float, float] = (8000.0, 24000.0)
    float_alt_sigma_m: float = 800.0
    ascent_rate_range_mps: tuple[float, float] = (3.0, 7.0)
    burst_alt_range_m: tuple[float, float] = (18000.0, 34000.0)
    descent_rate_mps: float = 5.0
    max_launch_lead_s: float = 2.0 * 3600.0  # ascending ones were launched up to this long ago
    wind_sigma_mps: float = 3.6
    batches: int = 6
    step_s: float = 30.0


def _members(ens_lat: FloatArray, ens_lon: FloatArray, ens_alt: FloatArray,
             status: npt.NDArray[np.int8], times_s: FloatArray, t0: float, t1: float,
             step_s: float) -> tuple[list[FloatArray], list[FloatArray], list[FloatArray],
                                     list[float]]:
    """Per member: the part of its path inside [t0, t1] while airborne and inside the winds."""
    lats, lons, alts, starts = [], [], [], []
    in_window = (times_s >= t0 - 1e-6) & (times_s <= t1 + 1e-6)
    for m in range(ens_lat.shape[1]):
        ok = (status[:, m] == MemberStatus.ACTIVE) & in_window
        idx = np.flatnonzero(ok)
        if idx.size < 2:
            continue
        gaps = np.flatnonzero(np.diff(idx) != 1)
        idx = idx[: gaps[0] + 1] if gaps.size else idx  # first contiguous stretch only
        if idx.size < 2:
            continue
        lon = np.degrees(np.unwrap(np.radians(ens_lon[idx, m])))
        lats.append(ens_lat[idx, m].copy())
        lons.append(lon)
        alts.append(ens_alt[idx, m].copy())
        starts.append(float(times_s[idx[0]]))
    return lats, lons, alts, starts


def simulate_balloons(winds: WindField, *, n: int, ascending: bool, start_s: float,
                      duration_s: float, lat_deg: float, lon_deg: float, radius_m: float,
                      rng: np.random.Generator, mix: BalloonMix | None = None) -> Trajectories:
    """Trajectories of about ``n`` balloons around (lat, lon) over [start_s, start_s + duration_s].

    Members that leave the wind data, land, or never fly inside the window are dropped, so
    the result may hold fewer than ``n`` objects.
    """
    mix = mix or BalloonMix()
    sizes = np.full(mix.batches, n // mix.batches)
    sizes[: n % mix.batches] += 1
    parts = []
    for size in sizes[sizes > 0]:
        seed = int(rng.integers(0, 2**31 - 1))
        if ascending:
            lead = float(rng.uniform(0.0, mix.max_launch_lead_s))
            first_s = winds.coverage.start_s
            if first_s is not None:  # launch no earlier than the wind data begin
                lead = min(lead, max(start_s - first_s, 0.0))
            lead = mix.step_s * math.floor(lead / mix.step_s)
            profile: FloatProfile | StandardProfile = StandardProfile(
                ascent_rate_mps=float(rng.uniform(*mix.ascent_rate_range_mps)),
                burst_alt_m=float(rng.uniform(*mix.burst_alt_range_m)),
                descent_rate_mps=mix.descent_rate_mps)
            pert = Perturbation(sigma_h_m=radius_m, wind_sigma_mps=mix.wind_sigma_mps,
                                rate_sigma_frac=0.2, burst_sigma_m=2500.0)
            alt0: float | None = 0.0
        else:
            lead = 0.0
            profile = FloatProfile(alt_m=float(rng.uniform(*mix.float_alt_range_m)))
            pert = Perturbation(sigma_h_m=radius_m, sigma_alt_m=mix.float_alt_sigma_m,
                                wind_sigma_mps=mix.wind_sigma_mps)
            alt0 = None
        ens = forecast(winds, start=start_s - lead, lat_deg=lat_deg, lon_deg=lon_deg,
                       profile=profile, alt_m=alt0, duration_s=duration_s + lead,
                       members=int(size), perturbation=pert, seed=seed, step_s=mix.step_s,
                       output_every_s=mix.step_s)
        lats, lons, alts, starts = _members(ens.lat_deg, ens.lon_deg, ens.alt_m, ens.status,
                                            ens.times_s, start_s, start_s + duration_s,
                                            mix.step_s)
        if lats:
            parts.append(Trajectories.from_regular(starts, mix.step_s, lats, lons, alts))
    if not parts:
        return Trajectories.from_regular(np.empty(0), mix.step_s, [], [], [])
    return concat_trajectories(parts)
