"""Real data: traffic's recorded aircraft, the NOVA 27 balloon flight, the GFS sample."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stratowatch.sensing import Observations, concat, read_observations, read_traffic
from stratowatch.sensing.simulate import Scenario, simulate, split_flights, traffic_samples_dir
from stratowatch.tracking.classification import classify
from stratowatch.tracking.classification.evaluate import confirmed
from stratowatch.winds import open_winds

FT_M = 0.3048


def _with_refs(obs: Observations, refs: list[str]) -> Observations:
    cols = obs.columns()
    cols["ref"] = refs
    return Observations.from_columns(cols)


def _readsb_trace(path: Path) -> Observations:
    """A readsb ``trace_full`` file (traffic's ``landing_denver``); rows on the ground kept at
    the altitude readsb gives next (geometric) or dropped when none."""
    doc = json.loads(path.read_text())
    t0 = float(doc["timestamp"])
    rows = [r for r in doc["trace"] if isinstance(r[3], int | float)]
    return Observations([t0 + r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                        [r[3] * FT_M for r in rows], kind="adsb", icao24=doc["icao"],
                        ref=f"readsb:{doc['icao']}")


def traffic_sample_flights(root: Path) -> Observations:
    """Every trajectory in traffic's samples, one ref per flight (as traffic splits them)."""
    parts = []
    for path in sorted(root.glob("**/*.json.gz")):
        obs = read_traffic(path)
        if len(obs):
            parts.append(_with_refs(obs, [f"{path.name}|{r}" for r in
                                          split_flights(obs).tolist()]))
    for path in sorted(root.glob("**/*.jsonl")):
        obs = read_observations(path)
        parts.append(_with_refs(obs, [f"{path.name}|{r}" for r in split_flights(obs).tolist()]))
    for path in sorted(root.glob("readsb/*.json")):
        parts.append(_readsb_trace(path))
    return concat(parts)


@pytest.mark.slow
def test_every_real_aircraft_in_traffics_samples_is_not_a_balloon() -> None:
    root = traffic_samples_dir()
    if root is None:
        pytest.skip("needs the package 'traffic' (its sample trajectories)")
    obs = traffic_sample_flights(root)
    c = classify(obs)
    assert len(c) > 2000
    worst = int(np.argmax(c.p_balloon))
    assert c.p_balloon.max() < 0.5, (c.ref[worst], c.reasons[worst])
    assert set(c.label.tolist()) <= {"aircraft", "clutter", "unknown"}
    assert (c.label == "aircraft").mean() > 0.95


def test_nova27_is_a_balloon_without_winds(nova27_dir: Path) -> None:
    obs = read_observations(nova27_dir / "nova27-obs.csv")
    c = classify(obs)
    assert len(c) == 1 and c.label[0] == "balloon" and c.p_balloon[0] >= 0.9
    assert not c.used_winds
    assert any("vertical rate" in r for r in c.reasons[0])


def test_nova27_is_a_balloon_from_its_motion_alone(nova27_dir: Path) -> None:
    """Seen as plain radar plots (no telemetry, no identity), it still moves like a balloon."""
    obs = read_observations(nova27_dir / "nova27-obs.csv")
    cols = obs.columns()
    cols["kind"] = ["radar"] * len(obs)
    cols["source"] = [""] * len(obs)
    c = classify(Observations.from_columns(cols))
    assert c.label[0] == "balloon" and c.p_balloon[0] >= 0.5


def test_wind_aware_classification_on_the_real_gfs_sample(gfs_grib: Path) -> None:
    winds = open_winds(gfs_grib)
    sim = simulate(Scenario(floating=150, ascending=150, aircraft=200, birds=300, clutter=200,
                            seed=21, start="2017-04-25T20:00Z", lat_deg=28.5, lon_deg=-80.6,
                            duration_s=3600.0), winds)
    c = classify(sim.observations, winds)
    keep = confirmed(c.features)
    kinds = sim.truth.kind_of(c.ref)
    balloon = keep & np.char.startswith(kinds.astype(str), "balloon")
    assert np.isfinite(c.features.wind_chi2[balloon]).all()
    assert np.median(c.features.wind_chi2[balloon]) < 2.0  # they move with the GFS wind
    assert (c.p_balloon[balloon] >= 0.5).mean() >= 0.97
    aircraft = keep & (kinds == "aircraft")
    assert aircraft.sum() > 100 and (c.p_balloon[aircraft] >= 0.5).sum() == 0
    assert np.median(c.features.wind_chi2[aircraft]) > 100.0
