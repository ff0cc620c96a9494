"""``stratowatch track`` end to end, the output formats, and the public API."""

from __future__ import annotations

import csv
import json

import numpy as np

import stratowatch.tracking as tracking
from stratowatch.cli import main
from stratowatch.sensing import concat, write_observations
from stratowatch.tracking import TABLE_COLUMNS


def _scene(tmp_path, rng, sim):
    times = sim["T0"] + np.arange(0.0, 300.0, 10.0)
    a = sim["aircraft"]("a", 45.0, -100.0, 10000.0, 90.0, 220.0, times)
    b = sim["aircraft"]("b", 45.3, -100.0, 11000.0, 200.0, 200.0, times)
    path = tmp_path / "obs.csv"
    write_observations(concat([sim["observe"](a, rng, source="radar-A"),
                               sim["observe"](b, rng, source="radar-B")]), path)
    return path


def test_track_command_writes_one_csv_row_per_state(tmp_path, rng, sim):
    obs = _scene(tmp_path, rng, sim)
    out = tmp_path / "tracks.csv"
    assert main(["track", str(obs), "--winds", "builtin:jet", "--out", str(out),
                 "--quiet"]) == 0
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0].keys()) == TABLE_COLUMNS
    ids = {r["track_id"] for r in rows}
    assert len(ids) == 2 and all(i.startswith("track--") for i in ids)
    assert len(rows) == 60
    assert {r["sources"] for r in rows} == {"radar-A", "radar-B"}
    assert all(r["time"].endswith("Z") for r in rows)
    assert {r["label"] for r in rows} == {"aircraft"}
    assert all(float(r["p_balloon"]) < 0.1 for r in rows[-5:])


def test_track_command_writes_geojson_lines(tmp_path, rng, sim):
    obs = _scene(tmp_path, rng, sim)
    out = tmp_path / "tracks.jsonl"
    assert main(["track", str(obs), "--out", str(out), "--format", "geojson", "--quiet"]) == 0
    feats = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(feats) == 60
    f = feats[0]
    assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
    assert len(f["geometry"]["coordinates"]) == 3
    assert set(f["properties"]) == set(TABLE_COLUMNS) - {"lat", "lon", "alt_m"}


def test_track_command_weighs_young_tracks_by_a_birth_density(tmp_path, rng, sim, capsys):
    obs = _scene(tmp_path, rng, sim)
    out = tmp_path / "tracks.csv"
    assert main(["track", str(obs), "--births-per-km2", "1e-4", "--out", str(out),
                 "--quiet"]) == 0
    with out.open() as fh:
        assert len({r["track_id"] for r in csv.DictReader(fh)}) == 2
    assert main(["track", str(obs), "--births-per-km2", "0", "--out", str(out)]) == 2
    assert "--births-per-km2" in capsys.readouterr().err


def test_track_command_names_a_bad_option(tmp_path, rng, sim, capsys):
    obs = _scene(tmp_path, rng, sim)
    assert main(["track", str(obs), "--confirm", "x", "--out", str(tmp_path / "t.csv")]) == 2
    assert "--confirm" in capsys.readouterr().err


def test_public_api_is_exactly_the_exported_names():
    exported = {n for n in dir(tracking) if not n.startswith("_")}
    modules = {"association", "classifier", "deletion", "export", "filters", "gating", "imm",
               "initiation", "live", "longgap", "models", "tracker", "types", "classification"}
    assert exported - modules == set(tracking.__all__)


def test_telemetry_reports_one_second_apart_make_one_balloon_track(tmp_path):
    # real-format SondeHub sample (tests/data): two reports of one sonde 1 s apart, one of another
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "data" / "sondehub_sample.json"
    out = tmp_path / "t.csv"
    assert main(["track", str(sample), "--out", str(out), "--quiet"]) == 0
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and len({r["track_id"] for r in rows}) == 1
    assert rows[-1]["label"] == "balloon"
