"""The node's pipeline, run incrementally as observations arrive.

    ingest    store the observations (acknowledged once committed), queue them
    track     assign each to a track (the tracking layer's tracker, else report keys)
    classify  free balloon / aircraft / bird-or-clutter / unknown for each touched track
    forecast  a drift ensemble for each balloon track, at most every ``forecast_every_s``
    publish   sightings, balloons, tracks and forecasts as signed STIX, each marked with the
              most restrictive marking of its inputs

One worker thread runs the stages for one batch at a time, so track state needs no locks. The
state of every track is saved in the store with the track, and reloaded on start.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratowatch.node.config import PipelineConfig
from stratowatch.node.metrics import Metrics
from stratowatch.node.publish import Outgoing, Publisher
from stratowatch.node.stages import Classifier, Tracker, drift_forecast
from stratowatch.sharing import Marking, audience_tokens, most_restrictive
from stratowatch.sharing import stix as S
from stratowatch.sharing._ids import det_id
from stratowatch.sharing.stix import TrackPoint
from stratowatch.store import UNFILTERED, Store
from stratowatch.timeutil import to_epoch_s
from stratowatch.winds import WindField

log = logging.getLogger(__name__)
MAX_STATES = 500  # states (and sighting refs) kept on a track object: the most recent
SENSOR_KINDS = frozenset(S.SENSOR_KINDS)


@dataclass
class Batch:
    """Observations as stored (with their ids), their marking, and who supplied them."""

    rows: list[dict[str, Any]]
    marking: Marking
    source: str


@dataclass
class TrackState:
    """What the pipeline remembers of one track between batches."""

    key: str
    track_id: str
    balloon_id: str
    created_s: float
    states: list[TrackPoint] = field(default_factory=list)
    sighting_ids: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    marking: Marking | None = None
    classification: str = "unknown"
    class_probability: float | None = None
    modified_s: float = 0.0
    last_forecast_s: float | None = None
    balloon: dict[str, Any] | None = None
    balloon_marking: Marking | None = None


class Pipeline:
    """ingest -> track -> classify -> forecast -> publish, one batch at a time."""

    def __init__(self, store: Store, publisher: Publisher, config: PipelineConfig,
                 winds: WindField, creator: str, self_id: str, tracker: Tracker,
                 classifier: Classifier, metrics: Metrics) -> None:
        self._store = store
        self._publisher = publisher
        self._config = config
        self._winds = winds
        self._creator = creator
        self._self_id = self_id
        self._tracker = tracker
        self._classifier = classifier
        self._metrics = metrics
        self._queue: queue.Queue[Batch | None] = queue.Queue()
        self._tracks: dict[str, TrackState] = {}
        self._thread: threading.Thread | None = None
        self._load_tracks()

    # -- ingest ---------------------------------------------------------------------------------

    def ingest(self, rows: Sequence[Mapping[str, Any]], marking: Marking,
               source: str) -> list[int]:
        """Store observations under ``marking`` for ``source`` and queue them; their ids.

        The observations are durable when this returns; the products follow asynchronously.
        """
        ids = self._store.observations.add(rows, audience_tokens(marking, source))
        stored = [{**dict(row), "id": i, "time": to_epoch_s(row["time"])}
                  for i, row in zip(ids, rows, strict=True)]
        self._metrics.inc("stratowatch_observations_total", len(ids))
        self._queue.put(Batch(stored, marking, source))
        return ids

    def start(self) -> None:
        """Run batches on a worker thread as they arrive."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pipeline", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish the queued batches, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=120)
            self._thread = None

    def wait_idle(self, timeout_s: float = 120.0) -> None:
        """Block until every queued batch is processed (the worker must be running)."""
        done = threading.Event()
        self._queue.put_nowait(_Marker(done))  # type: ignore[arg-type]
        done.wait(timeout_s)

    def run_pending(self) -> None:
        """Process every queued batch on the calling thread (no worker needed)."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            self._handle(item)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._handle(item)

    def _handle(self, item: Batch | _Marker | None) -> None:
        if isinstance(item, _Marker):
            item.done.set()
        elif item is not None:
            try:
                self.process(item)
            except Exception:  # one bad batch must not stop the node; it is logged
                log.exception("pipeline failed on a batch of %d observations", len(item.rows))

    # -- the stages, top to bottom ----------------------------------------------------------------

    def process(self, batch: Batch) -> None:
        """Run one batch through every stage."""
        touched = self._track(batch)
        for state in touched:
            self._classify(state)
        outgoing = self._sightings(batch, touched)
        for state in touched:
            outgoing += self._track_products(state)
            outgoing += self._forecast(state)
        self._publisher.publish(outgoing)
        self._save(touched)

    def _track(self, batch: Batch) -> list[TrackState]:
        """Assign the batch's observations to tracks; the tracks touched, with new states."""
        keys = self._tracker.assign(batch.rows)
        touched: dict[str, TrackState] = {}
        for row, key in sorted(zip(batch.rows, keys, strict=True), key=lambda rk: rk[0]["time"]):
            if key is None:
                continue
            state = self._tracks.get(key) or self._new_track(key, float(row["time"]))
            self._tracks[key] = state
            state.states.append(_point(row))
            state.rows = [*state.rows[-MAX_STATES + 1:], row]
            state.marking = (batch.marking if state.marking is None
                             else most_restrictive([state.marking, batch.marking]))
            row["_track"] = key
            touched[key] = state
        for state in touched.values():
            state.states = sorted(state.states, key=lambda s: s.time_s)[-MAX_STATES:]
        return list(touched.values())

    def _classify(self, state: TrackState) -> None:
        state.classification, state.class_probability = self._classifier.classify(state.rows)

    def _sightings(self, batch: Batch, touched: Sequence[TrackState]) -> list[Outgoing]:
        """One sighting per associated observation, under the observation's own marking."""
        by_key = {s.key: s for s in touched}
        sources = frozenset() if batch.source == self._self_id else frozenset({batch.source})
        out = []
        for row in batch.rows:
            state = by_key.get(row.get("_track", ""))
            if state is None:
                continue
            kind = row.get("kind") or "other"
            obj = S.sighting(
                creator=self._creator, balloon_ref=state.balloon_id, marking=batch.marking,
                time_s=float(row["time"]), lat=float(row["lat"]), lon=float(row["lon"]),
                alt_m=float(row["alt_m"]),
                sensor_kind=kind if kind in SENSOR_KINDS else "other",
                sigma_h_m=_opt(row.get("sigma_h_m")), sigma_v_m=_opt(row.get("sigma_v_m")),
                velocity_mps=_velocity(row), sensor_id=row.get("sensor_id") or None,
                report_key=f"observation/{row['id']}")
            state.sighting_ids = [*state.sighting_ids[-MAX_STATES + 1:], obj["id"]]
            out.append(Outgoing(obj, batch.marking, sources))
        return out

    def _track_products(self, state: TrackState) -> list[Outgoing]:
        """The balloon (when new or changed) and the track's next version."""
        assert state.marking is not None
        out: list[Outgoing] = []
        if (state.balloon is None or state.balloon_marking != state.marking
                or state.balloon.get("classification") != state.classification):
            state.balloon = self._balloon(state)
            state.balloon_marking = state.marking
            out.append(Outgoing(state.balloon, state.marking))
        last = state.states[-1].time_s
        state.modified_s = max(last, state.modified_s + 0.001)
        obj = S.track(creator=self._creator, local_id=state.key, balloon_ref=state.balloon_id,
                      marking=state.marking, states=state.states,
                      sighting_refs=state.sighting_ids, classification=state.classification,
                      class_probability=state.class_probability, created_s=state.created_s,
                      modified_s=state.modified_s)
        out.append(Outgoing(obj, state.marking))
        return out

    def _forecast(self, state: TrackState) -> list[Outgoing]:
        """A drift forecast of a balloon track, when due."""
        assert state.marking is not None
        last = state.states[-1]
        due = (state.last_forecast_s is None
               or last.time_s - state.last_forecast_s >= self._config.forecast_every_s)
        if (state.classification != "free-balloon" or self._config.members < 1 or not due):
            return []
        result = drift_forecast(self._winds, last, members=self._config.members,
                                hours=self._config.forecast_hours,
                                output_every_s=self._config.output_every_s,
                                seed=uuid.UUID(state.track_id[-36:]).int % 2**31)
        if result is None:
            self._metrics.inc("stratowatch_forecast_failures_total")
            return []
        state.last_forecast_s = last.time_s
        self._metrics.inc("stratowatch_forecasts_total")
        obj = S.forecast(creator=self._creator, local_id=f"{state.key}/{last.time_s!r}",
                         subject_ref=state.track_id, marking=state.marking,
                         issued_s=last.time_s, lead_times_s=result.lead_times_s,
                         median_track=result.median, regions=result.regions,
                         members=result.members, wind_source=self._winds.__class__.__name__)
        self._store.forecasts.put(obj["id"], _forecast_view(obj, state.marking),
                                  self._publisher.tokens(state.marking),
                                  track_id=state.track_id,
                                  issued_us=round(last.time_s * 1e6),
                                  valid_from_us=round(last.time_s * 1e6),
                                  valid_to_us=round((last.time_s + result.lead_times_s[-1])
                                                    * 1e6))
        return [Outgoing(obj, state.marking)]

    # -- track state ------------------------------------------------------------------------------

    def _new_track(self, key: str, first_s: float) -> TrackState:
        track_id = det_id(S.TRACK_TYPE, self._creator, key)  # the ids S.track/S.balloon give
        balloon_id = det_id(S.BALLOON_TYPE, self._creator, key)
        return TrackState(key=key, track_id=track_id, balloon_id=balloon_id, created_s=first_s)

    def _balloon(self, state: TrackState) -> dict[str, Any]:
        assert state.marking is not None
        fresh = S.balloon(creator=self._creator, local_id=state.key, marking=state.marking,
                          created_s=state.created_s, name=f"balloon {state.key}",
                          classification=state.classification,
                          class_probability=state.class_probability)
        if state.balloon is None:
            return fresh
        changes: dict[str, Any] = {k: fresh[k] for k in ("classification", "class_probability")
                                   if k in fresh}
        return S.new_version(state.balloon, by=self._creator, changes=changes,
                             marking=state.marking, current_marking=state.balloon_marking,
                             modified_s=state.states[-1].time_s)

    def _save(self, touched: Iterable[TrackState]) -> None:
        for state in touched:
            assert state.marking is not None
            tokens = audience_tokens(state.marking, self._self_id)  # as for its STIX object
            self._store.tracks.put(state.track_id, _track_view(state), tokens,
                                   classification=state.classification,
                                   updated_us=round(state.states[-1].time_s * 1e6))

    def _load_tracks(self) -> None:
        for record in self._store.tracks.list(UNFILTERED, limit=1_000_000):
            saved = record.payload.get("_state")
            if not isinstance(saved, dict):
                continue
            state = TrackState(
                key=saved["key"], track_id=record.id, balloon_id=saved["balloon_id"],
                created_s=saved["created_s"],
                states=[TrackPoint(**p) for p in saved["states"]],
                sighting_ids=list(saved["sighting_ids"]), rows=list(saved["rows"]),
                marking=Marking.from_dict(saved["marking"]),
                classification=saved["classification"],
                class_probability=saved["class_probability"], modified_s=saved["modified_s"],
                last_forecast_s=saved["last_forecast_s"], balloon=saved["balloon"],
                balloon_marking=Marking.from_dict(saved["marking"]))
            self._tracks[state.key] = state


class _Marker:
    def __init__(self, done: threading.Event) -> None:
        self.done = done


def _point(row: Mapping[str, Any]) -> TrackPoint:
    return TrackPoint(float(row["time"]), float(row["lat"]), float(row["lon"]),
                      float(row["alt_m"]), _velocity(row), _opt(row.get("sigma_h_m")),
                      _opt(row.get("sigma_v_m")))


def _opt(value: Any) -> float | None:
    return None if value is None else abs(float(value))


def _velocity(row: Mapping[str, Any]) -> tuple[float, float, float] | None:
    parts = [row.get("vx_mps"), row.get("vy_mps"), row.get("vz_mps")]
    if any(p is None for p in parts):
        return None
    return (float(parts[0]), float(parts[1]), float(parts[2]))  # type: ignore[arg-type]


def _track_view(state: TrackState) -> dict[str, Any]:
    """The REST view of a track, with the pipeline's state to resume from after a restart."""
    assert state.marking is not None
    return {
        "id": state.track_id, "balloon_ref": state.balloon_id,
        "classification": state.classification, "class_probability": state.class_probability,
        "first_seen_s": state.states[0].time_s, "last_seen_s": state.states[-1].time_s,
        "states": [p.to_json() for p in state.states], "marking": state.marking.to_dict(),
        "_state": {
            "key": state.key, "balloon_id": state.balloon_id, "created_s": state.created_s,
            "states": [dataclasses.asdict(p) for p in state.states],
            "sighting_ids": state.sighting_ids,
            "rows": [{k: v for k, v in r.items() if not k.startswith("_")} for r in state.rows],
            "marking": state.marking.to_dict(), "classification": state.classification,
            "class_probability": state.class_probability, "modified_s": state.modified_s,
            "last_forecast_s": state.last_forecast_s, "balloon": state.balloon,
        },
    }


def _forecast_view(obj: Mapping[str, Any], marking: Marking) -> dict[str, Any]:
    keep = ("id", "subject_ref", "issued", "lead_times_s", "median_track", "regions", "members",
            "wind_source")
    view = {k: obj[k] for k in keep if k in obj}
    view["marking"] = marking.to_dict()
    return view
