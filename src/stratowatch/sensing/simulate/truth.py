"""The truth table of a simulated scenario: what each simulated object really is.

Scenarios are simulated: ``ref`` in the simulated Observations is the id of the truth object
that produced a report, so a classifier's output can be scored against ``label``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

KINDS: tuple[str, ...] = ("balloon_float", "balloon_ascent", "aircraft", "bird", "clutter")
"""Kinds of simulated object."""

LABEL_OF_KIND: dict[str, str] = {
    "balloon_float": "balloon", "balloon_ascent": "balloon", "aircraft": "aircraft",
    "bird": "clutter", "clutter": "clutter", "false_alarm": "unknown",
}
"""The classification label each kind should get (bird and weather clutter are one class)."""

FALSE_ALARM_PREFIX = "fa:"
"""Refs of radar false alarms (one ref per false plot) start with this."""


@dataclass(frozen=True)
class Truth:
    """One row per simulated object, in the order of its trajectories."""

    ref: npt.NDArray[np.object_]
    kind: npt.NDArray[np.object_]
    rcs_dbsm: npt.NDArray[np.float64]
    adsb: npt.NDArray[np.bool_]
    telemetry: npt.NDArray[np.bool_]
    icao24: npt.NDArray[np.object_]
    callsign: npt.NDArray[np.object_]
    category: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return int(self.ref.shape[0])

    @property
    def label(self) -> npt.NDArray[np.object_]:
        """Classification label per object (balloon, aircraft, clutter)."""
        return np.array([LABEL_OF_KIND[k] for k in self.kind.tolist()], dtype=object)

    def kind_of(self, refs: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Kind per ref; ``false_alarm`` for false-alarm refs, ``""`` for refs not simulated."""
        lookup = dict(zip(self.ref.tolist(), self.kind.tolist(), strict=True))
        out = [lookup.get(r, "false_alarm" if str(r).startswith(FALSE_ALARM_PREFIX) else "")
               for r in np.asarray(refs, dtype=object).tolist()]
        return np.array(out, dtype=object)

    def label_of(self, refs: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Classification label per ref (``unknown`` for false alarms)."""
        return np.array([LABEL_OF_KIND.get(k, "unknown") for k in self.kind_of(refs).tolist()],
                        dtype=object)


def concat_truth(parts: list[Truth]) -> Truth:
    """All rows of several tables, in order (no tables: no rows)."""
    if not parts:
        return make_truth([], "aircraft", np.empty(0))
    names = ("ref", "kind", "rcs_dbsm", "adsb", "telemetry", "icao24", "callsign", "category")
    return Truth(*(np.concatenate([getattr(p, n) for p in parts]) for n in names))


def make_truth(refs: list[str], kind: str, rcs_dbsm: npt.ArrayLike, *,
               adsb: npt.ArrayLike = False, telemetry: npt.ArrayLike = False,
               icao24: list[str] | None = None, callsign: list[str] | None = None,
               category: list[str] | None = None) -> Truth:
    """A table of ``len(refs)`` objects of one kind."""
    n = len(refs)

    def text(values: list[str] | None) -> npt.NDArray[np.object_]:
        out = np.empty(n, dtype=object)
        out[:] = values if values is not None else ""
        return out

    kinds = np.empty(n, dtype=object)
    kinds[:] = kind
    return Truth(text(refs), kinds, np.broadcast_to(np.asarray(rcs_dbsm, float), (n,)).copy(),
                 np.broadcast_to(np.asarray(adsb, bool), (n,)).copy(),
                 np.broadcast_to(np.asarray(telemetry, bool), (n,)).copy(),
                 text(icao24), text(callsign), text(category))
