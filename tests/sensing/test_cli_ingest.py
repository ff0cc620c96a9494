from __future__ import annotations

from pathlib import Path

import pytest

from stratowatch.cli import main
from stratowatch.sensing import read_observations

DATA = Path(__file__).resolve().parents[1] / "data"


def test_ingest_merges_files_into_one_output(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "obs.csv"
    status = main(["ingest", str(DATA / "sondehub_sample.json"), str(DATA / "aprs_sample.txt"),
                   str(DATA / "visual_reports.csv"), "--out", str(out)])
    assert status == 0
    text = capsys.readouterr().out
    assert "sondehub_sample.json: 3 observations, 2 bad rows" in text
    assert "aprs_sample.txt: 5 observations, 2 bad rows" in text
    assert "line 9" in text
    merged = read_observations(out)
    assert len(merged) == 11 and list(merged.time) == sorted(merged.time)


def test_ingest_asterix_with_and_without_sites(tmp_path: Path, asterix_samples: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("asterix")
    pcap = str(asterix_samples / "cat_034_048.pcap")
    out = tmp_path / "obs.geojson"
    assert main(["ingest", pcap, "--out", str(out)]) == 2
    assert "SAC 25 SIC 204" in capsys.readouterr().err
    assert main(["ingest", pcap, "--sites", str(DATA / "asterix_sites.csv"), "--out",
                 str(out)]) == 0
    assert len(read_observations(out)) == 126


def test_ingest_strict_fails_on_bad_rows_and_unknown_suffix_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(DATA / "bad_rows.csv"), "--strict", "--out",
                 str(tmp_path / "o.csv")]) == 2
    assert "line 3" in capsys.readouterr().err
    assert main(["ingest", str(DATA / "visual_reports.csv"), "--out",
                 str(tmp_path / "o.kml")]) == 2
