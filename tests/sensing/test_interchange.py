from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratowatch.errors import ParseError
from stratowatch.sensing import (
    KINDS,
    Observations,
    read_csv,
    read_geojson,
    read_observations,
    write_csv,
    write_geojson,
    write_observations,
)
from stratowatch.sensing.csvio import format_csv, parse_csv_text
from stratowatch.sensing.geojsonio import format_geojson, parse_geojson_text

DATA = Path(__file__).resolve().parents[1] / "data"


def sample() -> Observations:
    return Observations(
        [1.7e9, 1.7e9 + 0.25, 1.7e9 + 60], [10.0, -45.5, 89.9], [179.9, -180.0, 0.0],
        [18000.0, np.nan, -10.0], sensor_id=["r1", "", "cam,1"], source="test",
        kind=["radar", "visual", "telemetry"], sigma_h_m=[100.0, 5000.0, np.nan],
        vx_mps=[1.5, np.nan, -2.0], icao24=["abc123", "", ""], callsign=['BAL"1', "", ""],
        category=["B2", "", ""], rcs_dbsm=[-20.0, np.nan, np.nan], ref=["a", "b", "line\nbreak"])


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".parquet"])
def test_round_trip_through_each_interchange_format(tmp_path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    path = tmp_path / f"obs{suffix}"
    write_observations(sample(), path)
    back = read_observations(path)
    assert back.equals(sample(), atol=1e-6)
    assert back.skipped == ()


row = st.fixed_dictionaries({
    "time": st.floats(0, 4e9).map(lambda t: round(t, 3)),
    "lat": st.floats(-90, 90), "lon": st.floats(-180, 179.999),
    "alt_m": st.one_of(st.just(np.nan), st.floats(-500, 50000)),
    "kind": st.sampled_from(("", *KINDS)),
    "callsign": st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=8),
    "vz_mps": st.one_of(st.just(np.nan), st.floats(-100, 100)),
})


@settings(max_examples=150, deadline=None)
@given(st.lists(row, max_size=6))
def test_generated_batches_survive_csv_and_geojson(rows: list[dict[str, object]]) -> None:
    keys = ("time", "lat", "lon", "alt_m", "kind", "callsign", "vz_mps")
    cols = {k: [r[k] for r in rows] for k in keys}
    obs = Observations.from_columns(cols)
    csv_back = parse_csv_text(format_csv(obs), "mem")
    geo_back = parse_geojson_text(format_geojson(obs), "mem")
    for back in (csv_back, geo_back):
        assert back.equals(obs, atol=1e-6)


def test_bad_rows_are_kept_out_and_reported_with_line_numbers() -> None:
    obs = read_csv(DATA / "bad_rows.csv")
    assert len(obs) == 2  # line 2, and line 6 whose longitude 200 wraps to -160
    assert obs.lon.tolist() == [20.0, -160.0]
    assert [b.line for b in obs.skipped] == [3, 4, 5, 7]
    assert [b.field for b in obs.skipped] == ["lat", "time", "kind", None]
    assert "zeppelin" in str(obs.skipped[2])


def test_strict_reading_rejects_a_file_with_any_bad_row() -> None:
    with pytest.raises(ParseError, match=r"line 3.*line 4.*line 5.*line 7"):
        read_csv(DATA / "bad_rows.csv", strict=True)


def test_a_file_whose_rows_are_all_bad_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "all_bad.csv"
    path.write_text("time,lat,lon,alt_m\nnope,1,2,3\n2020-01-01,x,2,3\n")
    with pytest.raises(ParseError, match="no usable rows") as info:
        read_csv(path)
    assert info.value.line == 2


def test_header_only_csv_is_an_empty_batch_and_missing_columns_an_error(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("time,lat,lon,alt_m\n")
    assert len(read_csv(path)) == 0
    path.write_text("time,lat,alt\n")
    with pytest.raises(ParseError, match="lon, alt_m"):
        read_csv(path)


def test_geojson_bad_features_are_named_by_index(tmp_path: Path) -> None:
    path = tmp_path / "g.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ['
                    '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2, 3]},'
                    ' "properties": {"time": "2020-01-01T00:00:00Z"}},'
                    '{"type": "Feature", "geometry": {"type": "LineString", "coordinates": []},'
                    ' "properties": {}}]}')
    obs = read_geojson(path)
    assert len(obs) == 1 and obs.alt_m[0] == 3.0
    assert obs.skipped[0].field == "features[1].geometry"


def test_csv_and_geojson_writers_accept_empty_batches(tmp_path: Path) -> None:
    write_csv(Observations.empty(), tmp_path / "e.csv")
    write_geojson(Observations.empty(), tmp_path / "e.geojson")
    assert len(read_csv(tmp_path / "e.csv")) == 0
    assert len(read_geojson(tmp_path / "e.geojson")) == 0


def test_parquet_stores_time_as_utc_timestamps(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    write_observations(sample(), tmp_path / "o.parquet")
    table = pq.read_table(tmp_path / "o.parquet")
    assert str(table.schema.field("time").type) == "timestamp[us, tz=UTC]"
    assert table.column("icao24").null_count == 2
