"""Joining tracks across long gaps (hours to days) with drift-forecast ensembles.

When a new track appears, every balloon-like track that has been silent longer than
``min_gap_s`` is a candidate earlier half of it. For each candidate pair within reach (no
faster than ``max_speed_mps`` on the great circle), a drift ensemble runs from the earlier
track's last state to the new report's time; the report's likelihood under the ensemble (a
Gaussian kernel density, bandwidth by Silverman's rule widened by both position sigmas) against
the density of new objects is the log likelihood ratio of "same object". The joint assignment of
least total cost over all candidate pairs (``linear_sum_assignment``) then decides, so two
balloons close together are not swapped; a pair needs ``min_llr`` to join. Each accepted join
keeps its ensemble (``Join.forecast``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from stratowatch.drift import FloatProfile, Perturbation, forecast
from stratowatch.drift.products import LocalPlane
from stratowatch.errors import StratowatchError
from stratowatch.geo.sphere import great_circle_m
from stratowatch.tracking.types import Join
from stratowatch.winds.base import WindField

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Endpoint:
    """A track's end (earlier track) or start (later track): time (s), position, sigmas (m)."""

    number: int
    time_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    sigma_h_m: float
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftJoiner:
    """Scores and chooses long-gap joins; see the module docstring.

    ``new_density_per_km2`` is how often an unexplained new balloon appears per km^2 (the
    alternative to "same object"): the default, 1e-8, is a handful over a continent.
    ``min_llr`` (natural log) is the evidence a join needs; ``members`` and ``perturbation``
    shape the forecast (default: Loon wind-error statistics and the track's position sigma).
    """

    winds: WindField
    min_gap_s: float = 1800.0
    max_gap_s: float = 5.0 * 86400.0
    max_speed_mps: float = 120.0
    max_alt_change_m: float = 4000.0
    members: int = 200
    step_s: float = 600.0
    perturbation: Perturbation | None = None
    new_density_per_km2: float = 1e-8
    min_llr: float = math.log(100.0)
    seed: int = 0

    def candidates(self, earlier: list[Endpoint], later: list[Endpoint]
                   ) -> list[tuple[int, int]]:
        """Index pairs (earlier, later) close enough in time, space and altitude to score."""
        out: list[tuple[int, int]] = []
        if not earlier or not later:
            return out
        e_lat = np.array([e.lat_deg for e in earlier])
        e_lon = np.array([e.lon_deg for e in earlier])
        for b, new in enumerate(later):
            gap = new.time_s - np.array([e.time_s for e in earlier])
            dist = great_circle_m(e_lat, e_lon, new.lat_deg, new.lon_deg)
            alt_ok = np.array([not (math.isfinite(e.alt_m) and math.isfinite(new.alt_m))
                               or abs(e.alt_m - new.alt_m) <= self.max_alt_change_m
                               for e in earlier])
            ok = ((gap >= self.min_gap_s) & (gap <= self.max_gap_s)
                  & (dist <= self.max_speed_mps * np.maximum(gap, 1.0)) & alt_ok)
            out.extend((int(a), b) for a in np.flatnonzero(ok))
        return out

    def score(self, old: Endpoint, new: Endpoint) -> Join | None:
        """The join of two tracks with its forecast and log likelihood ratio (None when the
        forecast cannot be made, e.g. outside the wind data)."""
        gap = new.time_s - old.time_s
        pert = self.perturbation or Perturbation(sigma_h_m=old.sigma_h_m)
        alt = old.alt_m if math.isfinite(old.alt_m) else 18000.0
        try:
            ens = forecast(self.winds, start=old.time_s, lat_deg=old.lat_deg,
                           lon_deg=old.lon_deg, profile=FloatProfile(alt_m=alt),
                           duration_s=gap, members=self.members, perturbation=pert,
                           seed=self.seed + old.number, step_s=min(self.step_s, gap),
                           output_every_s=gap)
        except StratowatchError:
            return None
        valid = ens.valid_mask()[-1]
        if not valid.any():
            return None
        lat = ens.lat_deg[-1, valid]
        lon = ens.lon_deg[-1, valid]
        plane = LocalPlane(new.lat_deg, new.lon_deg)
        x, y = plane.forward(lat, lon)
        n = x.shape[0]
        spread = math.sqrt(0.5 * (float(np.var(x)) + float(np.var(y))))
        h2 = (1.06 * max(spread, 1.0) * n ** -0.2) ** 2 + new.sigma_h_m ** 2 + 1.0
        d2 = x * x + y * y
        log_k = -0.5 * d2 / h2 - math.log(2.0 * math.pi * h2)
        top = float(log_k.max())
        log_p = top + math.log(float(np.mean(np.exp(log_k - top))))
        llr = log_p - math.log(self.new_density_per_km2 / 1e6)
        med_x, med_y = float(np.median(x)), float(np.median(y))
        return Join(earlier=old.number, later=new.number, gap_s=gap,
                    distance_m=float(great_circle_m(old.lat_deg, old.lon_deg, new.lat_deg,
                                                    new.lon_deg)),
                    miss_m=math.hypot(med_x, med_y), llr=llr, forecast=ens,
                    earlier_sources=old.sources, later_sources=new.sources)

    def join(self, earlier: list[Endpoint], later: list[Endpoint]) -> list[Join]:
        """The accepted joins: the best joint assignment among candidate pairs."""
        pairs = self.candidates(earlier, later)
        if not pairs:
            return []
        scored: dict[tuple[int, int], Join] = {}
        for a, b in pairs:
            j = self.score(earlier[a], later[b])
            if j is not None and j.llr >= self.min_llr:
                scored[(a, b)] = j
        if not scored:
            return []
        big = 1e9
        cost = np.full((len(earlier), len(later)), big)
        for (a, b), j in scored.items():
            cost[a, b] = -j.llr
        rows, cols = linear_sum_assignment(cost)
        return [scored[(int(a), int(b))] for a, b in zip(rows, cols, strict=True)
                if cost[a, b] < big]


__all__ = ["DriftJoiner", "Endpoint"]
