"""Tracker data types, kept apart from the algorithms: tracks, joins and the output table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from stratowatch.drift.ensemble import Ensemble
from stratowatch.sensing.observation import Observations

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.object_]

CLASSES: tuple[str, ...] = ("balloon", "aircraft", "clutter", "unknown")
"""Class labels, in the column order of class-probability arrays."""

TRACK_NAMESPACE = uuid.UUID("4f6d1c2e-7b1a-5c55-9a3e-2b8f0d6e9a41")
"""UUIDv5 namespace of track identifiers, so a replay recreates the same ids."""

TABLE_COLUMNS: tuple[str, ...] = (
    "track_id", "time", "lat", "lon", "alt_m", "vx_mps", "vy_mps", "vz_mps", "sigma_h_m",
    "p_balloon", "label", "n_obs", "sources")
"""Columns of ``stratowatch track`` output, one row per track state."""


def track_stix_id(number: int, run_key: str = "") -> str:
    """Deterministic STIX-form id (``track--uuid5``) of a track number within a run."""
    return f"track--{uuid.uuid5(TRACK_NAMESPACE, f'{run_key}:{number}')}"


@dataclass
class Join:
    """Two tracks found to be one object across a long gap, with the drift forecast that
    justified it: ``forecast`` runs from the earlier track's last state to the later track's
    first report; ``llr`` is the log likelihood ratio of that report under the forecast against
    a new object; ``miss_m`` the distance (m) from the forecast's median to the report."""

    earlier: int
    later: int
    gap_s: float
    distance_m: float
    miss_m: float
    llr: float
    forecast: Ensemble
    earlier_sources: tuple[str, ...] = ()
    later_sources: tuple[str, ...] = ()


@dataclass
class Track:
    """One object's estimated states (one per update) and what they were built from.

    Arrays are per state: times (s since epoch), position (degrees, m), velocity (m/s east,
    north, up), horizontal sigma (m) and p_balloon; ``class_probs`` is the latest estimate per
    class in ``CLASSES``; ``observations`` are the reports used (so their sources, sensors and
    refs), ``joins`` the long-gap joins that made this track.
    """

    number: int
    track_id: str
    times_s: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    velocity_mps: FloatArray
    sigma_h_m: FloatArray
    p_balloon: FloatArray
    p_drift: FloatArray
    class_probs: dict[str, float]
    observations: Observations
    joins: list[Join] = field(default_factory=list)
    confirmed: bool = True

    @property
    def label(self) -> str:
        return max(self.class_probs, key=lambda k: self.class_probs[k])

    @property
    def n_obs(self) -> int:
        return len(self.observations)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.observations.source.tolist()) - {""}))

    @property
    def sensor_ids(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.observations.sensor_id.tolist()) - {""}))

    def __len__(self) -> int:
        return int(self.times_s.shape[0])

    def __repr__(self) -> str:
        return (f"Track({self.number}, {len(self)} states, {self.n_obs} reports, "
                f"{self.label}, p_balloon={self.class_probs.get('balloon', 0.0):.2f}, "
                f"joins={len(self.joins)})")


@dataclass
class TrackTable:
    """The output table: one row per track state, columns as in ``TABLE_COLUMNS``."""

    columns: dict[str, Any]

    def __len__(self) -> int:
        return len(self.columns["time"])

    def rows(self) -> list[dict[str, Any]]:
        cols = self.columns
        return [{c: cols[c][k].item() if isinstance(cols[c][k], np.generic) else cols[c][k]
                 for c in TABLE_COLUMNS} for k in range(len(self))]


__all__ = ["CLASSES", "TABLE_COLUMNS", "Join", "Track", "TrackTable", "track_stix_id"]
