"""Simulated birds and weather clutter: low, slow, short-lived, erratic.

Birds fly at 8-18 m/s through the air on a wandering heading, carried by the wind at their
height. Weather and propagation clutter drifts *with* the low-level wind (like a balloon) but
stays low, jitters and lasts minutes. Both are simulated, not observed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stratowatch.sensing.simulate._local import from_local_m
from stratowatch.sensing.simulate.trajectories import Trajectories
from stratowatch.winds import WindField

FloatArray = npt.NDArray[np.float64]


def _low_movers(winds: WindField | None, n: int, *, start_s: float, duration_s: float,
                lat_deg: float, lon_deg: float, radius_m: float, rng: np.random.Generator,
                step_s: float, alt_range_m: tuple[float, float],
                life_range_s: tuple[float, float], airspeed_range_mps: tuple[float, float],
                turn_sigma_radps: float, jitter_m: float, climb_sigma_mps: float
                ) -> Trajectories:
    starts, lats, lons, alts = [], [], [], []
    life = rng.uniform(*life_range_s, n)
    t0 = start_s + rng.uniform(-0.5 * life, duration_s - 0.5 * life)
    de, dn = rng.normal(0.0, radius_m, (2, n))
    la0, lo0 = from_local_m(de, dn, lat_deg, lon_deg)
    alt0 = rng.uniform(*alt_range_m, n)
    u, v = (np.zeros(n), np.zeros(n)) if winds is None else \
        winds.sample_covered(t0, la0, lo0, alt0)[:2]
    for j in range(n):
        k = max(2, int(life[j] / step_s))
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(
            rng.normal(0.0, turn_sigma_radps * np.sqrt(step_s), k))
        air = rng.uniform(*airspeed_range_mps)
        ve = u[j] + air * np.sin(heading)
        vn = v[j] + air * np.cos(heading)
        e = np.cumsum(ve) * step_s + rng.normal(0.0, jitter_m, k)
        nn = np.cumsum(vn) * step_s + rng.normal(0.0, jitter_m, k)
        vz = np.cumsum(rng.normal(0.0, climb_sigma_mps, k)) * 0.2
        alt = np.clip(alt0[j] + np.cumsum(np.clip(vz, -3, 3)) * step_s, 10.0, None)
        la, lo = from_local_m(e, nn, la0[j], lo0[j])
        starts.append(float(t0[j]))
        lats.append(la)
        lons.append(lo)
        alts.append(alt)
    return Trajectories.from_regular(np.array(starts), step_s, lats, lons, alts)


def simulate_birds(winds: WindField | None, n: int, *, start_s: float, duration_s: float,
                   lat_deg: float, lon_deg: float, radius_m: float, rng: np.random.Generator,
                   step_s: float = 5.0) -> Trajectories:
    """``n`` birds (or flocks): 30-2,500 m, 8-18 m/s airspeed, wandering, 2-20 min."""
    return _low_movers(winds, n, start_s=start_s, duration_s=duration_s, lat_deg=lat_deg,
                       lon_deg=lon_deg, radius_m=radius_m, rng=rng, step_s=step_s,
                       alt_range_m=(30.0, 2500.0), life_range_s=(120.0, 1200.0),
                       airspeed_range_mps=(8.0, 18.0), turn_sigma_radps=0.08, jitter_m=5.0,
                       climb_sigma_mps=0.5)


def simulate_clutter(winds: WindField | None, n: int, *, start_s: float, duration_s: float,
                     lat_deg: float, lon_deg: float, radius_m: float, rng: np.random.Generator,
                     step_s: float = 10.0) -> Trajectories:
    """``n`` clutter cells: 0-4,000 m, drifting with the wind (+0-2 m/s), jittery, 1-12 min."""
    return _low_movers(winds, n, start_s=start_s, duration_s=duration_s, lat_deg=lat_deg,
                       lon_deg=lon_deg, radius_m=radius_m, rng=rng, step_s=step_s,
                       alt_range_m=(0.0, 4000.0), life_range_s=(60.0, 720.0),
                       airspeed_range_mps=(0.0, 2.0), turn_sigma_radps=0.02, jitter_m=60.0,
                       climb_sigma_mps=0.2)
