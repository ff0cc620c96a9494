"""The pipeline's stages that other layers own: the tracker, its class labels, forecasting.

``make_tracker`` builds the tracking layer's ``Tracker`` as the node runs it (wind-aware IMM,
k-d tree gating, GNN, M-of-N, model-dependent deletion, long-gap joins on the node's winds);
``node_class`` maps its class labels to the STIX ones. Forecasting calls the drift engine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from shapely.geometry import mapping

from stratowatch.drift import FloatProfile, forecast
from stratowatch.drift.ensemble import Ensemble
from stratowatch.drift.products import median_track, regions
from stratowatch.errors import ConfigError, CoverageError
from stratowatch.sharing.stix import ForecastRegion, TrackPoint
from stratowatch.tracking import Tracker
from stratowatch.winds import WindField

CLASS_LABELS = {"balloon": "free-balloon", "aircraft": "aircraft", "clutter": "bird-or-clutter",
                "unknown": "unknown"}
"""The tracking layer's class names -> the STIX classification vocabulary."""


def make_tracker(winds: WindField | None) -> Tracker:
    """A fresh tracker as the node runs it (the tracking layer's defaults, the node's winds)."""
    return Tracker(winds=winds)


def node_class(class_probs: Mapping[str, float]) -> tuple[str, float | None]:
    """(STIX classification, its probability) from the tracker's class probabilities."""
    if not class_probs:
        return "unknown", None
    label = max(class_probs, key=lambda k: class_probs[k])
    return CLASS_LABELS.get(label, "unknown"), float(class_probs[label])


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
    return ensemble_products(ens)


def ensemble_products(ens: Ensemble) -> ForecastResult | None:
    """Median track and 50 %/90 % regions of an ensemble (None if it has no finite state)."""
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
