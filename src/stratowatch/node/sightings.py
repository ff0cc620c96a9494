"""Partners' sightings, read from the partner inbox collection as reports for the tracker.

The pipeline learns that something arrived from the event hub (a counter), then reads what was
added to the inbox since its cursor (the ``date_added`` of the last object it took, saved in the
store like a federation cursor, so a restarted node resumes there; the store stamps additions
in commit order). Each sighting with stratowatch's observation extension becomes one report
that keeps the partner's own marking, so a fused product is marked most restrictively. The
node's own objects are skipped (no loops), and so is a sighting whose marking cannot be read
(failing closed: it could otherwise widen nothing, but nothing is fused on a guess).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, MutableMapping
from typing import Any

from stratowatch.errors import StratowatchError
from stratowatch.node.fusion import Report
from stratowatch.sensing.observation import KINDS
from stratowatch.sharing import Marking, marking_from_refs
from stratowatch.sharing import stix as S
from stratowatch.store import UNFILTERED, Store, StoredObject
from stratowatch.timeutil import to_epoch_s

log = logging.getLogger(__name__)
CURSOR_PEER = "@pipeline"
"""The peer name the pipeline's inbox cursor is saved under (no partner id has an '@')."""
PAGE = 1000


class PartnerSightings:
    """Reads partners' new sightings from one collection (see the module docstring).

    ``definitions`` is the node's live map of known marking definitions (id -> object).
    """

    def __init__(self, store: Store, collection_id: str, self_identity: str,
                 definitions: Mapping[str, Mapping[str, Any]]) -> None:
        self._store = store
        self.collection_id = collection_id
        self._self = self_identity
        self._definitions = definitions
        self._found: MutableMapping[str, Mapping[str, Any]] = {}
        saved = store.peer_cursors.get(CURSOR_PEER, collection_id)
        self.cursor_us: int | None = int(saved) if saved else None

    def read(self, most: int = PAGE) -> tuple[list[Report], int | None]:
        """Reports from sightings added after the cursor (at most ``most`` objects read), and
        the cursor after them (None when nothing was added)."""
        reports: list[Report] = []
        last: int | None = None
        page_next: str | None = None
        taken = 0
        while taken < most:
            page = self._store.page(self.collection_id, UNFILTERED, limit=PAGE, next=page_next,
                                    added_after=self.cursor_us, match_type=["sighting"])
            for stored in page.items:
                last = stored.date_added_us
                report = self._report(stored)
                if report is not None:
                    reports.append(report)
            taken += len(page.items)
            if not page.more:
                break
            page_next = page.next
        return reports, last

    def commit(self, cursor_us: int) -> None:
        """Everything up to ``cursor_us`` is tracked: resume after it (also after a restart)."""
        self.cursor_us = cursor_us
        self._store.peer_cursors.set(CURSOR_PEER, self.collection_id, str(cursor_us))

    def _report(self, stored: StoredObject) -> Report | None:
        if stored.created_by_ref == self._self:
            return None
        obj = stored.data()
        ext = (obj.get("extensions") or {}).get(S.OBSERVATION_EXTENSION_ID)
        if not isinstance(ext, Mapping):
            return None  # not a stratowatch report: nothing to track
        try:
            marking = self._marking(obj)
            row = _row(ext)
        except (StratowatchError, KeyError, TypeError, ValueError) as exc:
            log.warning("partner sighting %s not tracked: %s", stored.stix_id, exc)
            return None
        source = stored.owner or str(obj.get("created_by_ref") or "unknown")
        row["source"] = source
        return Report(stored.stix_id, row, marking, source, sighting_id=stored.stix_id)

    def _marking(self, obj: Mapping[str, Any]) -> Marking:
        refs = [str(r) for r in obj.get("object_marking_refs", [])]
        known: dict[str, Mapping[str, Any]] = {}
        for ref in refs:
            found = self._definitions.get(ref) or self._found.get(ref) or self._lookup(ref)
            if found is not None:
                known[ref] = found
        return marking_from_refs(refs, known)

    def _lookup(self, ref: str) -> Mapping[str, Any] | None:
        """A marking definition stored with the partner's objects but not yet in the node's
        map (it is filled just after the objects are stored)."""
        if not ref.startswith("marking-definition--"):
            return None
        for collection in self._store.collections.for_partner(None):
            page = self._store.page(collection.id, UNFILTERED, match_id=[ref], limit=1)
            if page.items:
                found = page.items[0].data()
                self._found[ref] = found
                return found
        return None


def _row(ext: Mapping[str, Any]) -> dict[str, Any]:
    """The interchange fields of a sighting's observation extension."""
    row: dict[str, Any] = {"time": to_epoch_s(str(ext["time"]))}
    for name in ("lat", "lon", "alt_m"):
        row[name] = _number(ext[name], name)
    for name in ("sigma_h_m", "sigma_v_m"):
        if ext.get(name) is not None:
            row[name] = abs(_number(ext[name], name))
    velocity = ext.get("velocity_mps")
    if isinstance(velocity, list) and len(velocity) == 3:
        row["vx_mps"], row["vy_mps"], row["vz_mps"] = (_number(v, "velocity_mps")
                                                       for v in velocity)
    kind = ext.get("sensor_kind")
    if kind in KINDS:
        row["kind"] = kind
    if isinstance(ext.get("sensor_id"), str):
        row["sensor_id"] = ext["sensor_id"]
    return row


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: not a finite number: {value!r}")
    return float(value)


__all__ = ["CURSOR_PEER", "PartnerSightings"]
