"""The node's pipeline, run incrementally as observations arrive.

    ingest    store the node's observations (acknowledged once committed) and queue them; read
              partners' sightings from the inbox when the event hub says something arrived
    track     feed each batch to one persistent tracker (``fusion``: the tracking layer's
              Tracker, its tracks named for the node across batches, generations and restarts)
    classify  free balloon / aircraft / bird-or-clutter / unknown from the tracker's calibrated
              class probabilities, for each touched track
    forecast  a drift ensemble for each shared balloon track, at most every ``forecast_every_s``
    publish   sightings of the node's reports, the balloon, the track and its forecasts as signed
              STIX, each track product marked with the most restrictive marking of its inputs

A track is shared (published, and stored for partners to read) once it holds a report this node
ingested itself, has ``MIN_REPORTS_TO_SHARE`` reports (the calibrated classifier's minimum) and
is classified free balloon or unknown; from then on every version is published. Other tracks
(aircraft, clutter, and tracks made only of partners' sightings, which the partners shared
themselves) are kept for the node alone. One worker thread runs every stage, so track state
needs no locks. Each track's state is saved with it in the store and reloaded on start.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stratowatch.node.config import PipelineConfig
from stratowatch.node.events import EventHub
from stratowatch.node.fusion import REPLAY_REPORTS, Fusion, Report, SavedTrack, TrackUpdate
from stratowatch.node.metrics import Metrics
from stratowatch.node.publish import Outgoing, Publisher
from stratowatch.node.sightings import PartnerSightings
from stratowatch.node.stages import drift_forecast, ensemble_products, make_tracker, node_class
from stratowatch.node.trackstate import TrackState, from_view, merge_joins, track_view
from stratowatch.sharing import Marking, audience_tokens, most_restrictive
from stratowatch.sharing import stix as S
from stratowatch.sharing._ids import det_id
from stratowatch.sharing.policy import identity_id_of, owner_token
from stratowatch.store import UNFILTERED, Store, TrackEntry
from stratowatch.timeutil import to_epoch_s
from stratowatch.winds import WindField

log = logging.getLogger(__name__)
MAX_STATES = 500  # states (and sighting refs) kept on a track object: the most recent
MIN_REPORTS_TO_SHARE = 3
SHARED_CLASSES = frozenset({"free-balloon", "unknown"})
POLL_S = 0.2  # the worker looks at the event hub this often when idle
KEEP_SILENT_S = 5 * 86400.0
"""Tracks silent this long (data time) leave memory; they stay in the store and come back if
their key is met again."""
SENSOR_KINDS = frozenset(S.SENSOR_KINDS)


@dataclass
class Batch:
    """Reports to run through the stages (the node's own, or partners' sightings)."""

    reports: list[Report]


class Pipeline:
    """ingest -> track -> classify -> forecast -> publish, one batch at a time.

    ``partner_sightings`` (with ``hub``) brings partners' TAXII sightings into the same
    tracker; ``fusion`` defaults to one on the tracking layer's Tracker with ``winds``.
    """

    def __init__(self, store: Store, publisher: Publisher, config: PipelineConfig,
                 winds: WindField, creator: str, self_id: str, metrics: Metrics, *,
                 fusion: Fusion | None = None, partner_sightings: PartnerSightings | None = None,
                 hub: EventHub | None = None) -> None:
        self._store = store
        self._publisher = publisher
        self._config = config
        self._winds = winds
        self._creator = creator
        self._self_id = self_id
        self._metrics = metrics
        self._fusion = fusion or Fusion(lambda: make_tracker(winds))
        self._inbox = partner_sightings
        self._hub = hub
        self._seen_generation: int | None = None
        self._queue: queue.Queue[Batch | _Marker | None] = queue.Queue()
        self._tracks: dict[str, TrackState] = {}
        self._batches = 0
        self._thread: threading.Thread | None = None
        self._load_tracks()

    # -- ingest ---------------------------------------------------------------------------------

    def ingest(self, rows: Sequence[Mapping[str, Any]], marking: Marking,
               source: str) -> list[int]:
        """Store observations under ``marking`` for ``source`` and queue them; their ids.

        The observations are durable when this returns; the products follow asynchronously.
        """
        ids = self._store.observations.add(rows, audience_tokens(marking, source))
        reports = [Report(f"observation/{i}", {**dict(row), "time": to_epoch_s(row["time"])},
                          marking, source) for i, row in zip(ids, rows, strict=True)]
        self._metrics.inc("stratowatch_observations_total", len(ids))
        self._queue.put(Batch(reports))
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
        """Block until every batch queued and every partner sighting stored before this call is
        processed (the worker must be running)."""
        done = threading.Event()
        self._queue.put_nowait(_Marker(done))
        done.wait(timeout_s)

    def run_pending(self) -> None:
        """Process every queued batch and new partner sighting on the calling thread."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self._handle(item)
        self._poll_partners(force=True)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=POLL_S)
            except queue.Empty:
                self._poll_partners()
                continue
            if item is None:
                return
            self._handle(item)

    def _handle(self, item: Batch | _Marker | None) -> None:
        if isinstance(item, _Marker):
            self._poll_partners(force=True)
            item.done.set()
        elif item is not None:
            self._process_logged(item)
            self._poll_partners()

    def _process_logged(self, batch: Batch) -> None:
        try:
            self.process(batch)
        except Exception:  # one bad batch must not stop the node; it is logged
            log.exception("pipeline failed on a batch of %d reports", len(batch.reports))

    def _poll_partners(self, *, force: bool = False) -> None:
        """Track the partners' sightings added since the cursor, if the hub moved."""
        if self._inbox is None:
            return
        generation = None if self._hub is None else self._hub.generation
        if not force and generation == self._seen_generation:
            return
        self._seen_generation = generation
        try:
            while True:
                reports, cursor = self._inbox.read()
                if cursor is None:
                    return
                if reports:
                    self._metrics.inc("stratowatch_partner_reports_total", len(reports))
                    self._process_logged(Batch(reports))
                self._inbox.commit(cursor)
        except Exception:
            log.exception("reading partners' sightings failed")

    # -- the stages, top to bottom ----------------------------------------------------------------

    def process(self, batch: Batch) -> None:
        """Run one batch through every stage."""
        began = time.perf_counter()
        touched = self._track(self._fusion.add(batch.reports))
        for state in touched:
            self._classify(state)
        outgoing: list[Outgoing] = []
        for state in touched:
            if self._shares(state):
                outgoing += self._sightings(state)
                outgoing += self._track_products(state)
                outgoing += self._forecast(state)
                outgoing += self._join_forecasts(state)
        self._publisher.publish(outgoing)
        self._save(touched)
        self._forget_silent()
        self._metrics.observe("stratowatch_pipeline_batch_seconds", time.perf_counter() - began)

    def _track(self, updates: Iterable[TrackUpdate]) -> list[TrackState]:
        """Fold the tracker's news into the node's tracks; the tracks touched."""
        touched = []
        for u in updates:
            state = self._tracks.get(u.key) or self._reload(u.key)
            if state is None:
                first = min([p.time_s for p in u.states] + [r.time_s for r in u.new])
                state = self._tracks[u.key] = self._new_track(u.key, first)
            last = state.states[-1].time_s if state.states else -math.inf
            for point, p in zip(u.states, u.p_balloon, strict=True):
                if point.time_s > last + 1e-3:  # states already kept (to the ms) stay as they were
                    state.states.append(point)
                    state.p_balloon.append(p)
                    last = point.time_s
            del state.states[:-MAX_STATES], state.p_balloon[:-MAX_STATES]
            new = sorted(u.new, key=lambda r: r.time_s)
            state.reports = sorted([*state.reports, *new], key=lambda r: r.time_s)[
                -REPLAY_REPORTS:]
            state.report_keys = [*state.report_keys, *(r.key for r in new)][-MAX_STATES:]
            state.sighting_ids = [*state.sighting_ids, *(r.sighting_id for r in new
                                                        if r.sighting_id)][-MAX_STATES:]
            state.sources.update(r.source for r in new)
            state.marking = most_restrictive([*([state.marking] if state.marking else []),
                                              *(r.marking for r in new)])
            state.n_reports += len(new)
            state.own = state.own or any(r.sighting_id is None for r in new)
            state.class_probs = u.class_probs
            state.joins, state.new_joins = merge_joins(state.joins, u)
            state.new = new
            if state.states:
                touched.append(state)
        return touched

    def _classify(self, state: TrackState) -> None:
        state.classification, state.class_probability = node_class(state.class_probs)

    def _shares(self, state: TrackState) -> bool:
        """Whether the track is published (see the module docstring); once shared, always."""
        if not state.shared and state.own and state.n_reports >= MIN_REPORTS_TO_SHARE \
                and state.classification in SHARED_CLASSES:
            state.shared = True
        return state.shared

    def _sightings(self, state: TrackState) -> list[Outgoing]:
        """A sighting of each of the node's own reports on the track not yet published, under
        the report's own marking (partners' sightings are theirs, referenced, not restated)."""
        published = set(state.sighting_ids)
        out = []
        todo = {r.key: r for r in [*state.reports, *state.new] if r.sighting_id is None}
        for r in sorted(todo.values(), key=lambda r: r.time_s):
            row = r.row
            kind = row.get("kind") or "other"
            obj = S.sighting(
                creator=self._creator, balloon_ref=state.balloon_id, marking=r.marking,
                time_s=r.time_s, lat=float(row["lat"]), lon=float(row["lon"]),
                alt_m=float(row["alt_m"]),
                sensor_kind=kind if kind in SENSOR_KINDS else "other",
                sigma_h_m=_opt(row.get("sigma_h_m")), sigma_v_m=_opt(row.get("sigma_v_m")),
                velocity_mps=_velocity(row), sensor_id=row.get("sensor_id") or None,
                report_key=r.key)
            if obj["id"] in published:
                continue
            state.sighting_ids = [*state.sighting_ids[-MAX_STATES + 1:], obj["id"]]
            sources = frozenset() if r.source == self._self_id else frozenset({r.source})
            out.append(Outgoing(obj, r.marking, sources))
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
                      sighting_refs=state.sighting_ids,
                      source_refs=[identity_id_of(p) for p in state.sources],
                      classification=state.classification,
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
        self._store_forecast(obj, state, last.time_s, result.lead_times_s[-1])
        return [Outgoing(obj, state.marking)]

    def _join_forecasts(self, state: TrackState) -> list[Outgoing]:
        """The drift forecast that justified each new long-gap join, kept with the track: from
        the earlier half's last state to the later half's first report."""
        assert state.marking is not None
        out = []
        for jn in state.new_joins:
            result = ensemble_products(jn.forecast)
            if result is None:
                continue
            issued = float(jn.forecast.times_s[0])
            obj = S.forecast(creator=self._creator, local_id=f"{state.key}/join/{issued!r}",
                             subject_ref=state.track_id, marking=state.marking,
                             issued_s=issued, lead_times_s=result.lead_times_s,
                             median_track=result.median, regions=result.regions,
                             members=result.members,
                             wind_source=self._winds.__class__.__name__)
            self._store_forecast(obj, state, issued, result.lead_times_s[-1])
            for item in state.joins:
                if item["gap_s"] == round(jn.gap_s, 3) and item["llr"] == round(jn.llr, 3):
                    item["forecast_ref"] = obj["id"]
            out.append(Outgoing(obj, state.marking))
        return out

    def _store_forecast(self, obj: Mapping[str, Any], state: TrackState, issued_s: float,
                        lead_s: float) -> None:
        assert state.marking is not None
        self._store.forecasts.put(obj["id"], _forecast_view(obj, state.marking),
                                  self._publisher.tokens(state.marking),
                                  track_id=state.track_id, issued_us=round(issued_s * 1e6),
                                  valid_from_us=round(issued_s * 1e6),
                                  valid_to_us=round((issued_s + lead_s) * 1e6))

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
        """Shared tracks under their marking's audience (as their STIX objects); the others for
        this node alone."""
        updates = []
        for state in touched:
            assert state.marking is not None
            tokens = (audience_tokens(state.marking, self._self_id) if state.shared
                      else frozenset({owner_token(self._self_id)}))
            updates.append(TrackEntry(state.track_id, track_view(state), tokens,
                                       classification=state.classification,
                                       updated_us=round(state.states[-1].time_s * 1e6)))
        self._store.tracks.put_many(updates)

    def _reload(self, key: str) -> TrackState | None:
        """A track that left memory, from the store (None for a new key)."""
        record = self._store.tracks.get(det_id(S.TRACK_TYPE, self._creator, key), UNFILTERED)
        state = None if record is None else from_view(record.id, record.payload)
        if state is not None:
            self._tracks[key] = state
        return state

    def _forget_silent(self) -> None:
        """Keep memory to the tracks of the last days (checked every 256 batches)."""
        self._batches += 1
        if self._batches % 256:
            return
        now = max((s.states[-1].time_s for s in self._tracks.values()), default=0.0)
        for key in [k for k, s in self._tracks.items()
                    if now - s.states[-1].time_s > KEEP_SILENT_S]:
            del self._tracks[key]

    def _load_tracks(self) -> None:
        """The saved tracks, and the tracker primed with the live ones' latest reports."""
        saved = []
        for record in self._store.tracks.list(UNFILTERED, limit=1_000_000):
            try:
                state = from_view(record.id, record.payload)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("track %s not resumed: %s", record.id, exc)
                continue
            if state is None:
                continue
            self._tracks[state.key] = state
            saved.append(SavedTrack(state.key, state.reports,
                                    state.classification == "free-balloon"))
        self._fusion.restore(saved)


class _Marker:
    def __init__(self, done: threading.Event) -> None:
        self.done = done


def _opt(value: Any) -> float | None:
    return None if value is None else abs(float(value))


def _velocity(row: Mapping[str, Any]) -> tuple[float, float, float] | None:
    parts = [row.get("vx_mps"), row.get("vy_mps"), row.get("vz_mps")]
    if any(p is None for p in parts):
        return None
    return (float(parts[0]), float(parts[1]), float(parts[2]))  # type: ignore[arg-type]


def _forecast_view(obj: Mapping[str, Any], marking: Marking) -> dict[str, Any]:
    keep = ("id", "subject_ref", "issued", "lead_times_s", "median_track", "regions", "members",
            "wind_source")
    view = {k: obj[k] for k in keep if k in obj}
    view["marking"] = marking.to_dict()
    return view


__all__ = ["Batch", "Pipeline", "TrackState"]
