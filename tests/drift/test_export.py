"""Export formats read back the way users read them: json + shapely, csv, ElementTree, Cesium."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import Polygon, shape

from stratowatch.drift.ensemble import Ensemble, MemberStatus
from stratowatch.drift.export import CSV_HEADER, to_czml, to_geojson, to_kml, write_ensemble
from stratowatch.drift.products import LocalPlane
from stratowatch.errors import ConfigError

KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
T0 = 1_700_000_000.0


def drifting(direction: int = 1, k: int = 6, m: int = 300, seed: int = 0) -> Ensemble:
    """A cloud drifting east across the antimeridian at 40 N, spreading as it goes."""
    rng = np.random.default_rng(seed)
    plane = LocalPlane(40.0, 179.0)
    grow = np.arange(1, k + 1)[:, None] * 8e3
    x = np.arange(k)[:, None] * 50e3 * direction + rng.normal(0.0, 1.0, (k, m)) * grow
    y = rng.normal(0.0, 1.0, (k, m)) * grow
    lat, lon = plane.inverse(x, y)
    status = np.zeros((k, m), dtype=np.int8)
    status[3:, :15] = MemberStatus.LEFT_REGION
    status[4:, 15:20] = MemberStatus.LEFT_LEVELS
    status[5:, 20:30] = MemberStatus.GROUND
    alt = np.full((k, m), 18000.0) + rng.normal(0.0, 100.0, (k, m))
    return Ensemble(times_s=T0 + direction * np.arange(k) * 3600.0, lat_deg=lat, lon_deg=lon,
                    alt_m=alt, status=status, direction=direction, profile="float",
                    coverage="gfs 0.5 test box", meta={"seed": np.int64(seed), "note": "x"})


def by_kind(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in doc["features"] if f["properties"]["kind"] == kind]


def decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


# --- GeoJSON ---------------------------------------------------------------------------------


def test_geojson_parses_back_into_valid_shapes_within_longitude_range() -> None:
    doc = json.loads(json.dumps(to_geojson(drifting())))
    assert doc["type"] == "FeatureCollection"
    for feature in doc["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid, feature["id"]
        minx, _, maxx, _ = geom.bounds
        assert minx >= -180.0 and maxx <= 180.0


def test_geojson_median_track_is_split_at_the_antimeridian_with_times() -> None:
    ens = drifting()
    (track,) = by_kind(to_geojson(ens), "median_track")
    assert track["geometry"]["type"] == "MultiLineString"
    west, east = track["geometry"]["coordinates"]
    assert west[-1][0] == 180.0 and east[0][0] == -180.0
    assert west[-1][1:] == east[0][1:]  # the same crossing point on both sides
    assert all(len(p) == 3 for part in (west, east) for p in part)  # lon, lat, alt
    assert len(track["properties"]["times"]) == ens.n_times
    assert track["properties"]["times"][0] == "2023-11-14T22:13:20Z"


def test_geojson_regions_per_time_and_level_with_properties() -> None:
    ens = drifting()
    regions = by_kind(to_geojson(ens, levels=(0.5, 0.9)), "region")
    assert len(regions) == ens.n_times * 2
    for feature in regions:
        props = feature["properties"]
        assert set(props) >= {"time", "lead_s", "level", "n_members", "area_km2"}
        assert props["time"].endswith("Z") and props["level"] in (0.5, 0.9)
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        polys = shape(feature["geometry"])
        for poly in getattr(polys, "geoms", [polys]):
            assert poly.exterior.is_ccw  # RFC 7946 right-hand rule
    assert any(f["geometry"]["type"] == "MultiPolygon" for f in regions)  # crosses 180
    last = [f["properties"] for f in regions if f["properties"]["lead_s"] == 5 * 3600.0]
    assert [p["n_members"] for p in last] == [300 - 20, 300 - 20]  # frozen members left out


def test_geojson_metadata_says_who_left_coverage_and_when() -> None:
    meta = to_geojson(drifting())["metadata"]
    assert meta["profile"] == "float" and meta["coverage"] == "gfs 0.5 test box"
    assert meta["members"] == 300 and meta["direction"] == "forward"
    left = meta["left_coverage"]
    assert left["members"] == 20
    assert left["by_status"] == {"LEFT_LEVELS": 5, "LEFT_REGION": 15}
    assert [w["members"] for w in left["when"]] == [15, 5]
    assert meta["on_ground"] == 10
    assert meta["meta"] == {"seed": 0, "note": "x"}


def test_geojson_final_positions_and_rounding() -> None:
    ens = drifting()
    doc = to_geojson(ens)
    (final,) = by_kind(doc, "final_positions")
    assert final["geometry"]["type"] == "MultiPoint"
    assert len(final["geometry"]["coordinates"]) == int(ens.valid_mask()[-1].sum())
    for lon, lat, alt in final["geometry"]["coordinates"]:
        assert decimals(lon) <= 6 and decimals(lat) <= 6 and decimals(alt) <= 1


def test_geojson_back_trajectory_has_origin_regions_and_cells() -> None:
    ens = drifting(direction=-1)
    doc = to_geojson(ens)
    assert doc["metadata"]["direction"] == "backward"
    origin = by_kind(doc, "origin_region")
    assert [f["properties"]["level"] for f in origin] == [0.5, 0.9]
    assert all(f["properties"]["lead_s"] == -5 * 3600.0 for f in origin)
    cells = by_kind(doc, "origin_cell")
    total = sum(f["properties"]["probability"] for f in cells)
    assert 0.99 <= total <= 1.0 + 1e-6
    assert all(shape(f["geometry"]).is_valid for f in cells)
    assert by_kind(to_geojson(drifting()), "origin_cell") == []  # forward runs: no origin


# --- CSV -------------------------------------------------------------------------------------


def test_csv_has_one_row_per_member_and_time(tmp_path: Path) -> None:
    ens = drifting()
    path = tmp_path / "members.csv"
    write_ensemble(ens, path)
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_HEADER == ("member", "time", "lat", "lon", "alt_m", "status")
    body = rows[1:]
    assert len(body) == ens.n_times * ens.n_members
    assert all(r[1].endswith("Z") for r in body)
    row = body[3 * ens.n_members + 7]  # time 3, member 7 (left the region at time 3)
    assert int(row[0]) == 7 and row[5] == "LEFT_REGION"
    assert float(row[2]) == pytest.approx(ens.lat_deg[3, 7], abs=1e-6)
    assert float(row[3]) == pytest.approx(ens.lon_deg[3, 7], abs=1e-6)
    assert {r[5] for r in body} == {"ACTIVE", "LEFT_REGION", "LEFT_LEVELS", "GROUND"}


# --- KML -------------------------------------------------------------------------------------


def test_kml_parses_with_track_and_timestamped_regions(tmp_path: Path) -> None:
    ens = drifting()
    path = tmp_path / "forecast.kml"
    write_ensemble(ens, path, levels=(0.5, 0.9))
    root = ET.parse(path).getroot()
    assert root.tag == KML + "kml"
    modes = {e.text for e in root.iter(KML + "LineString") for e in e.iter(KML + "altitudeMode")}
    assert modes == {"absolute"}
    track = next(root.iter(GX + "Track"))
    assert len(track.findall(KML + "when")) == len(track.findall(GX + "coord")) == ens.n_times
    stamped = [p for p in root.iter(KML + "Placemark") if p.find(KML + "TimeStamp") is not None]
    assert len(stamped) == ens.n_times * 2
    coords = next(stamped[0].iter(KML + "coordinates")).text
    assert coords is not None
    ring = [tuple(map(float, c.split(","))) for c in coords.split()]
    assert Polygon([c[:2] for c in ring]).is_valid


def test_kml_back_trajectory_has_an_origin_folder() -> None:
    root = ET.fromstring(to_kml(drifting(direction=-1)).encode("utf-8"))
    names = [f.findtext(KML + "name") for f in root.iter(KML + "Folder")]
    assert names == ["Median track", "Regions", "Origin"]


# --- CZML ------------------------------------------------------------------------------------


def test_czml_document_first_then_track_and_regions() -> None:
    ens = drifting()
    packets = json.loads(json.dumps(to_czml(ens)))
    assert isinstance(packets, list)
    doc = packets[0]
    assert doc["id"] == "document" and doc["version"] == "1.0"
    assert doc["clock"]["interval"] == "2023-11-14T22:13:20Z/2023-11-15T03:13:20Z"
    (track,) = [p for p in packets if p["id"] == "median-track"]
    samples = track["position"]["cartographicDegrees"]
    assert len(samples) == 4 * ens.n_times
    assert "path" in track
    regions = [p for p in packets if p["id"].startswith("region-")]
    assert len({p["id"].rsplit("-", 1)[0] for p in regions}) == ens.n_times * 2
    for packet in regions:
        start, end = packet["availability"].split("/")
        assert start <= end
        positions = packet["polygon"]["positions"]["cartographicDegrees"]
        assert len(positions) % 3 == 0 and len(positions) >= 9


def test_czml_back_trajectory_samples_run_forward_in_time() -> None:
    packets = to_czml(drifting(direction=-1))
    (track,) = [p for p in packets if p["id"] == "median-track"]
    offsets = track["position"]["cartographicDegrees"][::4]
    assert offsets == sorted(offsets) and offsets[0] == 0.0
    assert any(p["id"].startswith("origin-region-") for p in packets)


# --- choosing the format, determinism --------------------------------------------------------


@pytest.mark.parametrize(("name", "first"), [("a.geojson", b"{"), ("a.json", b"{"),
                                              ("a.csv", b"member,"), ("a.kml", b"<?xml"),
                                              ("a.czml", b"[")])
def test_format_follows_the_suffix_and_output_is_deterministic(tmp_path: Path, name: str,
                                                               first: bytes) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    write_ensemble(drifting(direction=-1), one / name)
    write_ensemble(drifting(direction=-1), two / name)
    data = (one / name).read_bytes()
    assert data.startswith(first)
    assert data == (two / name).read_bytes()


def test_explicit_format_overrides_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "forecast.txt"
    write_ensemble(drifting(), path, fmt="CZML")
    assert json.loads(path.read_text())[0]["id"] == "document"


def test_unknown_format_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'shapefile'"):
        write_ensemble(drifting(), tmp_path / "a.geojson", fmt="shapefile")
    with pytest.raises(ConfigError, match=r"\.shp"):
        write_ensemble(drifting(), tmp_path / "a.shp")
    assert not (tmp_path / "a.shp").exists()


def test_an_ensemble_that_left_coverage_everywhere_still_exports(tmp_path: Path) -> None:
    ens = drifting(direction=-1)
    ens.status[:, :] = MemberStatus.LEFT_TIME
    for name in ("a.geojson", "a.csv", "a.kml", "a.czml"):
        write_ensemble(ens, tmp_path / name)
    doc = json.loads((tmp_path / "a.geojson").read_text())
    assert [f["properties"]["kind"] for f in doc["features"]] == ["final_positions"]
    assert doc["metadata"]["left_coverage"]["members"] == 300


def test_a_back_trajectory_spread_over_the_globe_gets_coarser_origin_cells() -> None:
    ens = drifting(direction=-1, m=100)
    rng = np.random.default_rng(3)
    ens.lat_deg[-1] = rng.uniform(-60.0, 60.0, 100)
    ens.lon_deg[-1] = rng.uniform(-180.0, 180.0, 100)
    cells = [f for f in to_geojson(ens)["features"] if f["properties"]["kind"] == "origin_cell"]
    assert cells and all(f["properties"]["cell_km"] > 25.0 for f in cells)
