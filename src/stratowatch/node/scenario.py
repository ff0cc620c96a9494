"""The built-in scenario: a small, deterministic, SIMULATED feed, so a new node has something.

Three free balloons float at 17-20 km in the built-in zonal jet (the drift engine integrates
them, one deterministic member each) and report telemetry every ten minutes of scenario time,
replayed faster than real time (one report round per ``interval_s``). Nothing here is real data.
Each round is ingested like any observations posted over REST, so the tracker associates it;
the callsigns are only hints. A richer feed (radars, aircraft, clutter) could come from the
sensing layer's simulator (``stratowatch.sensing.simulate``), called from here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from stratowatch.drift import FloatProfile, forecast
from stratowatch.sharing import Marking
from stratowatch.timeutil import to_epoch_s
from stratowatch.winds import ZonalJet

START = "2026-01-01T00:00:00Z"
STEP_S = 600.0
HOURS = 72.0


@dataclass(frozen=True)
class Launch:
    """Where and how high one simulated balloon starts."""

    callsign: str
    lat: float
    lon: float
    alt_m: float


LAUNCHES = (Launch("SIM-1", 40.0, -130.0, 18000.0), Launch("SIM-2", 47.0, -140.0, 19500.0),
            Launch("SIM-3", 52.0, -150.0, 17000.0))


def reports() -> list[list[dict[str, Any]]]:
    """Every report round of the scenario, in time order (deterministic)."""
    winds = ZonalJet()
    start = to_epoch_s(START)
    tracks = []
    for launch in LAUNCHES:
        ens = forecast(winds, start=start, lat_deg=launch.lat, lon_deg=launch.lon,
                       profile=FloatProfile(alt_m=launch.alt_m), duration_s=HOURS * 3600.0,
                       members=1, output_every_s=STEP_S)
        tracks.append((launch, ens))
    rounds: list[list[dict[str, Any]]] = []
    n_times = min(ens.n_times for _, ens in tracks)
    for k in range(n_times):
        batch = []
        for launch, ens in tracks:
            batch.append({
                "time": float(ens.times_s[k]), "lat": round(float(ens.lat_deg[k, 0]), 5),
                "lon": round(float(ens.lon_deg[k, 0]), 5),
                "alt_m": round(float(np.nan_to_num(ens.alt_m[k, 0], nan=launch.alt_m)), 1),
                "kind": "telemetry", "callsign": launch.callsign, "source": "simulated",
                "sensor_id": "builtin-scenario", "sigma_h_m": 30.0, "sigma_v_m": 50.0,
            })
        rounds.append(batch)
    return rounds


class ScenarioFeed:
    """Feeds the scenario's report rounds into a pipeline on a background thread."""

    def __init__(self, ingest: Any, marking: Marking, source: str, *,
                 interval_s: float = 2.0, resume_after_s: float | None = None) -> None:
        self._ingest = ingest
        self._marking = marking
        self._source = source
        self._interval_s = interval_s
        self._resume_after_s = resume_after_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start feeding (rounds already fed before a restart are skipped)."""
        self._thread = threading.Thread(target=self._run, name="scenario", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop feeding."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        for batch in reports():
            if self._stop.is_set():
                return
            if self._resume_after_s is not None and batch[0]["time"] <= self._resume_after_s:
                continue
            self._ingest(batch, self._marking, self._source)
            if self._stop.wait(self._interval_s):
                return
