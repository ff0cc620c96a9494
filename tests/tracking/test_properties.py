"""Properties of the tracker on generated report streams (hypothesis): several sensors, reports
with and without height or velocity, in one batch or several. Whatever the stream, the tracker
runs, gives each report to at most one track, takes at most one report per track and frame
(checked on single batches: a scan cut across two batches is two frames of one time), and
counts what it took. Simulated streams."""

from __future__ import annotations

import itertools
import os

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stratowatch.drift.products import LocalPlane
from stratowatch.sensing import Observations, concat
from stratowatch.tracking import JPDA, GNNWith2DAssignment, MofNInitiator, Tracker

T0 = 1_767_225_600.0
PLANE = LocalPlane(45.0, -100.0)
EXAMPLES = int(os.environ.get("STRATOWATCH_PROPERTY_EXAMPLES", "150"))


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Observations], bool, float | None]:
    """Objects moving straight at up to 60 m/s seen by up to three sensors (one reports
    heights, one velocities), false reports, cut into time-ordered batches."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_obj = draw(st.integers(0, 6))
    n_scan = draw(st.integers(1, 25))
    sensors = ["radar-1", "radar-2", "adsb-1"][: draw(st.integers(1, 3))]
    p_d = draw(st.floats(0.3, 1.0))
    clutter = draw(st.integers(0, 8))
    parts = []
    x0 = rng.uniform(-20_000, 20_000, (n_obj, 2))
    v = rng.uniform(-60, 60, (n_obj, 2))
    for k in range(n_scan):
        for s, name in enumerate(sensors):
            t = k * 10.0 + s
            seen = rng.random(n_obj) < p_d
            xy = x0[seen] + v[seen] * t + rng.normal(0, 100, (int(seen.sum()), 2))
            xy = np.vstack([xy, rng.uniform(-30_000, 30_000, (clutter, 2))])
            if not len(xy):
                continue
            lat, lon = PLANE.inverse(xy[:, 0], xy[:, 1])
            n = len(xy)
            alt = rng.uniform(1000, 20000, n) if name == "radar-2" else np.full(n, np.nan)
            vel = np.vstack([v[seen], np.zeros((clutter, 2))]) if name == "adsb-1" else None
            parts.append(Observations(
                T0 + np.full(n, t), lat, lon, alt, sigma_h_m=100.0, kind="radar",
                source="sim", sensor_id=name, vx_mps=None if vel is None else vel[:, 0],
                vy_mps=None if vel is None else vel[:, 1]))
    obs = concat(parts)
    cuts = sorted(draw(st.lists(st.integers(0, max(len(obs), 1)), max_size=3)))
    order = np.argsort(obs.time, kind="stable")
    bounds = [0, *cuts, len(obs)]
    batches = [obs[order[a:b]] for a, b in itertools.pairwise(bounds) if b > a]
    jpda = draw(st.booleans())
    births = draw(st.sampled_from([None, 1e-4, 1.0]))
    return batches, jpda, births


@settings(max_examples=EXAMPLES, deadline=None)
@given(streams())
def test_every_report_goes_to_at_most_one_track_once_per_frame(case) -> None:
    batches, jpda, births = case
    tracker = Tracker(winds=None, associator=JPDA() if jpda else GNNWith2DAssignment(),
                      initiator=MofNInitiator(m=2, n=3), clutter_density_per_km2=0.01,
                      birth_density_per_km2=births, frame_s=0.0, classify_reports=False)
    for batch in batches:
        tracker.add(batch)
    tracks = tracker.tracks(include_tentative=True)
    keys = [(float(t), float(la), float(lo), s) for tk in tracks
            for t, la, lo, s in zip(tk.observations.time, tk.observations.lat,
                                    tk.observations.lon, tk.observations.sensor_id,
                                    strict=True)]
    assert len(keys) == len(set(keys)), "a report is in two tracks, or twice in one"
    assert len(keys) <= sum(len(b) for b in batches)
    for tk in tracks:
        times = tk.observations.time
        if len(batches) == 1:  # a scan cut across two batches makes two frames of one time
            assert len(np.unique(times)) == len(times), "two reports of one frame in one track"
        assert tk.n_obs == len(tk.observations)
        assert np.all(np.isfinite(tk.lat_deg)) and np.all(np.isfinite(tk.lon_deg))
        assert 0.0 <= tk.class_probs["balloon"] <= 1.0
