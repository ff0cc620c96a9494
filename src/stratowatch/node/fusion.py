"""Incremental association for the node: reports in, track updates out, on one persistent
``stratowatch.tracking.Tracker``.

Association, confirmation (M of N), model-dependent deletion, out-of-sequence reports and
long-gap joins are the tracker's. This module only names the tracker's tracks for the node: a
node track key stays with one object across batches, tracker generations and restarts. A
tracker track takes the key of the node track that already holds its reports (provenance),
else, as a hint, that of a node track the tracker no longer follows whose reports carried the
same identifier (telemetry callsign, ADS-B address, or a sensor's own track number with its
sensor), else a new key named after its first report.

The tracker keeps every report it was given, so its cost grows with history: past
``max_reports`` a new tracker generation starts, replaying the latest reports of each track
still alive and the last minutes' loose reports. A restart restores the same way from the
reports saved with each node track.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stratowatch.errors import StratowatchError
from stratowatch.sensing import Observations
from stratowatch.sensing.observation import FIELDS, FLOAT_FIELDS, KINDS
from stratowatch.sharing import Marking
from stratowatch.sharing.stix import TrackPoint
from stratowatch.tracking import Join, Track, Tracker, WindDrift

log = logging.getLogger(__name__)
REPLAY_REPORTS = 64
"""Reports replayed per live track into a new tracker generation (and saved for a restart)."""
RECENT_S = 120.0
"""Loose reports (in no confirmed track) this recent are replayed too (tentative tracks)."""
HINT_MAX_GAP_S = 86400.0
"""An identifier hint joins a new track to a node track silent at most this long."""
_KINDS = frozenset(KINDS)


@dataclass(frozen=True)
class Report:
    """One report as the node tracks it.

    ``key`` names it for the node (``observation/<id>`` for the node's own, the STIX id of a
    partner's sighting); ``row`` has the interchange fields (time in seconds since the epoch);
    ``marking`` is the report's own; ``source`` the partner that supplied it; ``sighting_id``
    the partner's STIX sighting it came from (None for reports ingested by this node).
    """

    key: str
    row: Mapping[str, Any]
    marking: Marking
    source: str
    sighting_id: str | None = None

    @property
    def time_s(self) -> float:
        return float(self.row["time"])

    def to_json(self) -> dict[str, Any]:
        """The form saved with a track (for a restart)."""
        return {"key": self.key, "row": {k: v for k, v in self.row.items()
                                         if not k.startswith("_")},
                "marking": self.marking.to_dict(), "source": self.source,
                "sighting_id": self.sighting_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        return cls(str(data["key"]), dict(data["row"]), Marking.from_dict(data["marking"]),
                   str(data["source"]), data.get("sighting_id"))


@dataclass
class TrackUpdate:
    """What one batch did to one node track: the reports it took, and the tracker's view of the
    object now (its states of this tracker generation in time order, with p_balloon)."""

    key: str
    new: list[Report]
    states: list[TrackPoint]
    p_balloon: list[float]
    class_probs: dict[str, float]
    joins: list[Join] = field(default_factory=list)


@dataclass(frozen=True)
class SavedTrack:
    """A node track as saved: its key, latest reports, and whether it moved with the wind."""

    key: str
    reports: Sequence[Report]
    drifting: bool


class Fusion:
    """Feeds batches of reports to a persistent tracker and names its tracks (see the module).

    ``make_tracker`` builds a fresh tracker (one per generation).
    """

    def __init__(self, make_tracker: Callable[[], Tracker], *, max_reports: int = 4000) -> None:
        self._make = make_tracker
        self.max_reports = max_reports
        self._tracker = make_tracker()
        self._fed = 0
        self._reports: dict[str, Report] = {}  # this generation's reports, by key
        self._owner: dict[str, str] = {}  # report key -> node track key
        self._key_of: dict[int, str] = {}  # tracker number -> node track key (this generation)
        self._number_of: dict[str, int] = {}
        self._hints: dict[str, str] = {}  # identifier -> node track key
        self._last_s: dict[str, float] = {}  # node track key -> time of its latest report
        self._tracks: list[Track] = []
        self.generations = 1

    @property
    def tracker(self) -> Tracker:
        """The tracker of the current generation."""
        return self._tracker

    def add(self, reports: Iterable[Report]) -> list[TrackUpdate]:
        """Track a batch; the node tracks it changed (reports already seen are ignored)."""
        fresh = {r.key: r for r in reports if r.key not in self._reports and _valid(r)}
        if not fresh:
            return []
        out: list[TrackUpdate] = []
        if self._fed and self._fed + len(fresh) > self.max_reports:
            out = self._roll()
        self._feed(list(fresh.values()))
        return _merge([*out, *self._updates()])

    def restore(self, saved: Iterable[SavedTrack]) -> None:
        """Take up saved node tracks after a restart: their reports stay theirs, and those
        still alive (by the coasting time of their motion) are replayed into the tracker."""
        saved = list(saved)
        for track in saved:
            for r in track.reports:
                self._owner[r.key] = track.key
                self._note(track.key, r)
        now = max((r.time_s for t in saved for r in t.reports), default=-math.inf)
        replay = [r for t in saved if t.reports
                  and now - max(r.time_s for r in t.reports) <= self._coast_s(t.drifting)
                  for r in t.reports[-REPLAY_REPORTS:]]
        if replay:
            self._feed(replay)
            self._updates()

    # -- generations ------------------------------------------------------------------------------

    def _feed(self, reports: list[Report]) -> None:
        for r in reports:
            self._reports[r.key] = r
        self._tracker.add(_observations(reports))
        self._fed += len(reports)

    def _roll(self) -> list[TrackUpdate]:
        """A new tracker generation, primed with the live tracks' latest and recent loose
        reports."""
        now = self._tracker.now_s
        keep: list[Report] = []
        for tk in self._tracks:
            key = self._key_of.get(tk.number)
            drifting = bool(len(tk) and tk.p_drift[-1] >= 0.5)
            if key is None or not len(tk) or now - tk.times_s[-1] > self._coast_s(drifting):
                continue
            refs = tk.observations.ref[np.argsort(tk.observations.time, kind="stable")]
            keep += [self._reports[k] for k in refs[-REPLAY_REPORTS:].tolist()]
        loose = [r for r in self._reports.values()
                 if r.key not in self._owner and now - r.time_s <= RECENT_S]
        self._owner = {r.key: self._owner[r.key] for r in keep}
        self._reports = {}
        self._key_of, self._number_of, self._tracks = {}, {}, []
        self._hints = {h: k for h, k in self._hints.items()
                       if now - self._last_s.get(k, -math.inf) <= HINT_MAX_GAP_S}
        self._tracker = self._make()
        self._fed = 0
        self.generations += 1
        log.info("tracker generation %d: replaying %d reports", self.generations,
                 len(keep) + len(loose))
        self._feed(keep + loose)
        return self._updates()

    # -- naming the tracker's tracks --------------------------------------------------------------

    def _updates(self) -> list[TrackUpdate]:
        try:
            self._tracks = self._tracker.tracks()
        except Exception:
            if not self._tracker.classify_reports:
                raise
            # The report classifier failed: the node goes on with the tracker's IMM-mode
            # classes (logged, so the failure is seen) rather than stop tracking.
            log.exception("the report classifier failed; classes from the IMM modes instead")
            self._tracker.classify_reports = False
            self._tracks = self._tracker.tracks()
        listed = {tk.number: tk for tk in self._tracks}
        out = []
        for tk in self._tracks:
            keys = tk.observations.ref.tolist()
            key = self._bind(tk, keys, listed)
            new = [self._reports[k] for k in keys if k not in self._owner]
            for r in new:
                self._owner[r.key] = key
                self._note(key, r)
            if new:
                out.append(_update(key, new, tk))
        return out

    def _bind(self, tk: Track, keys: list[str], listed: Mapping[int, Track]) -> str:
        key = self._key_of.get(tk.number)
        if key is not None:
            return key
        votes = Counter(self._owner[k] for k in keys if k in self._owner)
        first = min(self._reports[k].time_s for k in keys)
        key = votes.most_common(1)[0][0] if votes else self._hinted(keys, first, listed)
        holder = None if key is None else self._number_of.get(key)
        if key is None or (holder is not None and holder != tk.number
                           and self._alive(listed.get(holder), first)):
            key = self._new_key(min(keys, key=lambda k: self._reports[k].time_s))
        self._key_of[tk.number] = key
        self._number_of[key] = tk.number
        return key

    def _hinted(self, keys: list[str], first_s: float, listed: Mapping[int, Track]
                ) -> str | None:
        """The node track an identifier of these reports names, if the tracker no longer
        follows it and it fell silent before them (at most ``HINT_MAX_GAP_S`` before)."""
        found: str | None = None
        for k in keys:
            for hint in _hints(self._reports[k]):
                key = self._hints.get(hint)
                if key is None or key == found:
                    continue
                last = self._last_s.get(key, -math.inf)
                alive = self._alive(listed.get(self._number_of.get(key, -1)), first_s)
                if not alive and last <= first_s and first_s - last <= HINT_MAX_GAP_S and (
                        found is None or last > self._last_s.get(found, -math.inf)):
                    found = key
        return found

    def _alive(self, tk: Track | None, at_s: float) -> bool:
        """Whether the tracker still follows this track at ``at_s`` (it lists deleted ones)."""
        return tk is not None and bool(len(tk)) and at_s - float(tk.times_s[-1]) <= self._coast_s(
            bool(tk.p_drift[-1] >= 0.5))

    def _new_key(self, first: str) -> str:
        key = f"track/{first}"
        n = 1
        while key in self._last_s or key in self._number_of:
            n += 1
            key = f"track/{first}#{n}"
        return key

    def _note(self, key: str, r: Report) -> None:
        for hint in _hints(r):
            self._hints[hint] = key
        self._last_s[key] = max(self._last_s.get(key, -math.inf), r.time_s)

    def _coast_s(self, drifting: bool) -> float:
        """How long the tracker keeps a silent track of this kind."""
        models = self._tracker.models
        drift = [m.coast_s for m in models if isinstance(m, WindDrift)]
        other = [m.coast_s for m in models if not isinstance(m, WindDrift)]
        if drifting and drift:
            return float(max(drift))
        return float(max(other or drift or [0.0]))


def _valid(r: Report) -> bool:
    try:
        t, lat, lon = (float(r.row[k]) for k in ("time", "lat", "lon"))
    except (KeyError, TypeError, ValueError):
        return False
    return math.isfinite(t) and math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90


def _observations(reports: Sequence[Report]) -> Observations:
    """The reports as tracker input; ``ref`` carries each report's node key."""
    cols: dict[str, list[Any]] = {name: [] for name in FIELDS}
    for r in reports:
        row = r.row
        for name in FIELDS:
            value = row.get(name)
            if name in FLOAT_FIELDS:
                cols[name].append(math.nan if value is None else float(value))
            else:
                cols[name].append("" if value is None else str(value))
        if cols["kind"][-1] not in _KINDS:
            cols["kind"][-1] = ""
        cols["ref"][-1] = r.key
        cols["source"][-1] = r.source  # the partner: what long-gap join records name
    try:
        return Observations.from_columns(cols)
    except StratowatchError:  # _valid keeps what the constructor checks; a last guard
        log.exception("reports refused by the tracker's input")
        return Observations.empty()


def _hints(r: Report) -> list[str]:
    row = r.row
    out = [f"{name}:{row[name]}" for name in ("icao24", "callsign") if row.get(name)]
    if row.get("ref"):
        out.append(f"ref:{r.source}/{row.get('sensor_id') or ''}/{row['ref']}")
    return out


def _update(key: str, new: list[Report], tk: Track) -> TrackUpdate:
    states = []
    for i in range(len(tk)):
        v = tk.velocity_mps[i]
        sigma = float(tk.sigma_h_m[i])
        states.append(TrackPoint(
            float(tk.times_s[i]), float(tk.lat_deg[i]), float(tk.lon_deg[i]),
            float(tk.alt_m[i]) if math.isfinite(tk.alt_m[i]) else 0.0,
            (float(v[0]), float(v[1]), float(v[2])) if np.isfinite(v).all() else None,
            sigma if math.isfinite(sigma) else None))
    return TrackUpdate(key, new, states, [float(p) for p in tk.p_balloon],
                       dict(tk.class_probs), list(tk.joins))


def _merge(updates: list[TrackUpdate]) -> list[TrackUpdate]:
    """One update per node track: the reports of all, the tracker's latest view."""
    by_key: dict[str, TrackUpdate] = {}
    for u in updates:
        seen = by_key.get(u.key)
        if seen is not None:
            u.new = [*seen.new, *u.new]
        by_key[u.key] = u
    return list(by_key.values())


__all__ = ["REPLAY_REPORTS", "Fusion", "Report", "SavedTrack", "TrackUpdate"]
