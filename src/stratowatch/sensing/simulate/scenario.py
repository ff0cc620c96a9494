"""A seeded, deterministic scenario: balloons, aircraft, birds and clutter seen by sensors.

Everything here is simulated. ``simulate(Scenario(...), winds)`` returns Observations whose
``ref`` is the truth object's id (false alarms: ``fa:<sensor>:<n>``) and the truth table that
says what each object really is, so detection and classification can be scored. The same
scenario and seed give the same observations, row for row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from stratowatch.errors import ConfigError
from stratowatch.sensing.observation import Observations, concat
from stratowatch.sensing.simulate.aircraft import sample_flights, simulate_aircraft
from stratowatch.sensing.simulate.balloons import BalloonMix, simulate_balloons
from stratowatch.sensing.simulate.lowlevel import simulate_birds, simulate_clutter
from stratowatch.sensing.simulate.sensors import (
    AdsbReceiver,
    Radar,
    Sensor,
    TelemetryReceiver,
    VisualObserver,
)
from stratowatch.sensing.simulate.trajectories import Trajectories, concat_trajectories
from stratowatch.sensing.simulate.truth import Truth, concat_truth, make_truth
from stratowatch.timeutil import TimeLike, to_epoch_s
from stratowatch.winds import WindField, ZonalJet

AIRCRAFT_CATEGORIES = ("A1", "A2", "A3", "A4", "A5", "A7")


@dataclass(frozen=True)
class Scenario:
    """What to simulate: counts per kind, the region (deg, m), the time window and sensors.

    ``sensors`` None puts a radar, an ADS-B receiver and a visual observer at the centre and a
    telemetry network everywhere (:func:`default_sensors`). Fractions say which objects carry
    ADS-B or telemetry; ``balloon_adsb_fraction`` of balloons broadcast ADS-B with emitter
    category B2 (lighter-than-air).
    """

    floating: int = 20
    ascending: int = 20
    aircraft: int = 50
    birds: int = 20
    clutter: int = 20
    start: TimeLike = "2026-01-01T00:00Z"
    duration_s: float = 3600.0
    lat_deg: float = 45.0
    lon_deg: float = -100.0
    radius_m: float = 120_000.0
    seed: int = 0
    sensors: Sequence[Sensor] | None = None
    aircraft_adsb_fraction: float = 0.8
    balloon_telemetry_fraction: float = 0.25
    balloon_adsb_fraction: float = 0.05
    balloons: BalloonMix = field(default_factory=BalloonMix)
    real_aircraft: bool = True

    def __post_init__(self) -> None:
        counts = (self.floating, self.ascending, self.aircraft, self.birds, self.clutter)
        if min(counts) < 0 or self.duration_s <= 0 or self.radius_m <= 0:
            raise ConfigError("scenario counts must be >= 0, duration and radius positive")


@dataclass(frozen=True)
class Simulation:
    """The simulated reports, the truth behind them and the truth trajectories."""

    observations: Observations
    truth: Truth
    trajectories: Trajectories


def default_sensors(lat_deg: float, lon_deg: float, *, min_speed_mps: float | None = None
                    ) -> list[Sensor]:
    """A radar (with an optional velocity gate), an ADS-B receiver, telemetry and a visual."""
    return [Radar("radar-1", lat_deg, lon_deg, min_speed_mps=min_speed_mps),
            AdsbReceiver("adsb-1", lat_deg, lon_deg), TelemetryReceiver(),
            VisualObserver("visual-1", lat_deg, lon_deg)]


def _hex_ids(rng: np.random.Generator, n: int) -> list[str]:
    return [f"{v:06x}" for v in rng.integers(0, 0xFFFFFF, n).tolist()]


def _balloon_truth(refs: list[str], kind: str, sc: Scenario, rng: np.random.Generator
                   ) -> Truth:
    n = len(refs)
    adsb = rng.random(n) < sc.balloon_adsb_fraction
    tele = rng.random(n) < sc.balloon_telemetry_fraction
    calls = [f"HAB{i:04d}" if a or t else "" for i, (a, t) in enumerate(
        zip(adsb.tolist(), tele.tolist(), strict=True))]
    return make_truth(refs, kind, rng.normal(-5.0, 6.0, n), adsb=adsb, telemetry=tele,
                      icao24=[h if a else "" for h, a in zip(_hex_ids(rng, n), adsb.tolist(),
                                                             strict=True)],
                      callsign=calls, category=["B2" if a else "" for a in adsb.tolist()])


def _aircraft_truth(refs: list[str], sc: Scenario, rng: np.random.Generator) -> Truth:
    n = len(refs)
    adsb = rng.random(n) < sc.aircraft_adsb_fraction
    cats = rng.choice(AIRCRAFT_CATEGORIES, n).tolist()
    has_cat = rng.random(n) < 0.6
    return make_truth(refs, "aircraft", rng.normal(12.0, 6.0, n), adsb=adsb,
                      icao24=_hex_ids(rng, n),
                      callsign=[f"SIM{v:04d}" for v in rng.integers(0, 9999, n).tolist()],
                      category=[c if h else "" for c, h in zip(cats, has_cat.tolist(),
                                                                strict=True)])


def simulate(scenario: Scenario, winds: WindField | None = None) -> Simulation:
    """Run a scenario (simulated data); ``winds`` defaults to the analytic ZonalJet."""
    sc = scenario
    winds = winds if winds is not None else ZonalJet()
    rng = np.random.default_rng(sc.seed)
    t0 = to_epoch_s(sc.start)
    trajs: list[Trajectories] = []
    truths: list[Truth] = []

    def add(traj: Trajectories, kind: str) -> None:
        refs = [f"{kind}-{sc.seed}-{i:05d}" for i in range(traj.n_objects)]
        if kind.startswith("balloon"):
            truths.append(_balloon_truth(refs, kind, sc, rng))
        elif kind == "aircraft":
            truths.append(_aircraft_truth(refs, sc, rng))
        else:
            rcs = rng.normal(-25.0, 4.0, len(refs)) if kind == "bird" else rng.normal(
                -12.0, 6.0, len(refs))
            truths.append(make_truth(refs, kind, rcs))
        trajs.append(traj)

    if sc.floating:
        add(simulate_balloons(winds, n=sc.floating, ascending=False, mix=sc.balloons,
                              start_s=t0, duration_s=sc.duration_s, lat_deg=sc.lat_deg,
                              lon_deg=sc.lon_deg, radius_m=sc.radius_m, rng=rng),
            "balloon_float")
    if sc.ascending:
        add(simulate_balloons(winds, n=sc.ascending, ascending=True, mix=sc.balloons,
                              start_s=t0, duration_s=sc.duration_s, lat_deg=sc.lat_deg,
                              lon_deg=sc.lon_deg, radius_m=sc.radius_m, rng=rng),
            "balloon_ascent")
    if sc.aircraft:
        flights = sample_flights() if sc.real_aircraft else ()
        add(simulate_aircraft(sc.aircraft, flights=flights, start_s=t0,
                              duration_s=sc.duration_s, lat_deg=sc.lat_deg, lon_deg=sc.lon_deg,
                              radius_m=sc.radius_m, rng=rng), "aircraft")
    if sc.birds:
        add(simulate_birds(winds, sc.birds, start_s=t0, duration_s=sc.duration_s,
                           lat_deg=sc.lat_deg, lon_deg=sc.lon_deg, radius_m=sc.radius_m,
                           rng=rng), "bird")
    if sc.clutter:
        add(simulate_clutter(winds, sc.clutter, start_s=t0, duration_s=sc.duration_s,
                             lat_deg=sc.lat_deg, lon_deg=sc.lon_deg, radius_m=sc.radius_m,
                             rng=rng), "clutter")
    traj = concat_trajectories(trajs)
    truth = concat_truth(truths)
    sensors = sc.sensors if sc.sensors is not None else default_sensors(sc.lat_deg, sc.lon_deg)
    parts = [s.observe(traj, truth, t0, sc.duration_s, rng) for s in sensors]
    obs = concat(parts).sorted_by_time()
    return Simulation(obs, truth, traj)


__all__ = ["AdsbReceiver", "Radar", "Scenario", "Simulation", "TelemetryReceiver",
           "VisualObserver", "default_sensors", "simulate"]
