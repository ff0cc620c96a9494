"""Long-gap association across partners, and two close balloons never swapped (simulated)."""

from __future__ import annotations

import numpy as np

from stratowatch.drift import Ensemble
from stratowatch.geo import great_circle_m
from stratowatch.sensing import concat
from stratowatch.tracking import Tracker


def test_balloon_seen_by_a_then_36h_later_by_b_2000km_downwind_is_joined(jet, rng, sim):
    path = sim["balloon"](jet, "balloon-1", 45.0, -100.0, 18000.0, hours=42.0, every_s=600.0)
    t = path.t - path.t[0]
    seen_a = t <= 3 * 3600.0
    seen_b = t >= 39 * 3600.0
    obs = concat([sim["observe"](path, rng, 300.0, source="partner-A", keep=seen_a),
                  sim["observe"](path, rng, 300.0, source="partner-B", keep=seen_b)])
    a_end = np.flatnonzero(seen_a)[-1]
    b_start = np.flatnonzero(seen_b)[0]
    apart_m = float(great_circle_m(path.lat[a_end], path.lon[a_end], path.lat[b_start],
                                   path.lon[b_start]))
    assert apart_m > 2_000_000.0  # the premise: B is more than 2,000 km downwind

    tracks = Tracker(winds=jet).run(obs)

    assert len(tracks) == 1
    track = tracks[0]
    assert track.sources == ("partner-A", "partner-B")
    assert track.n_obs == len(obs)
    assert len(track.joins) == 1
    join = track.joins[0]
    assert isinstance(join.forecast, Ensemble)  # the forecast that justified the join
    assert join.gap_s >= 36 * 3600.0 - 1.0
    assert join.distance_m > 2_000_000.0
    assert join.earlier_sources == ("partner-A",)
    assert join.later_sources == ("partner-B",)
    assert join.miss_m < 100_000.0
    assert track.class_probs["balloon"] >= 0.9


def test_two_balloons_released_300km_apart_the_same_day_are_never_swapped(jet, rng, sim):
    # simulated: the drift engine on an analytic jet; 300 km apart across the jet, released
    # three hours apart, reported every 20 min with a 12 h silence in the middle
    a = sim["balloon"](jet, "balloon-a", 44.0, -100.0, 18000.0, hours=48.0, every_s=1200.0)
    b = sim["balloon"](jet, "balloon-b", 46.7, -100.0, 18000.0, hours=48.0, every_s=1200.0,
                       start=sim["T0"] + 3 * 3600.0)
    assert abs(float(great_circle_m(a.lat[0], a.lon[0], b.lat[0], b.lon[0])) - 300e3) < 5e3
    parts = []
    for path in (a, b):
        t = path.t - path.t[0]
        keep = (t < 18 * 3600.0) | (t > 30 * 3600.0)
        parts.append(sim["observe"](path, rng, 500.0, source="radar", keep=keep))
    tracks = Tracker(winds=jet).run(concat(parts))

    assert len(tracks) == 2
    for track in tracks:
        refs = set(track.observations.ref.tolist())
        assert len(refs) == 1, f"track {track.number} mixes {refs}"
    assert {next(iter(set(tk.observations.ref.tolist()))) for tk in tracks} == {
        "balloon-a", "balloon-b"}
    assert all(len(tk.joins) == 1 for tk in tracks)
