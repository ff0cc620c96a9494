"""The classifier's pieces: velocities from positions, reasons, the no-wind path, speed."""

from __future__ import annotations

import time

import numpy as np

from stratowatch.geo import EARTH_RADIUS_M
from stratowatch.sensing import Observations, concat
from stratowatch.tracking.classification import LABELS, classify, extract_features
from stratowatch.winds import UniformWind


def _straight(ref: str, speed_e_mps: float, alt_m: float, n: int = 60, step_s: float = 10.0,
              noise_m: float = 0.0, seed: int = 0, vz_mps: float = 0.0,
              kind: str = "radar") -> Observations:
    rng = np.random.default_rng(seed)
    t = 1.7e9 + np.arange(n) * step_s
    east = speed_e_mps * (t - t[0]) + rng.normal(0, noise_m, n) if noise_m else \
        speed_e_mps * (t - t[0])
    lat = np.full(n, 45.0)
    lon = -100.0 + np.degrees(east / (EARTH_RADIUS_M * np.cos(np.radians(45.0))))
    return Observations(t, lat, lon, alt_m + vz_mps * (t - t[0]), kind=kind, ref=ref,
                        sigma_h_m=max(noise_m, 1.0), sigma_v_m=50.0)


def test_velocity_is_estimated_from_positions_by_least_squares() -> None:
    f = extract_features(_straight("a", 23.0, 18000.0, noise_m=100.0))
    assert abs(f.speed_mps[0] - 23.0) < 3.0
    assert abs(f.vz_mps[0]) < 1.0 and f.duration_s[0] == 590.0


def test_reported_velocities_are_used_when_present() -> None:
    obs = _straight("a", 23.0, 18000.0)
    cols = obs.columns()
    cols["vx_mps"] = np.full(len(obs), 50.0)
    cols["vy_mps"] = np.zeros(len(obs))
    f = extract_features(Observations.from_columns(cols))
    assert f.speed_mps[0] == 50.0


def test_a_slow_high_object_moving_with_the_wind_is_a_balloon_and_says_why() -> None:
    winds = UniformWind(20.0, 0.0)
    c = classify(_straight("b", 21.0, 18500.0, noise_m=150.0, n=120), winds)
    assert c.label[0] == "balloon" and c.p_balloon[0] > 0.9
    text = " ".join(c.reasons[0])
    assert "m/s" in text and "wind" in text and "for balloon" in text
    assert np.isclose(c.probabilities.sum(), 1.0)


def test_the_same_object_against_the_wind_is_not_a_balloon() -> None:
    winds = UniformWind(-25.0, 0.0)  # it flies 46 m/s through the air
    c = classify(_straight("b", 21.0, 18500.0, noise_m=150.0, n=120), winds)
    assert c.p_balloon[0] < 0.5
    assert any("through the air" in r for r in c.reasons[0])


def test_a_fast_aircraft_is_an_aircraft_without_winds() -> None:
    c = classify(_straight("c", 230.0, 11000.0, noise_m=100.0))
    assert c.label[0] == "aircraft" and c.p("aircraft")[0] > 0.9


def test_a_single_plot_is_mostly_unknown_or_low_confidence() -> None:
    obs = Observations([1.7e9], [45.0], [-100.0], [5000.0], kind="radar", ref="x")
    c = classify(obs)
    assert c.p_balloon[0] < 0.5 and c.label[0] in LABELS


def test_reports_without_ref_are_each_their_own_object() -> None:
    obs = Observations([1.7e9, 1.7e9 + 10], [45.0, 45.1], [-100.0, -100.0], [5000.0, 5000.0])
    assert len(classify(obs)) == 2


def test_classification_is_vectorised_thousands_of_tracks_in_seconds() -> None:
    tracks = [_straight(f"t{i}", float(10 + i % 200), 1000.0 + 10.0 * i, n=30, seed=i,
                        noise_m=50.0) for i in range(3000)]
    obs = concat(tracks)
    began = time.perf_counter()
    c = classify(obs, UniformWind(10.0, 0.0))
    assert len(c) == 3000
    assert time.perf_counter() - began < 20.0
