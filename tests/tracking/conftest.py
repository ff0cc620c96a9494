"""Simulated scenarios for the tracker tests (all truth here is simulated, none is real).

Balloon truth comes from the drift engine on an analytic wind field (``ZonalJet``: a westerly
jet at 18 km), aircraft fly straight lines, clutter is uniform; reports carry the truth id in
``ref`` so tests can check which object each track followed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from stratowatch.drift import FloatProfile, forecast
from stratowatch.sensing import Observations, concat
from stratowatch.tracking.filters import plane_move
from stratowatch.winds import ZonalJet

T0 = 1_767_225_600.0  # 2026-01-01T00:00Z


@dataclass
class Path_:
    """A truth path: times (s), positions (degrees, m)."""

    ref: str
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray


def balloon_path(winds: ZonalJet, ref: str, lat: float, lon: float, alt_m: float,
                 hours: float, every_s: float, start: float = T0) -> Path_:
    """A floating balloon moved by the drift engine (deterministic, one member)."""
    ens = forecast(winds, start=start, lat_deg=lat, lon_deg=lon,
                   profile=FloatProfile(alt_m=alt_m), duration_s=hours * 3600.0, members=1,
                   step_s=min(300.0, every_s), output_every_s=every_s)
    return Path_(ref, ens.times_s, ens.lat_deg[:, 0], ens.lon_deg[:, 0], ens.alt_m[:, 0])


def aircraft_path(ref: str, lat: float, lon: float, alt_m: float, heading_deg: float,
                  speed_mps: float, times: np.ndarray) -> Path_:
    """A straight, level flight (east/north metres from the start point)."""
    dt = times - times[0]
    e = speed_mps * np.sin(np.radians(heading_deg)) * dt
    n = speed_mps * np.cos(np.radians(heading_deg)) * dt
    la = np.empty_like(dt)
    lo = np.empty_like(dt)
    for k in range(dt.size):
        la[k], lo[k] = plane_move(lat, lon, e[k], n[k])
    return Path_(ref, times.copy(), la, lo, np.full(dt.size, alt_m))


def observe(path: Path_, rng: np.random.Generator, sigma_h_m: float = 150.0,
            sigma_v_m: float = 100.0, p_detect: float = 1.0, source: str = "radar-A",
            kind: str = "radar", keep: np.ndarray | None = None) -> Observations:
    """Noisy reports of a path (``keep``: a mask of its samples to report)."""
    sel = rng.random(path.t.size) < p_detect
    if keep is not None:
        sel &= keep
    idx = np.flatnonzero(sel)
    la = np.empty(idx.size)
    lo = np.empty(idx.size)
    for q, k in enumerate(idx):
        la[q], lo[q] = plane_move(path.lat[k], path.lon[k], rng.normal(0, sigma_h_m),
                                  rng.normal(0, sigma_h_m))
    return Observations(path.t[idx], la, lo, path.alt[idx] + rng.normal(0, sigma_v_m, idx.size),
                        sigma_h_m=sigma_h_m, sigma_v_m=sigma_v_m, kind=kind, source=source,
                        sensor_id=source, ref=path.ref)


def clutter(rng: np.random.Generator, times: np.ndarray, per_scan: int, lat0: float,
            lon0: float, half_m: float) -> Observations:
    """Uniform false reports in a box (east/north half-width, m) at all altitudes."""
    parts = []
    for t in times:
        e = rng.uniform(-half_m, half_m, per_scan)
        n = rng.uniform(-half_m, half_m, per_scan)
        ll = np.array([plane_move(lat0, lon0, a, b) for a, b in zip(e, n, strict=True)])
        parts.append(Observations(np.full(per_scan, t), ll[:, 0], ll[:, 1],
                                  rng.uniform(0, 25000, per_scan), sigma_h_m=150.0,
                                  sigma_v_m=100.0, kind="radar", source="radar-A",
                                  sensor_id="radar-A", ref="clutter"))
    return concat(parts)


@pytest.fixture(scope="session")
def jet() -> ZonalJet:
    return ZonalJet()


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture(scope="session")
def sim() -> dict[str, Callable[..., object]]:
    return {"balloon": balloon_path, "aircraft": aircraft_path, "observe": observe,
            "clutter": clutter, "T0": T0}  # type: ignore[dict-item]
