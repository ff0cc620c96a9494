"""What the pipeline remembers of each track, and how it is saved in the store and read back.

The saved form is the track's REST view (``/api/v1/tracks``: states with ``p_balloon``, marking,
provenance, joins) plus a private ``_state`` (version 2) with what the pipeline needs to resume:
the published balloon and its marking, class probabilities, whether the node itself reported
the object, and the latest reports with their own markings (replayed into the tracker).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stratowatch.node.fusion import Report, TrackUpdate
from stratowatch.sharing import Marking
from stratowatch.sharing.stix import TrackPoint
from stratowatch.timeutil import to_epoch_s
from stratowatch.tracking import Join


@dataclass
class TrackState:
    """What the pipeline remembers of one track between batches."""

    key: str
    track_id: str
    balloon_id: str
    created_s: float
    states: list[TrackPoint] = field(default_factory=list)
    p_balloon: list[float] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)  # the latest, for a restart
    report_keys: list[str] = field(default_factory=list)  # provenance (the latest MAX_STATES)
    sighting_ids: list[str] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    marking: Marking | None = None
    class_probs: dict[str, float] = field(default_factory=dict)
    classification: str = "unknown"
    class_probability: float | None = None
    n_reports: int = 0
    own: bool = False
    shared: bool = False
    joins: list[dict[str, Any]] = field(default_factory=list)
    modified_s: float = 0.0
    last_forecast_s: float | None = None
    balloon: dict[str, Any] | None = None
    balloon_marking: Marking | None = None
    new: list[Report] = field(default_factory=list)  # this batch's reports (not saved)
    new_joins: list[Join] = field(default_factory=list)  # this batch's joins (not saved)


def merge_joins(kept: list[dict[str, Any]], u: TrackUpdate
                ) -> tuple[list[dict[str, Any]], list[Join]]:
    """Long-gap joins behind the track (the forecast's verdict), each once; and the new ones."""
    out = list(kept)
    fresh = []
    seen = {(j["gap_s"], j["llr"]) for j in out}
    for jn in u.joins:
        item = {"gap_s": round(jn.gap_s, 3), "distance_m": round(jn.distance_m, 1),
                "miss_m": round(jn.miss_m, 1), "llr": round(jn.llr, 3),
                "forecast_members": int(jn.forecast.n_members),
                "earlier_sources": list(jn.earlier_sources),
                "later_sources": list(jn.later_sources)}
        if (item["gap_s"], item["llr"]) not in seen:
            seen.add((item["gap_s"], item["llr"]))
            out.append(item)
            fresh.append(jn)
    return out, fresh


def track_view(state: TrackState) -> dict[str, Any]:
    """The REST view of a track, with the pipeline's state to resume from after a restart."""
    assert state.marking is not None
    return {
        "id": state.track_id, "balloon_ref": state.balloon_id,
        "classification": state.classification, "class_probability": state.class_probability,
        "p_balloon": (state.p_balloon[-1] if state.p_balloon
                      and math.isfinite(state.p_balloon[-1]) else None),
        "first_seen_s": state.states[0].time_s, "last_seen_s": state.states[-1].time_s,
        "states": [{**p.to_json(), "p_balloon": round(pb, 6) if math.isfinite(pb) else None}
                   for p, pb in zip(state.states, state.p_balloon, strict=True)],
        "marking": state.marking.to_dict(), "shared": state.shared,
        "n_reports": state.n_reports, "sources": sorted(state.sources),
        "observations": state.report_keys, "sighting_refs": state.sighting_ids,
        "joins": state.joins,
        "_state": {
            "version": 2, "key": state.key, "balloon_id": state.balloon_id,
            "created_s": state.created_s, "modified_s": state.modified_s,
            "last_forecast_s": state.last_forecast_s, "balloon": state.balloon,
            "balloon_marking": (state.balloon_marking.to_dict()
                                if state.balloon_marking is not None else None),
            "class_probs": state.class_probs, "own": state.own,
            "reports": [r.to_json() for r in state.reports],
        },
    }


def from_view(track_id: str, view: Mapping[str, Any]) -> TrackState | None:
    """A saved track (``_track_view``) back as the pipeline's state; None if not resumable."""
    saved = view.get("_state")
    if not isinstance(saved, Mapping) or saved.get("version") != 2:
        return None
    marking = Marking.from_dict(view["marking"])
    states = [TrackPoint(to_epoch_s(s["time"]), float(s["lat"]), float(s["lon"]),
                         float(s["alt_m"]),
                         tuple(s["velocity_mps"]) if s.get("velocity_mps") else None,
                         s.get("sigma_h_m"), s.get("sigma_v_m"))
              for s in view["states"]]
    if not states:
        return None
    return TrackState(
        key=saved["key"], track_id=track_id, balloon_id=saved["balloon_id"],
        created_s=saved["created_s"], states=states,
        p_balloon=[math.nan if s.get("p_balloon") is None else float(s["p_balloon"])
                   for s in view["states"]],
        reports=[Report.from_json(r) for r in saved["reports"]],
        report_keys=list(view["observations"]), sighting_ids=list(view["sighting_refs"]),
        sources=set(view["sources"]), marking=marking, class_probs=dict(saved["class_probs"]),
        classification=view["classification"], class_probability=view["class_probability"],
        n_reports=int(view["n_reports"]), own=bool(saved["own"]), shared=bool(view["shared"]),
        joins=list(view["joins"]), modified_s=saved["modified_s"],
        last_forecast_s=saved["last_forecast_s"], balloon=saved["balloon"],
        balloon_marking=(Marking.from_dict(saved["balloon_marking"])
                         if saved.get("balloon_marking") else None))


__all__ = ["TrackState", "from_view", "merge_joins", "track_view"]
