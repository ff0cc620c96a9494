"""Track initiation beside established tracks: which reports may start a track, and how much a
young track may claim. Scenes are simulated on a local plane, positions exact (no noise), so
each outcome follows from the rules and not from a random draw."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stratowatch.drift.products import LocalPlane
from stratowatch.errors import ConfigError
from stratowatch.sensing import Observations, concat
from stratowatch.tracking import ConstantVelocity, MofNInitiator, Tracker
from stratowatch.tracking.live import EX_MAX, count_chances

T0 = 1_767_225_600.0
PLANE = LocalPlane(52.0, 4.0)
CLUTTER_PER_KM2 = 200.0  # false reports per frame per km^2 (2e-4 per m^2)


def _reports(ref: str, t: np.ndarray, x: np.ndarray, y: np.ndarray,
             sensor: str = "radar-1") -> Observations:
    lat, lon = PLANE.inverse(np.asarray(x, float), np.asarray(y, float))
    n = len(t)
    return Observations(T0 + np.asarray(t, float), lat, lon, np.full(n, np.nan),
                        sigma_h_m=np.full(n, 1.0), kind="radar", source="sim",
                        sensor_id=sensor, ref=ref)


def _tracker(births_per_km2: float | None = None) -> Tracker:
    return Tracker(models=(ConstantVelocity(q_h_m2ps3=0.05, coast_s=3.0),), winds=None,
                   initiator=MofNInitiator(m=3, n=4, sigma_speed_mps=1.0),
                   clutter_density_per_km2=CLUTTER_PER_KM2,
                   birth_density_per_km2=births_per_km2, frame_s=0.0,
                   default_sigma_h_m=1.0, classify_reports=False)


def _holder(tracks, ref: str, t_s: float):
    """The track holding ``ref``'s report at ``t_s`` (seconds after T0), or None."""
    for tk in tracks:
        o = tk.observations
        if np.any((o.ref == ref) & (np.abs(o.time - (T0 + t_s)) < 1e-3)):
            return tk
    return None


def test_a_target_born_beside_a_track_starts_its_own():
    # A flies east at 1 m/s; at t = 10 s B appears 4 m from A (inside A's gate) and flies
    # north: A took its own report, so B's report is another object's and starts a track
    t_a = np.arange(0.0, 21.0)
    a = _reports("A", t_a, t_a, np.zeros_like(t_a))
    t_b = np.arange(10.0, 21.0)
    b = _reports("B", t_b, np.full(t_b.size, 10.0), 4.0 + (t_b - 10.0))
    tracks = _tracker().run(concat([a, b]))
    track_a, track_b = _holder(tracks, "A", 0.0), _holder(tracks, "B", 10.0)
    assert track_a is not None and track_b is not None and track_a is not track_b
    assert set(track_a.observations.ref.tolist()) == {"A"}
    assert set(track_b.observations.ref.tolist()) == {"B"}
    assert len(track_a.observations) == t_a.size and len(track_b.observations) == t_b.size


def test_a_second_sensors_report_of_a_tracked_object_starts_no_track():
    # a radar tracks an object from t = 0 s; from t = 5 s ADS-B reports it too, 1 m off, in the
    # same frames: the track takes one report per frame, and the other sensor's report beside
    # it is the same object, not a new one
    t = np.arange(0.0, 15.0)
    radar = _reports("A", t, t, np.zeros_like(t), sensor="radar-1")
    t_x = np.arange(5.0, 15.0)
    adsb = _reports("A", t_x, t_x + 1.0, np.zeros_like(t_x), sensor="adsb-1")
    tracks = _tracker().run(concat([radar, adsb]))
    assert len(tracks) == 1
    assert len(tracks[0].observations) == t.size


def _steal_scene() -> Observations:
    # A is tracked from t = 0 s (east at 1 m/s); at t = 10 s a false report C starts a young
    # track 3 m south of A; at t = 11 s A turns south and its report lies 3.2 m from A's
    # prediction but 0.5 m from C's: the young track's broad prior fits it better
    t_a = np.arange(0.0, 11.0)
    a = _reports("A", t_a, t_a, np.zeros_like(t_a))
    turn = _reports("A", np.arange(11.0, 16.0), np.arange(11.0, 16.0), np.full(5, -3.2))
    c = _reports("C", [10.0], [10.5], [-3.0])
    return concat([a, turn, c])


def test_a_young_track_weighed_by_its_odds_of_existing_does_not_steal():
    obs = _steal_scene()
    tracks = _tracker(births_per_km2=CLUTTER_PER_KM2 / 100).run(obs)
    track_a = _holder(tracks, "A", 0.0)
    assert track_a is not None
    assert set(track_a.observations.ref.tolist()) == {"A"}
    assert len(track_a.observations) == 16  # every report of A, the turn included


def test_without_existence_odds_the_young_track_steals_the_report():
    # the same scene with every track taken to be real: the report of A's turn goes to C's
    # track (what the odds of existing prevent; this keeps the scene above discriminating)
    tracks = _tracker(births_per_km2=None).run(_steal_scene())
    track_a = _holder(tracks, "A", 0.0)
    assert track_a is not None
    assert _holder(tracks, "A", 11.0) is not track_a


def test_existence_odds_and_chances_follow_hits_and_misses():
    # tracks 0, 1 and 3 tentative in the frame's box, 2 confirmed: a hit with likelihood ratio
    # L multiplies the odds by 1 - P_D + P_D L, a miss by 1 - P_D; a confirmed track exists;
    # track 3 was only ever reported by a sensor with no report in this frame: no chance
    n = 4
    confirmed = np.array([False, False, True, False])
    lat = np.full(n, 52.0)
    lon = np.full(n, 4.0)
    hit = np.array([True, False, False, False])
    chances = np.ones(n, dtype=np.int64)
    hits = np.ones(n, dtype=np.int64)
    ex = np.array([-3.0, -3.0, -50.0, -3.0])
    sensors = np.array([0b01, 0b01, 0b01, 0b10])
    took = np.array([0b01, 0, 0, 0])
    count_chances(n, confirmed, lat, lon, hit, np.array([52.0]), np.array([4.0]), 0.1,
                  chances, hits, 0.9, np.array([20.0, 0.0, 0.0, 0.0]), ex, 0b01, took, sensors)
    assert ex[0] == pytest.approx(-3.0 + math.log(0.1 + 0.9 * 20.0))
    assert ex[1] == pytest.approx(-3.0 + math.log(0.1))
    assert ex[2] == EX_MAX
    assert ex[3] == -3.0
    assert chances.tolist() == [2, 2, 1, 1] and hits.tolist() == [2, 1, 1, 1]


def test_birth_density_must_be_positive():
    with pytest.raises(ConfigError, match="birth_density"):
        Tracker(birth_density_per_km2=0.0)


def test_a_slow_sensors_object_is_confirmed_among_a_fast_sensors_frames():
    # a balloon reported once a minute by one radar, among an object 1 km away that another
    # radar reports every 10 s: only the frames of a sensor that has seen the balloon are
    # chances for its M-of-N count (counting the other radar's frames as missed detections,
    # it never reached 3 reports in 4 chances)
    t_b = np.arange(0.0, 601.0, 60.0)
    balloon = _reports("B", t_b, 5.0 * t_b / 60.0, np.zeros_like(t_b), sensor="radar-slow")
    t_a = np.arange(5.0, 601.0, 10.0)
    aircraft = _reports("A", t_a, t_a, np.full(t_a.size, 1000.0), sensor="radar-fast")
    tracker = Tracker(models=(ConstantVelocity(q_h_m2ps3=0.05, coast_s=600.0),), winds=None,
                      initiator=MofNInitiator(m=3, n=4, sigma_speed_mps=1.0),
                      clutter_density_per_km2=1e-3, frame_s=0.0, coverage_pad_m=50_000.0,
                      default_sigma_h_m=1.0, classify_reports=False)
    tracks = tracker.run(concat([balloon, aircraft]))
    track_b = _holder(tracks, "B", 0.0)
    assert track_b is not None
    assert set(track_b.observations.ref.tolist()) == {"B"}
    assert len(track_b.observations) == t_b.size
    assert len(tracks) == 2


def test_an_object_seen_by_two_sensors_from_its_first_frame_gets_one_track():
    # radar and ADS-B report one object in the same frames from the start, 1 m apart: one
    # track (the more precise report starts it), not one per sensor
    t = np.arange(0.0, 15.0)
    radar = _reports("A", t, t, np.zeros_like(t), sensor="radar-1")
    adsb = _reports("A", t, t + 1.0, np.zeros_like(t), sensor="adsb-1")
    tracks = _tracker().run(concat([radar, adsb]))
    assert len(tracks) == 1


def test_two_objects_of_one_sensor_side_by_side_get_two_tracks():
    # one radar, two objects 2 m apart from the first frame: a sensor reports an object once
    # per scan, so neither report absorbs the other
    t = np.arange(0.0, 15.0)
    a = _reports("A", t, t, np.zeros_like(t))
    b = _reports("B", t, t, np.full(t.size, 2.5))
    tracks = _tracker().run(concat([a, b]))
    assert sorted(sorted(set(tk.observations.ref.tolist())) for tk in tracks) == [["A"], ["B"]]
