"""The scenario simulator: seeded, deterministic, physically plausible (simulated data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.sensing import read_observations, write_observations
from stratowatch.sensing.simulate import (
    FALSE_ALARM_PREFIX,
    AdsbReceiver,
    Radar,
    Scenario,
    TelemetryReceiver,
    sample_flights,
    simulate,
    split_flights,
    traffic_samples_dir,
)
from stratowatch.sensing.simulate._local import to_local_m
from stratowatch.winds import UniformWind, ZonalJet, open_winds

SMALL = dict(floating=15, ascending=15, aircraft=20, birds=20, clutter=20, duration_s=1800.0)


def test_same_seed_gives_the_same_observations_and_another_seed_does_not() -> None:
    a = simulate(Scenario(seed=5, real_aircraft=False, **SMALL))  # type: ignore[arg-type]
    b = simulate(Scenario(seed=5, real_aircraft=False, **SMALL))  # type: ignore[arg-type]
    c = simulate(Scenario(seed=6, real_aircraft=False, **SMALL))  # type: ignore[arg-type]
    assert a.observations.equals(b.observations)
    assert np.array_equal(a.truth.ref, b.truth.ref)
    assert not (len(a.observations) == len(c.observations)
                and a.observations.equals(c.observations))


def test_every_report_names_its_truth_object_or_is_a_false_alarm() -> None:
    sim = simulate(Scenario(seed=1, real_aircraft=False, **SMALL))  # type: ignore[arg-type]
    obs = sim.observations
    kinds = sim.truth.kind_of(obs.ref)
    assert "" not in set(kinds.tolist())
    fa = np.char.startswith(obs.ref.astype(str), FALSE_ALARM_PREFIX)
    assert np.all(obs.kind[fa] == "radar") and fa.any()
    assert set(obs.source.tolist()) == {"simulated"}
    assert set(obs.kind.tolist()) <= {"radar", "adsb", "telemetry", "visual"}
    assert np.all(np.isfinite(obs.sigma_h_m))
    assert np.all((obs.lon >= -180) & (obs.lon < 180))


def test_floating_balloons_hold_altitude_and_drift_with_the_wind_error_only() -> None:
    winds = UniformWind(12.0, -5.0)
    sim = simulate(Scenario(floating=40, ascending=0, aircraft=0, birds=0, clutter=0, seed=2),
                   winds)
    tr = sim.trajectories
    assert tr.n_objects == 40
    for j in range(tr.n_objects):
        rows = slice(int(tr.offset[j]), int(tr.offset[j] + tr.count[j]))
        assert np.ptp(tr.alt_m[rows]) < 1.0  # a constant-altitude float
        du = np.mean(tr.ve_mps[rows]) - 12.0
        dv = np.mean(tr.vn_mps[rows]) + 5.0
        assert np.hypot(du, dv) < 20.0  # the wind error (sigma 3.6 m/s), not an airspeed


def test_ascending_balloons_climb_then_fall() -> None:
    sim = simulate(Scenario(floating=0, ascending=60, aircraft=0, birds=0, clutter=0, seed=3,
                            duration_s=3600.0), ZonalJet())
    tr = sim.trajectories
    rates = np.array([np.median(tr.vu_mps[tr.offset[j]:tr.offset[j] + tr.count[j]])
                      for j in range(tr.n_objects)])
    assert (rates > 2.0).any() and (rates < -2.0).any()
    assert np.all(np.abs(rates) < 60.0)


def test_the_velocity_gate_drops_slow_targets_and_only_them() -> None:
    winds = UniformWind(10.0, 0.0)  # balloons ~10 m/s, aircraft far faster
    base = dict(floating=30, ascending=0, aircraft=30, birds=0, clutter=0, seed=4,
                real_aircraft=False)
    radar = Radar("r", 45.0, -100.0, false_alarms_per_scan=0.0)
    open_ = simulate(Scenario(sensors=[radar], **base), winds)  # type: ignore[arg-type]
    gated = simulate(Scenario(sensors=[radar.with_gate(30.0)], **base),  # type: ignore[arg-type]
                     winds)
    k_open = open_.truth.kind_of(open_.observations.ref)
    k_gated = gated.truth.kind_of(gated.observations.ref)
    assert (k_open == "balloon_float").sum() > 100
    assert (k_gated == "balloon_float").sum() == 0
    assert (k_gated == "aircraft").sum() > 0.9 * (k_open == "aircraft").sum()


def test_radar_sees_only_inside_its_coverage_with_stated_noise() -> None:
    radar = Radar("r", 45.0, -100.0, max_range_m=100_000.0, false_alarms_per_scan=0.0)
    sim = simulate(Scenario(seed=8, sensors=[radar], real_aircraft=False, radius_m=150_000.0,
                            **SMALL), ZonalJet())  # type: ignore[arg-type]
    obs = sim.observations
    e, n = to_local_m(obs.lat, obs.lon, 45.0, -100.0)
    assert np.all(np.hypot(e, n) < 100_000.0 + 5 * obs.sigma_h_m)
    assert np.all(obs.sigma_h_m >= radar.sigma_range_m)
    assert np.all(np.isfinite(obs.rcs_dbsm))


def test_false_alarms_come_at_the_stated_rate() -> None:
    radar = Radar("r", 45.0, -100.0, false_alarms_per_scan=2.0, update_s=10.0)
    sim = simulate(Scenario(floating=0, ascending=0, aircraft=0, birds=0, clutter=0, seed=9,
                            duration_s=3600.0, sensors=[radar]))
    assert 600 < len(sim.observations) < 840  # 360 scans x 2


def test_adsb_reports_come_only_from_cooperative_objects_with_their_category() -> None:
    sim = simulate(Scenario(seed=10, real_aircraft=False, balloon_adsb_fraction=0.5,
                            sensors=[AdsbReceiver("a", 45.0, -100.0), TelemetryReceiver()],
                            **SMALL))  # type: ignore[arg-type]
    obs = sim.observations
    adsb = obs[obs.kind == "adsb"]
    kinds = sim.truth.kind_of(adsb.ref)
    assert set(kinds.tolist()) <= {"aircraft", "balloon_float", "balloon_ascent"}
    balloons = np.char.startswith(kinds.astype(str), "balloon")
    assert balloons.any() and set(adsb.category[balloons].tolist()) == {"B2"}
    assert np.all(adsb.icao24 != "") and np.all(np.isfinite(adsb.vx_mps))
    tele = obs[obs.kind == "telemetry"]
    assert set(sim.truth.kind_of(tele.ref).tolist()) <= {"balloon_float", "balloon_ascent"}


def test_simulated_observations_travel_through_the_interchange_csv(tmp_path: Path) -> None:
    sim = simulate(Scenario(seed=11, real_aircraft=False, **SMALL))  # type: ignore[arg-type]
    path = tmp_path / "sim.csv"
    write_observations(sim.observations, path)
    back = read_observations(path)
    assert len(back) == len(sim.observations)
    assert np.array_equal(back.ref, sim.observations.ref)


def test_aircraft_are_real_traffic_flights_moved_in_time_and_place() -> None:
    if traffic_samples_dir() is None:
        pytest.skip("traffic is not installed (the synthetic model stands in)")
    flights = sample_flights()
    assert len(flights) > 1000
    sim = simulate(Scenario(floating=0, ascending=0, aircraft=50, birds=0, clutter=0, seed=12,
                            sensors=[AdsbReceiver("a", 45.0, -100.0)]))
    obs = sim.observations
    e, n = to_local_m(obs.lat, obs.lon, 45.0, -100.0)
    assert np.median(np.hypot(e, n)) < 400_000.0
    t0 = obs.time.min()
    assert t0 > 1.7e9  # moved to the scenario's 2026 start
    speeds = np.hypot(obs.vx_mps, obs.vy_mps)
    assert np.median(speeds) > 40.0


def test_split_flights_cuts_one_aircraft_at_long_pauses() -> None:
    from stratowatch.sensing import Observations

    obs = Observations([0.0, 10.0, 20.0, 2000.0, 2010.0], [1.0] * 5, [2.0] * 5, [1000.0] * 5,
                       icao24=["abc"] * 5, callsign=["X"] * 5)
    ids = split_flights(obs)
    assert len(set(ids[:3].tolist())) == 1 and ids[2] != ids[3] and ids[3] == ids[4]


def test_a_scenario_on_the_real_gfs_sample(gfs_grib: Path) -> None:
    winds = open_winds(gfs_grib)
    sim = simulate(Scenario(floating=20, ascending=20, aircraft=0, birds=10, clutter=10,
                            seed=13, start="2017-04-25T20:00Z", lat_deg=28.5, lon_deg=-80.6,
                            duration_s=3600.0), winds)
    kinds = set(sim.truth.kind_of(sim.observations.ref).tolist())
    assert {"balloon_float", "balloon_ascent"} <= kinds
    assert sim.observations.time.min() >= winds.coverage.start_s  # type: ignore[operator]


def _stationary(ranges_m: list[float], alts_m: list[float]) -> tuple[object, object]:
    """Objects parked due north of (45, -100) at the given ground ranges and heights."""
    from stratowatch.sensing.simulate._local import from_local_m
    from stratowatch.sensing.simulate.trajectories import Trajectories
    from stratowatch.sensing.simulate.truth import Truth

    lats, lons, alts = [], [], []
    for g in ranges_m:
        for h in alts_m:
            la, lo = from_local_m(np.zeros(2), np.full(2, g), 45.0, -100.0)
            lats.append(la)
            lons.append(lo)
            alts.append(np.full(2, h))
    n = len(lats)
    traj = Trajectories.from_regular(np.zeros(n), 4000.0, lats, lons, alts)
    obj = np.array([f"o{i}" for i in range(n)], dtype=object)
    truth = Truth(obj, np.full(n, "aircraft", dtype=object), np.full(n, 20.0), np.zeros(n, bool),
                  np.zeros(n, bool), np.full(n, "", dtype=object), np.full(n, "", dtype=object),
                  np.full(n, "", dtype=object))
    return traj, truth


def test_radar_heights_are_true_heights_within_the_noise_at_every_range() -> None:
    # The Earth curves away beneath the radar's tangent plane (ground**2 / 2R: 3.1 km at
    # 200 km); a plot's height must come back as the object's height above the ground, not
    # that plus the drop (a 7.3 km aircraft once read 12.5 km at 250 km).
    ranges = [20_000.0, 100_000.0, 160_000.0, 200_000.0, 240_000.0]
    heights = [7_300.0, 12_000.0, 19_000.0]
    traj, truth = _stationary(ranges, heights)
    radar = Radar("r", 45.0, -100.0, max_range_m=260_000.0, false_alarms_per_scan=0.0,
                  detection_probability=1.0, update_s=2.0)
    obs = radar.observe(traj, truth, 0.0, 3000.0, np.random.default_rng(1))  # type: ignore[arg-type]
    idx = np.array([int(str(r)[1:]) for r in obs.ref.tolist()])
    true_alt = np.array([heights[i % len(heights)] for i in idx])
    true_range = np.array([ranges[i // len(heights)] for i in idx])
    err = obs.alt_m - true_alt
    assert len(set(idx.tolist())) == len(ranges) * len(heights)  # every one is seen
    for g in ranges:
        at = true_range == g
        sigma = float(np.median(obs.sigma_v_m[at]))
        assert at.sum() > 500
        assert abs(float(np.mean(err[at]))) < 0.1 * sigma  # unbiased: no curvature offset
        assert 0.8 * sigma < float(np.std(err[at])) < 1.2 * sigma  # the stated noise
    e, n = to_local_m(obs.lat, obs.lon, 45.0, -100.0)
    assert np.all(np.abs(np.hypot(e, n) - true_range) < 5 * obs.sigma_h_m)


def test_radar_false_alarm_heights_stay_inside_the_stated_band() -> None:
    radar = Radar("r", 45.0, -100.0, false_alarms_per_scan=5.0, update_s=10.0,
                  sigma_elevation_deg=1e-6, sigma_range_m=1e-3, max_alt_m=30_000.0)
    sim = simulate(Scenario(floating=0, ascending=0, aircraft=0, birds=0, clutter=0, seed=9,
                            duration_s=3600.0, sensors=[radar]))
    alt = sim.observations.alt_m
    assert alt.min() > -10.0 and alt.max() < 30_010.0


def _straight(n: int, speed_mps: float, gs_mps: float, alt_m: np.ndarray | None = None
              ) -> object:
    from stratowatch.sensing.simulate._local import from_local_m
    from stratowatch.sensing.simulate.aircraft import SampleFlight

    t = np.arange(n) * 5.0
    lat, lon = from_local_m(speed_mps * t, np.zeros(n), 45.0, 5.0)
    alt = np.full(n, 7_000.0) if alt_m is None else alt_m
    return SampleFlight("x", "abc123", "X", t, lat, lon, alt, np.full(n, gs_mps))


def test_flights_are_cut_where_the_altitude_jumps_beyond_any_climb() -> None:
    from stratowatch.sensing.simulate.aircraft import airborne

    alt = 7_000.0 + 5.0 * np.arange(200)  # a 1 m/s climb, flyable
    alt[100] = 2_700.0  # one decoded altitude 4.6 km low in 5 s, then back
    pieces = airborne((_straight(200, 110.0, 110.0, alt),))  # type: ignore[arg-type]
    assert len(pieces) == 2
    for p in pieces:
        assert np.all(np.abs(np.diff(p.alt_m)) <= 5.0 + 1e-9)
        assert 2_700.0 not in p.alt_m
    assert sum(p.time_s.size for p in pieces) == 197  # the spike and its two neighbours
    whole = airborne((_straight(200, 110.0, 110.0, 7_000.0 + 5.0 * np.arange(200)),))  # type: ignore[arg-type]
    assert len(whole) == 1 and whole[0].time_s.size == 200


def test_flights_are_cut_where_positions_disagree_with_the_recorded_ground_speed() -> None:
    from stratowatch.sensing.simulate.aircraft import airborne

    for moved, recorded in ((36.0, 112.0), (48.7, 90.0), (180.0, 112.0)):
        assert airborne((_straight(200, moved, recorded),)) == ()  # type: ignore[arg-type]
    for moved in (112.0, 95.0, 130.0):  # within 30 %: positions fly the recorded speed
        good = airborne((_straight(200, moved, 112.0),))  # type: ignore[arg-type]
        assert len(good) == 1 and good[0].time_s.size == 200
    unknown = airborne((_straight(200, 36.0, np.nan),))  # type: ignore[arg-type]
    assert len(unknown) == 1  # nothing recorded to disagree with


def test_no_sample_flight_left_for_simulation_jumps_in_altitude_or_speed() -> None:
    from stratowatch.sensing.simulate.aircraft import airborne

    if traffic_samples_dir() is None:
        pytest.skip("traffic is not installed (the synthetic model stands in)")
    flights = airborne(sample_flights())
    assert len(flights) > 1000
    for f in flights:
        dt = np.diff(f.time_s)
        assert np.all(np.abs(np.diff(f.alt_m)) <= 50.0 * dt + 30.0), f.name
    relay = [f for f in flights if f.name.startswith("tv_relay/tour_de_france")]
    assert relay
    for f in relay:  # positions fly the recorded ground speed, not a fraction of it
        e, n = to_local_m(f.lat_deg, f.lon_deg, f.lat_deg[0], f.lon_deg[0])
        path = np.hypot(np.diff(e), np.diff(n)).sum()
        gs = f.groundspeed_mps
        assert gs is not None
        flown = np.nansum(0.5 * (gs[1:] + gs[:-1]) * np.diff(f.time_s))
        assert 0.5 * flown < path < 2.0 * flown, f.name
