"""The classifier: multinomial logistic regression over a basis of track features.

Each feature enters through a few hinge functions (piecewise linear), so altitude bands and
speed ranges can each pull their own way, and missing values enter as indicators. Interactions
with a "high altitude" ramp let a slow object at 18 km count differently from a slow one at
500 m. Columns are standardised with the training means and scales stored with the weights.
The fitted constants live in :mod:`._fitted` (regenerate with
``python -m stratowatch.tracking.classification.fit``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.geo import density_kgpm3
from stratowatch.tracking.classification.features import TrackFeatures

FloatArray = npt.NDArray[np.float64]

LABELS: tuple[str, ...] = ("balloon", "aircraft", "clutter", "unknown")
"""Classes, in the column order of the probabilities ("clutter" is bird or weather clutter)."""

SEA_LEVEL_DENSITY_KGPM3 = 1.225
FREE_CHI2 = 4.0
"""Chi-square (per component) up to which the fitted model alone weighs the wind evidence."""
RATE_PENALTY_PER_MPS = 3.0
"""Log-odds against balloon per m/s of vertical rate beyond the free range."""
FREE_ASCENT_MPS = 10.0
"""Ascent rate (m/s) up to which the fitted model alone weighs it (latex balloons: 3-8)."""
FREE_DESCENT_MPS = 7.0
"""Sea-level-equivalent descent rate (m/s) up to which the fitted model alone weighs it
(parachutes: about 5)."""
MISMATCH_FREE_MPS = 25.0
"""Reported and positional velocity may differ this much (turns, window lag) at no cost."""
MISMATCH_PENALTY_PER_MPS = 0.5
"""Balloon log-odds lost per m/s beyond it: the reported velocity contradicts the track."""
DURATION_CAP_S = 1200.0
REPORTS_CAP = 100.0
GROUPS: tuple[str, ...] = ("altitude", "wind", "speed", "vertical", "motion", "identity",
                           "rcs", "duration")
"""Evidence groups: each design column belongs to one, and reasons are given per group."""


def _hinges(x: FloatArray, knots: tuple[float, ...]) -> list[FloatArray]:
    return [x] + [np.maximum(x - k, 0.0) for k in knots]


def _filled(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    ok = np.isfinite(x)
    return np.where(ok, x, 0.0), (~ok).astype(np.float64)


def _balloon_rate_mps(f: TrackFeatures) -> FloatArray:
    """The vertical rate as a balloon would have it (m/s), beyond twice its uncertainty.

    Noise alone should not look like a climb. Descents are scaled to sea level (rate x
    sqrt(density ratio)): a parachute falls fast up high and at ~5 m/s near the ground, while
    a latex balloon climbs at about the same rate at any height.
    """
    sig = np.where(np.isfinite(f.vz_sigma_mps), f.vz_sigma_mps, 0.0)
    rate = np.maximum(np.abs(f.vz_mps) - 2.0 * sig, 0.0)
    rho = np.sqrt(density_kgpm3(np.clip(np.nan_to_num(f.alt_m, nan=0.0), 0.0, 40000.0))
                  / SEA_LEVEL_DENSITY_KGPM3)
    out: FloatArray = np.where(f.vz_mps < 0, rate * rho, rate)
    return out


def physics_offset(f: TrackFeatures) -> FloatArray:
    """A fixed log-odds penalty on "balloon" (tracks x classes) where physics rules it out.

    Beyond the range the training data cover, a free balloon's Gaussian likelihood falls as
    exp(-chi2): a track moving through the air at many times the wind error, or climbing or
    falling faster than any balloon, is not one, whatever the other features say.
    """
    out = np.zeros((len(f), len(LABELS)))
    out[:, 0] = sum(physics_penalties(f).values())
    return out


def physics_penalties(f: TrackFeatures) -> dict[str, FloatArray]:
    """The balloon log-odds penalties of :func:`physics_offset`, by evidence group."""
    chi = np.nan_to_num(f.wind_chi2, nan=0.0)
    rate = np.nan_to_num(_balloon_rate_mps(f), nan=0.0)
    free = np.where(np.nan_to_num(f.vz_mps, nan=0.0) < 0, FREE_DESCENT_MPS, FREE_ASCENT_MPS)
    mismatch = np.nan_to_num(f.velocity_mismatch_mps, nan=0.0)
    return {"wind": -np.maximum(chi - FREE_CHI2, 0.0),
            "vertical": -RATE_PENALTY_PER_MPS * np.maximum(rate - free, 0.0),
            "motion": -MISMATCH_PENALTY_PER_MPS * np.maximum(mismatch - MISMATCH_FREE_MPS,
                                                                 0.0)}


def design(f: TrackFeatures) -> tuple[FloatArray, tuple[str, ...]]:
    """The design matrix (tracks x columns, without intercept) and each column's group."""
    cols: list[FloatArray] = []
    groups: list[str] = []

    def add(group: str, arrays: list[FloatArray]) -> None:
        cols.extend(arrays)
        groups.extend([group] * len(arrays))

    alt_km, alt_miss = _filled(np.clip(f.alt_m / 1000.0, -1.0, 40.0))
    high = np.clip((alt_km - 6.0) / 6.0, 0.0, 1.0) * (1.0 - alt_miss)
    add("altitude", [*_hinges(alt_km, (1.0, 3.0, 6.0, 9.0, 13.0, 17.0, 22.0)), alt_miss])
    chi, chi_miss = _filled(np.log1p(np.clip(f.wind_chi2, 0.0, 1e6)))
    lin = np.where(chi_miss > 0, 0.0, np.clip(f.wind_chi2, 0.0, 30.0)) / 10.0
    add("wind", [*_hinges(chi, (np.log(2.0), np.log(5.0), np.log(17.0), np.log(65.0))),
                 lin, chi_miss, high * chi, high * np.maximum(chi - np.log(5.0), 0.0)])
    spd, spd_miss = _filled(np.log1p(np.clip(f.speed_mps, 0.0, 1000.0)))
    add("speed", [*_hinges(spd, (np.log(6.0), np.log(16.0), np.log(41.0), np.log(81.0))),
                  spd_miss, high * spd, high * np.maximum(spd - np.log(41.0), 0.0)])
    vz, vz_miss = _filled(np.clip(_balloon_rate_mps(f), 0.0, 20.0))
    # a balloon floats level or climbs steadily; an aircraft levels off and steps, and a
    # recorded height can jump: the spread of windowed rates and heights off a straight climb
    vz_sc = np.nan_to_num(np.log1p(np.clip(f.vz_scatter_mps, 0.0, 100.0)), nan=0.0)
    alt_fit = np.nan_to_num(np.log1p(np.clip(f.alt_chi2, 0.0, 1e4)), nan=0.0)
    add("vertical", [*_hinges(vz, (1.0, 2.5, 8.0, 12.0)), vz_miss, high * np.minimum(vz, 10.0),
                     *_hinges(vz_sc, (np.log(2.0), np.log(5.0))),
                     *_hinges(alt_fit, (np.log(3.0), np.log(4.0)))])
    sc, sc_miss = _filled(np.log1p(np.clip(f.scatter_mps, 0.0, 500.0)))
    turn, turn_miss = _filled(np.log1p(np.clip(f.short_speed_mps - np.nan_to_num(
        f.speed_mps, nan=0.0), 0.0, 500.0)))
    add("motion", [*_hinges(sc, (np.log(3.0), np.log(8.0))), sc_miss,
                   *_hinges(turn, (np.log(6.0), np.log(21.0))), turn_miss])
    add("identity", [f.has_icao.astype(np.float64), f.lighter_than_air.astype(np.float64),
                     f.aircraft_category.astype(np.float64), f.telemetry.astype(np.float64)])
    rcs, rcs_miss = _filled(np.clip(f.rcs_dbsm, -50.0, 50.0) / 10.0)
    add("rcs", [*_hinges(rcs, (-2.0, 0.0, 1.0)), rcs_miss])
    # capped: beyond 20 min and 100 reports a longer track tells nothing more about its class
    dur = np.log1p(np.minimum(f.duration_s, DURATION_CAP_S) / 60.0)
    nrep = np.log(np.clip(f.n_reports, 1.0, REPORTS_CAP))
    add("duration", [*_hinges(dur, (np.log(3.0), np.log(11.0))),
                     nrep, np.maximum(nrep - np.log(5.0), 0.0)])
    return np.stack(cols, axis=1), tuple(groups)


@dataclass(frozen=True)
class LogisticModel:
    """Weights (columns + 1 intercept row, x classes) over standardised design columns."""

    mean: FloatArray
    scale: FloatArray
    weights: FloatArray

    def standardise(self, x: FloatArray) -> FloatArray:
        return (x - self.mean) / self.scale

    def logits(self, x: FloatArray, offset: FloatArray | None = None) -> FloatArray:
        z = self.standardise(x)
        out: FloatArray = z @ self.weights[1:] + self.weights[0]
        return out if offset is None else out + offset

    def probabilities(self, x: FloatArray, offset: FloatArray | None = None) -> FloatArray:
        return softmax(self.logits(x, offset))


def softmax(logits: FloatArray) -> FloatArray:
    """Row-wise softmax, stable for large logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
