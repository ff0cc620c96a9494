from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.sensing import from_traffic, read_observations, read_traffic

DATA = Path(__file__).resolve().parents[1] / "data"


def sample_files(root: Path) -> list[Path]:
    files = sorted(root.glob("**/*.json.gz"))
    if not files:
        pytest.skip("traffic ships no sample trajectories")
    return files


@pytest.mark.slow
def test_every_traffic_sample_trajectory_converts(traffic_samples: Path) -> None:
    total = 0
    for path in sample_files(traffic_samples):
        obs = read_traffic(path)
        assert obs.skipped == (), path
        if "performance" in path.parts:
            continue
        assert len(obs) > 0, path
        assert np.all(np.abs(obs.lat) <= 90) and np.all(obs.lon < 180)
        assert set(obs.kind.tolist()) == {"adsb"}
        total += len(obs)
    assert total > 100_000


def test_a_sample_flight_keeps_units_and_identity(traffic_samples: Path) -> None:
    path = traffic_samples / "ambulances" / "rega_sg.json.gz"
    if not path.exists():
        pytest.skip("sample not shipped")
    obs = read_observations(path)
    assert obs.icao24[0] == "4b43ac" and obs.callsign[0] == "REGA1"
    assert obs.alt_m[0] == pytest.approx(2525 * 0.3048)
    assert obs.time[0] == 1558612204.0
    speed = np.hypot(obs.vx_mps[0], obs.vy_mps[0])
    assert speed == pytest.approx(44 * 1852 / 3600)


def test_from_traffic_takes_a_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({
        "timestamp": pd.to_datetime(["2024-01-01T00:00:00Z", "2024-01-01T00:00:10Z"]),
        "latitude": [45.0, None], "longitude": [7.0, None], "altitude": [30000.0, 30000.0],
        "icao24": ["abcdef", "abcdef"], "callsign": ["TEST1", "TEST1"]})
    obs = from_traffic(frame)
    assert len(obs) == 1 and obs.time[0] == 1704067200.0 and obs.ref[0] == "icao:abcdef"
