from __future__ import annotations

import math
from pathlib import Path

import pytest

from stratowatch.errors import ConfigError, ParseError
from stratowatch.sensing import (
    SensorSite,
    detect_format,
    polar_to_geodetic,
    read_observations,
    read_sites,
    read_visual,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def test_sites_table_reads_and_rejects_duplicates(tmp_path: Path) -> None:
    sites = read_sites(DATA / "asterix_sites.csv")
    assert len(sites) == 7 and sites[(25, 12)].alt_m == 390.0
    path = tmp_path / "s.csv"
    path.write_text("sac,sic,lat,lon,alt_m\n1,2,3,4,5\n1,2,3,4,5\n")
    with pytest.raises(ParseError, match=r"line 3.*twice"):
        read_sites(path)
    path.write_text("sac,sic,lat,lon,alt_m\n1,300,3,4,5\n")
    with pytest.raises(ParseError, match="sic"):
        read_sites(path)


def test_polar_plot_lands_at_the_ground_range_its_height_implies() -> None:
    site = SensorSite(1, 1, 45.0, 15.0, 0.0)
    lat, lon = polar_to_geodetic(site, [0.0, 100_000.0, 100_000.0], [0.0, 90.0, 90.0],
                                 [0.0, 0.0, 20_000.0])
    from pyproj import Geod

    _, _, ground = Geod(ellps="WGS84").inv([site.lon] * 3, [site.lat] * 3, lon, lat)
    assert ground[0] == pytest.approx(0.0, abs=1e-6)
    assert ground[1] == pytest.approx(100_000.0, rel=1e-4)
    # a target 20 km up at 100 km slant range is about 97.9 km away over the ground
    assert ground[2] == pytest.approx(math.sqrt(100_000.0**2 - 20_000.0**2), rel=5e-3)
    assert lon[1] > site.lon and lat[1] == pytest.approx(site.lat, abs=0.02)


def test_visual_and_optical_reports_get_their_default_uncertainty() -> None:
    obs = read_visual(DATA / "visual_reports.csv")
    assert obs.kind.tolist() == ["visual", "visual", "optical"]
    assert obs.sigma_h_m.tolist() == [5000.0, 5000.0, 800.0]
    assert obs.sigma_v_m.tolist() == [3000.0, 3000.0, 1000.0]
    assert math.isnan(obs.alt_m[1])
    assert read_observations(DATA / "visual_reports.csv", "optical").kind[1] == "optical"
    with pytest.raises(ConfigError):
        read_visual(DATA / "visual_reports.csv", kind="radar")


@pytest.mark.parametrize(("name", "expected"), [
    ("sondehub_sample.json", "sondehub"), ("aprs_sample.txt", "aprs"),
    ("visual_reports.csv", "csv"), ("adsb_rs1090_airborne.jsonl", "adsb"),
    ("bad_rows.csv", "csv"),
])
def test_format_is_detected_from_content(name: str, expected: str) -> None:
    assert detect_format(DATA / name) == expected


def test_hex_lines_and_unknown_text_are_told_apart(tmp_path: Path) -> None:
    hexfile = tmp_path / "msgs"
    hexfile.write_text("1700000000.0,8D40621D58C382D690C8AC2863A7\n")
    assert detect_format(hexfile) == "adsb"
    other = tmp_path / "notes"
    other.write_text("hello world\n")
    with pytest.raises(ParseError, match="cannot tell"):
        detect_format(other)
    with pytest.raises(ConfigError, match="unknown format"):
        read_observations(other, "kml")
