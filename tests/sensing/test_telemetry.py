from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from stratowatch.errors import ParseError
from stratowatch.sensing import read_aprs, read_sondehub
from stratowatch.timeutil import to_iso

DATA = Path(__file__).resolve().parents[1] / "data"


def test_sondehub_list_keeps_one_copy_of_each_frame_and_reports_bad_objects() -> None:
    obs = read_sondehub(DATA / "sondehub_sample.json")
    assert obs.ref.tolist() == ["sonde:T1234567", "sonde:T1234567", "payload:TESTBALLOON-1"]
    assert obs.alt_m[0] == 18250.3 and obs.vz_mps[0] == 5.1
    assert obs.vx_mps[0] == pytest.approx(12.4 * math.sin(math.radians(87.0)))
    assert [b.field for b in obs.skipped] == ["[4].datetime", "[5].lat"]


def test_sondehub_api_nesting_and_json_lines(tmp_path: Path) -> None:
    frames = json.loads((DATA / "sondehub_sample.json").read_text())[:3]
    nested = {"T1234567": {f["datetime"]: f for f in frames}}
    (tmp_path / "n.json").write_text(json.dumps(nested))
    assert len(read_sondehub(tmp_path / "n.json")) == 2
    (tmp_path / "l.json").write_text("\n".join(json.dumps(f) for f in frames) + "\n{oops\n")
    obs = read_sondehub(tmp_path / "l.json")
    assert len(obs) == 2 and obs.skipped[0].line == 4


def test_aprs_positions_times_and_altitudes() -> None:
    obs = read_aprs(DATA / "aprs_sample.txt")
    times = [to_iso(t) for t in obs.time]
    assert times == ["2023-06-01T12:00:05Z", "2023-05-09T23:45:00Z", "2023-05-31T23:45:17Z",
                     "2023-06-01T12:00:00Z", "2023-06-01T12:00:09Z"]
    assert obs.lat[0] == pytest.approx(49 + 3.5 / 60) and obs.lon[0] == pytest.approx(
        -(72 + 1.75 / 60))
    assert obs.alt_m[2] == pytest.approx(1234 * 0.3048)
    assert obs.alt_m[3] == pytest.approx(98425 * 0.3048)
    assert obs.vx_mps[3] == pytest.approx(-16 * 1852 / 3600)
    # the compressed example of the APRS specification: 49.5 N, 72.75 W
    assert obs.lat[4] == pytest.approx(49.5, abs=1e-4)
    assert obs.lon[4] == pytest.approx(-72.75, abs=1e-4)
    assert obs.callsign.tolist()[3:] == ["TEST-11", "TEST-11"]
    assert [b.line for b in obs.skipped] == [9, 10]


def test_aprs_without_any_time_needs_a_reference_time(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("N0CALL>APRS:!4903.50N/07201.75W-\n")
    with pytest.raises(ParseError, match="no time"):
        read_aprs(path)
    obs = read_aprs(path, reference_time="2024-01-01T00:00:00Z")
    assert to_iso(obs.time[0]) == "2024-01-01T00:00:00Z"
