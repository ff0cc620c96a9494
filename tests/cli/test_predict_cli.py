"""`stratowatch predict` and `backtrack` as a user runs them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stratowatch.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stratowatch", *args], capture_output=True,
                          text=True, timeout=300)


def test_predict_on_the_real_gfs_sample_writes_geojson(gfs_grib: Path, tmp_path: Path) -> None:
    out = tmp_path / "forecast.geojson"
    result = run_cli("predict", "--winds", str(gfs_grib), "--lat", "28.5", "--lon", "-80.6",
                     "--pressure-hpa", "70", "--start", "2017-04-25T18:00Z", "--hours", "9",
                     "--members", "500", "--out", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection"
    levels = {f["properties"].get("level") for f in doc["features"]}
    assert {0.5, 0.9} <= levels
    assert "median end" in result.stderr and "wrote" in result.stderr


def test_predict_csv_has_one_row_per_member_and_time(tmp_path: Path) -> None:
    out = tmp_path / "members.csv"
    assert main(["predict", "--members", "20", "--hours", "3", "--out", str(out),
                 "--quiet"]) == 0
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:5] == ["member", "time", "lat", "lon", "alt_m"]
    assert len(rows) == 20 * 4
    assert rows[0]["time"].endswith("Z")


@pytest.mark.parametrize("fmt", ["kml", "czml"])
def test_predict_chooses_the_format_by_option_or_suffix(fmt: str, tmp_path: Path) -> None:
    by_suffix = tmp_path / f"f.{fmt}"
    assert main(["predict", "--members", "5", "--hours", "2", "--out", str(by_suffix),
                 "--quiet"]) == 0
    by_option = tmp_path / "f.out"
    assert main(["predict", "--members", "5", "--hours", "2", "--out", str(by_option),
                 "--format", fmt, "--quiet"]) == 0
    assert by_suffix.read_bytes() == by_option.read_bytes()


def test_members_1_is_the_deterministic_trajectory(tmp_path: Path) -> None:
    one, det, ens = tmp_path / "one.csv", tmp_path / "det.csv", tmp_path / "ens.csv"
    assert main(["predict", "--members", "1", "--out", str(one), "--quiet"]) == 0
    assert main(["predict", "--members", "3", "--deterministic", "--out", str(det),
                 "--quiet"]) == 0
    assert main(["predict", "--members", "3", "--out", str(ens), "--quiet"]) == 0

    def member0(path: Path) -> list[list[str]]:
        with path.open() as fh:
            return [row[1:] for row in csv.reader(fh) if row[0] == "0"]

    assert member0(one) == member0(det)  # the unperturbed trajectory
    assert member0(ens) != member0(det)  # an ensemble member is perturbed


def test_backtrack_writes_an_origin_map(tmp_path: Path) -> None:
    out = tmp_path / "origin.geojson"
    assert main(["backtrack", "--members", "200", "--hours", "12", "--out", str(out),
                 "--quiet"]) == 0
    doc = json.loads(out.read_text())
    assert any("probability" in f["properties"] for f in doc["features"])


def test_errors_name_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "--winds", str(tmp_path / "none.grib2")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["predict", "--winds", "builtin:nope"]) == 2
    assert "unknown built-in field" in capsys.readouterr().err
    assert main(["predict", "--levels", "0.5,2"]) == 2
    assert "must be in (0, 1]" in capsys.readouterr().err
    assert main(["predict", "--out", str(tmp_path / "x.shp"), "--members", "2",
                 "--hours", "1"]) == 2
    assert "shp" in capsys.readouterr().err


def test_a_start_outside_the_wind_data_states_its_coverage(gfs_grib: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    assert main(["predict", "--winds", str(gfs_grib), "--lat", "45", "--lon", "-80",
                 "--hours", "1"]) == 2
    err = capsys.readouterr().err
    assert "latitude 25.5 to 32.5" in err and "2017-04-25T18:00:00Z" in err


def test_help_documents_every_option() -> None:
    result = run_cli("predict", "--help")
    assert result.returncode == 0
    for option in ("--winds", "--pressure-hpa", "--alt-m", "--members", "--format", "--start",
                   "--hours", "--profile", "--burst-alt-m", "--wind-sigma-mps", "--strict"):
        assert option in result.stdout
