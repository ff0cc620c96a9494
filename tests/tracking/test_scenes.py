"""Tracker behaviour in simulated scenes: a balloon among aircraft and clutter, a crossing, late
(out-of-sequence) reports and model-dependent deletion. All truth is simulated."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.sensing import Observations, concat
from stratowatch.tracking import (
    JPDA,
    ConstantVelocity,
    GNNWith2DAssignment,
    MofNInitiator,
    Tracker,
    WindDrift,
)


def _track_of(tracks, ref):
    """The track holding most of ``ref``'s reports, and the share it holds."""
    best, share = None, 0.0
    for tk in tracks:
        refs = tk.observations.ref
        n = int(np.count_nonzero(refs == ref))
        if n > share:
            best, share = tk, n
    return best, share


def test_balloon_hidden_among_aircraft_and_clutter_is_tracked_first_to_last(jet, rng, sim):
    # simulated radar over 30 min, a scan every 10 s with P_D 0.9: one balloon floating at
    # 19 km in the jet, 25 aircraft at 9-12 km, 30 clutter reports per scan (gates opened)
    times = sim["T0"] + np.arange(0.0, 1800.0, 10.0)
    balloon = sim["balloon"](jet, "balloon", 45.0, -100.0, 19000.0, hours=0.5, every_s=10.0)
    parts = [sim["observe"](balloon, rng, 150.0, p_detect=0.9)]
    for k in range(25):
        path = sim["aircraft"](f"aircraft-{k}", 45.0 + rng.uniform(-0.6, 0.6),
                               -100.0 + rng.uniform(-0.8, 0.8), rng.uniform(9000, 12000),
                               rng.uniform(0, 360), rng.uniform(180, 250), times)
        parts.append(sim["observe"](path, rng, 150.0, p_detect=0.9))
    parts.append(sim["clutter"](rng, times, 30, 45.0, -100.0, 80_000.0))
    obs = concat(parts)
    b_obs = obs[obs.ref == "balloon"]

    tracks = Tracker(winds=jet, clutter_density_per_km2=30 / 160.0 ** 2).run(obs)

    track, n = _track_of(tracks, "balloon")
    assert track is not None
    assert n >= 0.95 * len(b_obs)
    assert track.times_s[0] == pytest.approx(b_obs.time.min())
    assert track.times_s[-1] == pytest.approx(b_obs.time.max())
    assert set(track.observations.ref.tolist()) == {"balloon"}
    assert track.p_drift[-1] > 0.9
    assert track.class_probs["balloon"] >= 0.9
    aircraft = [tk for tk in tracks if len(tk) > 100 and tk is not track]
    assert len(aircraft) >= 20
    assert all(tk.class_probs["balloon"] < 0.1 for tk in aircraft)


def _crossing(rng, sim, sigma_m: float):
    """Two aircraft crossing at 20 degrees, 5 km apart at the ends, with clutter."""
    times = sim["T0"] + np.arange(0.0, 300.0, 5.0)
    a = sim["aircraft"]("a", 45.0, -100.2, 10000.0, 80.0, 200.0, times)
    b = sim["aircraft"]("b", 45.0 + 0.04, -100.2, 10000.0, 100.0, 203.0, times)
    obs = concat([sim["observe"](a, rng, sigma_m, 30.0, p_detect=0.95),
                  sim["observe"](b, rng, sigma_m, 30.0, p_detect=0.95),
                  sim["clutter"](rng, times, 5, 45.0, -99.8, 30_000.0)])
    return obs, (a, b)


@pytest.mark.parametrize("associator", [GNNWith2DAssignment(), JPDA()],
                         ids=["gnn", "jpda"])
def test_gnn_and_jpda_keep_two_crossing_aircraft(rng, sim, associator):
    obs, truths = _crossing(rng, sim, 60.0)
    tracker = Tracker(models=(ConstantVelocity(q_h_m2ps3=1.0),), associator=associator,
                      initiator=MofNInitiator(m=3, n=4), frame_s=0.0,
                      clutter_density_per_km2=5 / 60.0 ** 2)
    tracks = tracker.run(obs)
    for truth in truths:
        track, n = _track_of(tracks, truth.ref)
        assert track is not None
        assert n >= 0.9 * np.count_nonzero(obs.ref == truth.ref)
        # position error at the end, after the crossing, is of the order of the noise
        k = np.searchsorted(truth.t, track.times_s[-1])
        from stratowatch.geo import great_circle_m

        err = float(great_circle_m(track.lat_deg[-1], track.lon_deg[-1], truth.lat[k],
                                   truth.lon[k]))
        assert err < 200.0


def test_jpda_is_no_worse_than_gnn_through_the_crossing(rng, sim):
    from stratowatch.geo import great_circle_m

    obs, truths = _crossing(rng, sim, 80.0)
    rmse = {}
    for name, assoc in (("gnn", GNNWith2DAssignment()), ("jpda", JPDA())):
        tracks = Tracker(models=(ConstantVelocity(q_h_m2ps3=1.0),), associator=assoc,
                         initiator=MofNInitiator(m=3, n=4), frame_s=0.0,
                         clutter_density_per_km2=5 / 60.0 ** 2).run(obs)
        errs = []
        for truth in truths:
            track, _ = _track_of(tracks, truth.ref)
            k = np.searchsorted(truth.t, track.times_s)
            ok = k < truth.t.size
            errs.append(great_circle_m(track.lat_deg[ok], track.lon_deg[ok], truth.lat[k[ok]],
                                       truth.lon[k[ok]]))
        rmse[name] = float(np.sqrt(np.mean(np.concatenate(errs) ** 2)))
    assert rmse["jpda"] <= 1.2 * rmse["gnn"], rmse
    assert max(rmse.values()) < 120.0, rmse


def test_late_reports_update_the_right_track_out_of_sequence(rng, sim):
    times = sim["T0"] + np.arange(0.0, 600.0, 10.0)
    path = sim["aircraft"]("a", 45.0, -100.0, 10000.0, 45.0, 220.0, times)
    obs = sim["observe"](path, rng, 100.0, 50.0)
    late = (np.arange(len(obs)) % 3 == 1) & (obs.time > times[5])  # a partner's late feed
    tracker = Tracker(models=(ConstantVelocity(q_h_m2ps3=1.0), WindDrift()), frame_s=0.0)
    tracker.add(obs[~late])
    before = tracker.tracks()
    assert len(before) == 1
    tracker.add(obs[late])
    after = tracker.tracks()
    assert len(after) == 1
    assert tracker.stats["oos"] == int(np.count_nonzero(late))
    assert after[0].n_obs == len(obs)
    assert after[0].times_s[-1] == before[0].times_s[-1]  # the state stays at its own time
    from stratowatch.geo import great_circle_m

    err = float(great_circle_m(after[0].lat_deg[-1], after[0].lon_deg[-1], path.lat[-1],
                               path.lon[-1]))
    assert err < 150.0


def _heartbeat(t, lon):
    """A lone report far away (each elsewhere) that only advances the tracker's clock."""
    return Observations([t], [-30.0], [lon], [500.0], sigma_h_m=100.0, ref="heartbeat")


def test_deletion_depends_on_the_model_aircraft_seconds_balloon_days(jet, rng, sim):
    times = sim["T0"] + np.arange(0.0, 900.0, 10.0)
    plane = sim["aircraft"]("aircraft", 45.0, -100.0, 10000.0, 90.0, 230.0, times)
    balloon = sim["balloon"](jet, "balloon", 46.0, -100.0, 19000.0, hours=0.25, every_s=10.0)
    tracker = Tracker(winds=jet, models=(ConstantVelocity(coast_s=60.0),
                                         WindDrift(coast_s=3 * 86400.0)))
    tracker.add(concat([sim["observe"](plane, rng), sim["observe"](balloon, rng)]))
    end = float(times[-1])

    def alive():
        L = tracker._live
        return {tk.observations.ref[0] for tk in tracker.tracks()
                if tk.number in set(L.number[: L.n].tolist())}

    assert alive() == {"aircraft", "balloon"}
    tracker.add(_heartbeat(end + 30.0, 100.0))
    assert alive() == {"aircraft", "balloon"}
    tracker.add(_heartbeat(end + 90.0, 110.0))
    assert alive() == {"balloon"}  # aircraft: gone a minute after its last report
    tracker.add(_heartbeat(end + 2 * 86400.0, 120.0))
    assert alive() == {"balloon"}  # balloon: still coasting two days later
    tracker.add(_heartbeat(end + 3.1 * 86400.0, 130.0))
    assert alive() == set()


@pytest.mark.slow
def test_balloon_hidden_in_the_scenario_simulator_is_tracked_with_p_balloon_09(jet):
    # simulated with stratowatch.sensing.simulate: one floating balloon among 40 aircraft
    # (real trajectories from traffic's samples where available), 20 birds and 20 weather
    # clutter cells, seen for an hour by a radar without a velocity gate (gates opened),
    # an ADS-B receiver, telemetry and a visual observer
    simulate_mod = pytest.importorskip("stratowatch.sensing.simulate")
    sim = simulate_mod.simulate(simulate_mod.Scenario(
        floating=1, ascending=0, aircraft=40, birds=20, clutter=20, duration_s=3600.0, seed=5),
        jet)
    obs = sim.observations
    ref = next(r for r in sim.truth.ref.tolist() if r.startswith("balloon"))
    b_obs = obs[obs.ref == ref]

    tracks = Tracker(winds=jet).run(obs)

    track, n = _track_of(tracks, ref)
    assert n == len(b_obs)
    assert track.times_s[0] == pytest.approx(b_obs.time.min())
    assert track.times_s[-1] == pytest.approx(b_obs.time.max())
    assert set(track.observations.ref.tolist()) == {ref}
    assert track.class_probs["balloon"] >= 0.9
    assert track.p_balloon[-1] >= 0.9
    false_balloons = [tk for tk in tracks if tk is not track and tk.label == "balloon"]
    assert not false_balloons
