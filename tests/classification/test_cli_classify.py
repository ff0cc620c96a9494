"""`stratowatch classify` as a user runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from stratowatch.cli import main
from stratowatch.sensing import write_observations
from stratowatch.sensing.simulate import Scenario, simulate

COLUMNS = ["ref", "p_balloon", "p_aircraft", "p_clutter", "p_unknown", "label", "reasons"]


@pytest.fixture(scope="module")
def sim_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sim = simulate(Scenario(floating=5, ascending=5, aircraft=5, birds=5, clutter=5, seed=3,
                            real_aircraft=False, duration_s=1800.0))
    path = tmp_path_factory.mktemp("cls") / "obs.csv"
    write_observations(sim.observations, path)
    return path


def test_classify_writes_one_csv_row_per_object(sim_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "classes.csv"
    assert main(["classify", str(sim_csv), "--winds", "builtin:jet", "--out", str(out)]) == 0
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == COLUMNS
    assert len({r["ref"] for r in rows}) == len(rows) > 10
    for r in rows:
        total = sum(float(r[c]) for c in COLUMNS[1:5])
        assert abs(total - 1.0) < 1e-3
        assert r["label"] in {"balloon", "aircraft", "clutter", "unknown"}
    balloons = [r for r in rows if r["ref"].startswith("balloon_float") and
                float(r["p_balloon"]) >= 0.5]
    assert balloons and "wind" in balloons[0]["reasons"]


def test_classify_json_without_winds(sim_csv: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "classes.json"
    assert main(["classify", str(sim_csv), "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert set(doc[0]) == set(COLUMNS) and isinstance(doc[0]["reasons"], list)
    assert "without winds" in capsys.readouterr().err


def test_classify_reports_a_missing_wind_file(sim_csv: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", str(sim_csv), "--winds", "nope.grib2"]) == 2
    assert "no such file" in capsys.readouterr().err
