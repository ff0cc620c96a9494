"""The classifier interface the tracker calls, and a small fallback built on the IMM alone.

The tracker hands a classifier one ``StateFeatures`` row per track state and
stores the returned probabilities (columns in ``CLASSES`` order) on the tracks. The full
classifier lives in ``stratowatch.tracking.classification``; ``ModeClassifier`` is the stand-in
that needs nothing but the tracker's own evidence: the drift-mode probability, altitude and
speed through the air.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class StateFeatures:
    """Per-track evidence at the latest update (one row per track; NaN where unknown).

    ``p_drift``: IMM probability of the wind-drift mode; ``alt_m``: altitude (m above MSL);
    ``speed_mps`` and ``vz_mps``: ground speed and vertical rate; ``airspeed_mps``: speed
    relative to the wind at the track; ``n_obs``: reports so far; ``lighter_than_air``: an ADS-B
    emitter category or a telemetry report says balloon; ``transponder``: any ADS-B report;
    ``rcs_dbsm``: latest radar cross-section.
    """

    p_drift: FloatArray
    alt_m: FloatArray
    speed_mps: FloatArray
    vz_mps: FloatArray
    airspeed_mps: FloatArray
    n_obs: FloatArray
    lighter_than_air: BoolArray
    transponder: BoolArray
    rcs_dbsm: FloatArray

    def __len__(self) -> int:
        return int(self.p_drift.shape[0])


@runtime_checkable
class TrackClassifier(Protocol):
    """Anything that turns track features into class probabilities (n, len(CLASSES))."""

    def classify(self, features: StateFeatures) -> FloatArray: ...


@dataclass(frozen=True)
class ModeClassifier:
    """Balloon / aircraft / clutter / unknown from the IMM mode probability and two cues.

    Odds for a balloon start from the drift-mode odds and are scaled by an altitude factor
    (free balloons float above ``balloon_floor_m``; below ``clutter_ceiling_m`` slow tracks are
    more often birds and weather), and a lighter-than-air report settles it.
    """

    balloon_floor_m: float = 12000.0
    clutter_ceiling_m: float = 3000.0
    clutter_speed_mps: float = 20.0

    def classify(self, features: StateFeatures) -> FloatArray:
        pd = np.clip(features.p_drift, 1e-6, 1.0 - 1e-6)
        alt = np.nan_to_num(features.alt_m, nan=self.balloon_floor_m)
        high = np.clip((alt - self.clutter_ceiling_m)
                       / max(self.balloon_floor_m - self.clutter_ceiling_m, 1.0), 0.0, 1.0)
        odds = pd / (1.0 - pd) * (0.05 + 0.95 * high) / 0.5
        odds = np.where(features.lighter_than_air, np.maximum(odds, 1e3), odds)
        odds = np.where(features.transponder & ~features.lighter_than_air, odds * 0.01, odds)
        p_b = odds / (1.0 + odds)
        slow_low = (np.nan_to_num(features.speed_mps, nan=0.0) < self.clutter_speed_mps) \
            & (alt < self.clutter_ceiling_m)
        p_c = np.where(slow_low, 0.6, 0.05) * (1.0 - p_b)
        p_u = np.where(features.n_obs < 3, 0.2, 0.02) * (1.0 - p_b - p_c)
        p_a = 1.0 - p_b - p_c - p_u
        return np.column_stack([p_b, p_a, p_c, p_u])


__all__ = ["ModeClassifier", "StateFeatures", "TrackClassifier"]
