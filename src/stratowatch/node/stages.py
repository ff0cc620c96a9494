"""The pipeline's stages that other layers will own: association, classification, forecasting.

Classification calls the tracking layer's calibrated classifier (``stratowatch.tracking.classify``,
on each track's reports and the node's winds) when it is there, and a plain rule otherwise.
Association uses ``stratowatch.tracking``'s ``node_tracker()`` when it offers one (its
``Tracker`` works on whole batches; an incremental adapter is future work); until then reports
that name their object (telemetry, ADS-B) form one track each. Forecasting calls the drift
engine.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from shapely.geometry import mapping

from stratowatch.drift import FloatProfile, forecast
from stratowatch.drift.products import median_track, regions
from stratowatch.errors import ConfigError, CoverageError
from stratowatch.sharing.stix import ForecastRegion, TrackPoint
from stratowatch.winds import WindField

Row = Mapping[str, Any]
LIGHTER_THAN_AIR = "B2"  # ADS-B emitter category of a balloon


class Tracker(Protocol):
    """Assigns each observation to a track key (a stable name for one object)."""

    def assign(self, rows: Sequence[Row]) -> list[str | None]: ...


class Classifier(Protocol):
    """Classifies a track from its observations: (class, probability)."""

    def classify(self, rows: Sequence[Row]) -> tuple[str, float | None]: ...


class KeyedTracker:
    """Reports that name their object (telemetry callsign, ADS-B address, a sensor's track
    reference) form one track per name; anonymous reports are left unassociated."""

    def assign(self, rows: Sequence[Row]) -> list[str | None]:
        keys: list[str | None] = []
        for row in rows:
            key = None
            for name in ("icao24", "callsign", "ref"):
                value = row.get(name)
                if value:
                    key = f"{name}:{value}"
                    break
            keys.append(key)
        return keys


class RuleClassifier:
    """Balloon telemetry and the ADS-B lighter-than-air category say "free balloon"; nothing
    else is claimed without the tracking layer's wind-aware classifier."""

    def classify(self, rows: Sequence[Row]) -> tuple[str, float | None]:
        if any(r.get("category") == LIGHTER_THAN_AIR for r in rows):
            return "free-balloon", 0.95
        if rows and all(r.get("kind") == "telemetry" for r in rows):
            return "free-balloon", 0.9
        return "unknown", None


class TrackingClassifier:
    """The tracking layer's calibrated classifier on one track's reports (with the winds)."""

    LABELS: ClassVar[dict[str, str]] = {
        "balloon": "free-balloon", "aircraft": "aircraft", "clutter": "bird-or-clutter",
        "unknown": "unknown"}

    def __init__(self, classify: Any, winds: WindField | None) -> None:
        self._classify = classify
        self._winds = winds
        self._fallback = RuleClassifier()

    def classify(self, rows: Sequence[Row]) -> tuple[str, float | None]:
        from stratowatch.sensing import Observations

        columns: dict[str, list[Any]] = {name: [] for name in _FIELDS}
        for row in rows:
            for name in _FIELDS:
                value = row.get(name)
                columns[name].append(value if value is not None else
                                     ("" if name in _TEXT else float("nan")))
        columns["ref"] = ["track"] * len(rows)
        try:
            result = self._classify(Observations.from_columns(columns), self._winds,
                                    explain=False)
        except (ConfigError, CoverageError, ValueError):
            return self._fallback.classify(rows)
        if len(result) != 1:
            return self._fallback.classify(rows)
        label = self.LABELS.get(str(result.label[0]), "unknown")
        return label, float(max(result.probabilities[0]))


_TEXT = ("sensor_id", "source", "kind", "icao24", "callsign", "category")
_FIELDS = ("time", "lat", "lon", "alt_m", "sigma_h_m", "sigma_v_m", "vx_mps", "vy_mps",
           "vz_mps", "rcs_dbsm", *_TEXT)


def default_tracker() -> Tracker:
    """The tracking layer's tracker if it offers one, else :class:`KeyedTracker`."""
    made = _from_tracking("node_tracker")
    return made if made is not None else KeyedTracker()


def default_classifier(winds: WindField | None = None) -> Classifier:
    """The tracking layer's classifier if it is installed, else :class:`RuleClassifier`."""
    made = _from_tracking("node_classifier")
    if made is not None:
        return made
    try:
        module = importlib.import_module("stratowatch.tracking")
    except ImportError:
        return RuleClassifier()
    classify = getattr(module, "classify", None)
    return TrackingClassifier(classify, winds) if callable(classify) else RuleClassifier()


def _from_tracking(factory: str) -> Any:
    try:
        module = importlib.import_module("stratowatch.tracking")
    except ImportError:
        return None
    make = getattr(module, factory, None)
    return make() if callable(make) else None


@dataclass(frozen=True)
class ForecastResult:
    """A drift forecast in the STIX payload's terms."""

    lead_times_s: list[float]
    median: list[TrackPoint]
    regions: list[ForecastRegion]
    members: int


def drift_forecast(winds: WindField, last: TrackPoint, *, members: int, hours: float,
                   output_every_s: float, seed: int) -> ForecastResult | None:
    """An ensemble forecast from a track's last state, floating at its altitude.

    None when the start lies outside the wind data (nothing honest to say).
    """
    try:
        ens = forecast(winds, start=last.time_s, lat_deg=last.lat, lon_deg=last.lon,
                       profile=FloatProfile(alt_m=last.alt_m), duration_s=hours * 3600.0,
                       members=members, seed=seed, output_every_s=output_every_s)
    except (CoverageError, ConfigError):
        return None
    med = median_track(ens)
    points = [TrackPoint(float(t), float(la), float(lo), float(al))
              for t, la, lo, al in zip(med.times_s, med.lat_deg, med.lon_deg, med.alt_m,
                                       strict=True)
              if math.isfinite(la) and math.isfinite(lo) and math.isfinite(al)]
    if not points:
        return None
    found = [ForecastRegion(r.lead_s, r.level, mapping(r.geometry))
             for r in regions(ens, (0.5, 0.9)) if r.lead_s > 0 and not r.geometry.is_empty]
    leads = [float(x) for x in ens.lead_s()]
    return ForecastResult(leads, points, found, ens.n_members)
