"""Wind fields: gridded (GRIB2, NetCDF, Zarr, ERA5-style, ensembles), soundings, analytic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from stratowatch.errors import ConfigError, CoverageError, ParseError
from stratowatch.geo import EARTH_RADIUS_M, to_unit
from stratowatch.winds import (
    GriddedWindField,
    SolidBodyRotation,
    UniformWind,
    ZonalJet,
    open_winds,
    parse_wyoming,
)

T0 = np.datetime64("2026-03-01T00:00", "ns")


def linear_dataset(global_grid: bool = False, members: int = 0,
                   west_deg: float = 0.0) -> xr.Dataset:
    """u, v linear in time, latitude and longitude (regional grid; interpolation is exact), or
    with a periodic longitude term on a global grid starting at ``west_deg``."""
    lat = np.arange(-10.0, 10.1, 2.0)
    lon = np.arange(west_deg, west_deg + 360.0, 5.0) if global_grid else np.arange(
        100.0, 121.0, 4.0)
    levels = np.array([200.0, 100.0, 50.0])
    times = T0 + np.arange(3) * np.timedelta64(6, "h")
    hours = np.arange(3) * 6.0
    gh = np.array([11800.0, 16200.0, 20600.0])
    shape = (3, 3, lat.size, lon.size)
    t4 = hours[:, None, None, None]
    lat4 = lat[None, None, :, None]
    lon4 = lon[None, None, None, :]
    k4 = np.arange(3)[None, :, None, None]
    lon_term = 5.0 * np.sin(np.radians(lon4)) if global_grid else 0.1 * lon4
    u = 1.0 + 0.5 * t4 + 0.3 * lat4 + lon_term + 2.0 * k4
    v = -2.0 + 0.25 * t4 - 0.2 * lat4 + 1.0 * k4 + np.zeros(shape)
    h = np.broadcast_to(gh[None, :, None, None], shape).copy()
    dims = ("time", "isobaricInhPa", "latitude", "longitude")
    data = {"u": (dims, u), "v": (dims, v), "gh": (dims, h)}
    coords = {"time": times, "isobaricInhPa": levels, "latitude": lat, "longitude": lon}
    if members:
        dims = ("number", *dims)
        data = {k: (dims, np.stack([val + 10.0 * m for m in range(members)]) if k != "gh" else
                    np.stack([val] * members)) for k, (_, val) in data.items()}
        coords["number"] = np.arange(members)
    return xr.Dataset(data, coords=coords)


def geometric(gh: float) -> float:
    return EARTH_RADIUS_M * gh / (EARTH_RADIUS_M - gh)


def test_gridded_interpolation_is_linear_in_time_lat_lon_and_height() -> None:
    field = GriddedWindField.from_dataset(linear_dataset())
    when = T0 + np.timedelta64(9, "h")
    # halfway between the 200 and 100 hPa heights (geometric)
    alt = 0.5 * (geometric(11800.0) + geometric(16200.0))
    u, v = field.sample(when, 3.3, 107.5, alt)
    assert u == pytest.approx(1.0 + 0.5 * 9 + 0.3 * 3.3 + 0.1 * 107.5 + 1.0, abs=1e-4)
    assert v == pytest.approx(-2.0 + 0.25 * 9 - 0.2 * 3.3 + 0.5, abs=1e-4)


def test_isobaric_sampling_interpolates_in_log_pressure_and_reports_altitude() -> None:
    field = GriddedWindField.from_dataset(linear_dataset())
    p = float(np.sqrt(200.0 * 100.0))  # halfway in log-pressure
    u, _v, alt = field.sample_pressure(T0, 0.0, 110.0, p)
    assert u == pytest.approx(1.0 + 0.1 * 110.0 + 1.0, abs=1e-4)
    assert alt == pytest.approx(0.5 * (geometric(11800.0) + geometric(16200.0)), abs=0.01)


@pytest.mark.parametrize("west_deg", [0.0, -180.0])
def test_global_grid_is_periodic_in_longitude(west_deg: float) -> None:
    field = GriddedWindField.from_dataset(linear_dataset(global_grid=True, west_deg=west_deg))
    a = field.sample(T0, 1.0, 359.9, 15000.0)
    b = field.sample(T0, 1.0, -0.1, 15000.0)
    np.testing.assert_allclose(a, b, atol=1e-9)
    # across the seam between the last and first columns: linear between 355 and 360 (= 0)
    u_355 = field.sample(T0, 1.0, 355.0, 15000.0)[0]
    u_0 = field.sample(T0, 1.0, 0.0, 15000.0)[0]
    u_358 = field.sample(T0, 1.0, -2.0, 15000.0)[0]
    assert u_358 == pytest.approx(0.4 * u_355 + 0.6 * u_0, abs=1e-5)
    assert u_0 - u_355 == pytest.approx(5.0 * np.sin(np.radians(5.0)), abs=1e-4)
    assert field.coverage.lon_range_deg is None


@pytest.mark.parametrize(
    ("point", "reason"),
    [((T0, 12.0, 110.0, 15000.0), "outside the region"),
     ((T0, 0.0, 130.0, 15000.0), "outside the region"),
     ((T0 + np.timedelta64(13, "h"), 0.0, 110.0, 15000.0), "outside the valid times"),
     ((T0, 0.0, 110.0, 25000.0), "outside the vertical levels")])
def test_points_outside_coverage_fail_with_the_coverage_stated(point: tuple, reason: str) -> None:
    field = GriddedWindField.from_dataset(linear_dataset())
    with pytest.raises(CoverageError) as err:
        field.sample(*point)
    text = str(err.value)
    assert reason in text
    assert "covers times 2026-03-01T00:00:00Z to 2026-03-01T12:00:00Z" in text
    assert "latitude -10 to 10, longitude 100 to 120" in text
    assert "pressure 200 to 50 hPa" in text


def test_sample_covered_marks_what_the_field_does_not_cover() -> None:
    # inside; outside the region; outside the levels; no height; a longitude past 180 that
    # wraps onto the global grid's -170
    field = GriddedWindField.from_dataset(linear_dataset())
    t = np.full(4, T0.astype("datetime64[s]").astype(np.int64), dtype=np.float64)
    u, v, ok = field.sample_covered(t, [3.3, 12.0, 0.0, 0.0], [107.5, 110.0, 110.0, 110.0],
                                    [15000.0, 15000.0, 25000.0, np.nan])
    assert ok.tolist() == [True, False, False, False]
    expect = field.sample(T0, 3.3, 107.5, 15000.0)
    assert (u[0], v[0]) == pytest.approx(tuple(float(x) for x in expect))
    assert u[1:].tolist() == [0.0, 0.0, 0.0] and v[1:].tolist() == [0.0, 0.0, 0.0]
    world = GriddedWindField.from_dataset(linear_dataset(global_grid=True, west_deg=-180.0))
    u, v, ok = world.sample_covered(t[:1], [1.0], [190.0], [15000.0])
    there = tuple(float(x) for x in world.sample(T0, 1.0, -170.0, 15000.0))
    assert ok[0] and (u[0], v[0]) == pytest.approx(there)


def test_a_process_with_ecCodes_psycopg_and_pyproj_works_and_exits_cleanly() -> None:
    # ecCodes' wheels load their libraries globally (OpenLDAP, PROJ, SQLite...): loaded before
    # psycopg and pyproj, the process died at exit (status 139) and pyproj could not set its
    # database path; stratowatch.winds loads them first
    for name in ("eccodes", "psycopg", "pyproj"):
        pytest.importorskip(name)
    code = ("import stratowatch.winds, eccodes, psycopg, pyproj; "
            "print(pyproj.CRS('EPSG:4326').name)")
    run = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "WGS 84"


def test_below_the_lowest_level_the_lowest_wind_holds_and_says_so() -> None:
    field = GriddedWindField.from_dataset(linear_dataset())
    low = field.sample(T0, 0.0, 110.0, 100.0)
    bottom = field.sample(T0, 0.0, 110.0, geometric(11800.0))
    np.testing.assert_allclose(low, bottom)
    assert "below the lowest level's height its wind holds" in field.coverage.describe()


def test_era5_style_names_geopotential_and_pascal_levels(tmp_path: Path) -> None:
    ds = linear_dataset().rename({"isobaricInhPa": "pressure_level", "time": "valid_time",
                                  "gh": "z", "latitude": "latitude"})
    ds = ds.assign_coords(pressure_level=ds.pressure_level * 100.0)
    ds["pressure_level"].attrs["units"] = "Pa"
    ds["z"] = ds["z"] * 9.80665
    ds["z"].attrs["units"] = "m**2 s**-2"
    ds = ds.isel(latitude=slice(None, None, -1))  # north to south, as ERA5 ships it
    path = tmp_path / "era5.nc"
    ds.to_netcdf(path)
    field = open_winds(path)
    ref = GriddedWindField.from_dataset(linear_dataset())
    args = (T0 + np.timedelta64(3, "h"), 2.5, 111.0, 17000.0)
    np.testing.assert_allclose(field.sample(*args), ref.sample(*args), atol=1e-4)


def test_zarr_store_reads_like_netcdf(tmp_path: Path) -> None:
    path = tmp_path / "winds.zarr"
    linear_dataset().to_zarr(path)
    field = open_winds(path)
    ref = GriddedWindField.from_dataset(linear_dataset())
    args = (T0 + np.timedelta64(5, "h"), -3.0, 104.0, 19000.0)
    np.testing.assert_allclose(field.sample(*args), ref.sample(*args), atol=1e-5)


def test_ensemble_members_use_their_own_winds() -> None:
    field = GriddedWindField.from_dataset(linear_dataset(members=3))
    assert field.n_members == 3
    assert field.coverage.members == 3
    u = [float(field.sample(T0, 0.0, 110.0, 15000.0, member=m)[0]) for m in range(4)]
    assert u[1] - u[0] == pytest.approx(10.0, abs=1e-4)
    assert u[2] - u[0] == pytest.approx(20.0, abs=1e-4)
    assert u[3] == pytest.approx(u[0])  # member 3 wraps onto weather member 0


def test_single_time_needs_steady() -> None:
    ds = linear_dataset().isel(time=[0])
    with pytest.raises(ConfigError, match="steady"):
        GriddedWindField.from_dataset(ds)
    field = GriddedWindField.from_dataset(ds, steady=True)
    assert "any time (steady)" in field.coverage.describe()
    a = field.sample(T0 + np.timedelta64(30, "D"), 0.0, 110.0, 15000.0)
    np.testing.assert_allclose(a, field.sample(T0, 0.0, 110.0, 15000.0))


@pytest.mark.parametrize("west_deg", [0.0, -180.0])
@pytest.mark.parametrize(("lon_min", "lon_max"), [(170.0, -170.0), (-40.0, -30.0),
                                                  (-5.0, 5.0), (100.0, 120.0)])
def test_region_and_time_window_load_only_what_is_needed(west_deg: float, lon_min: float,
                                                         lon_max: float) -> None:
    full = GriddedWindField.from_dataset(linear_dataset(global_grid=True, west_deg=west_deg))
    cut = GriddedWindField.from_dataset(
        linear_dataset(global_grid=True, west_deg=west_deg), region=(-4.0, 4.0, lon_min, lon_max),
        time_window=("2026-03-01T06:00Z", "2026-03-01T08:00Z"))
    assert cut.kernel.data.nbytes < full.kernel.data.nbytes / 5
    when = T0 + np.timedelta64(7, "h")
    width = (lon_max - lon_min) % 360.0
    for lon in lon_min + width * np.linspace(0.0, 1.0, 7):
        args = (when, 1.0, lon, 15000.0)
        np.testing.assert_allclose(cut.sample(*args), full.sample(*args), atol=1e-9)
    with pytest.raises(CoverageError):
        cut.sample(when, 1.0, lon_min + width / 2 + 180.0, 15000.0)


def test_missing_variable_is_a_parse_error_naming_the_file() -> None:
    with pytest.raises(ParseError, match=r"mine\.nc.*geopotential height"):
        GriddedWindField.from_dataset(linear_dataset().drop_vars("gh"), source="mine.nc")


def test_real_gfs_grib2_and_netcdf_hold_the_same_winds(gfs_grib: Path, gfs_nc: Path) -> None:
    grib, nc = open_winds(gfs_grib), open_winds(gfs_nc)
    rng = np.random.default_rng(3)
    n = 500
    t = np.datetime64("2017-04-25T18:00", "ns") + (rng.uniform(0, 9, n) * 3600e9).astype(
        "timedelta64[ns]")
    lat, lon = rng.uniform(25.5, 32.5, n), rng.uniform(-87.5, -74.5, n)
    alt = rng.uniform(1000, 40000, n)
    for a, b in zip(grib.sample(t, lat, lon, alt), nc.sample(t, lat, lon, alt), strict=True):
        np.testing.assert_allclose(a, b, atol=0.01)
    assert grib.coverage == nc.coverage


def test_real_sounding_reads_winds_and_station(sounding_path: Path) -> None:
    field = open_winds(sounding_path)
    # first row: 1005 hPa, 88 m, from 280 degrees at 17 knots
    u, v = field.sample("2012-06-22T12:00Z", 50.2, -5.3, geometric(88.0))
    speed = 17 * 0.514444
    assert u == pytest.approx(-speed * np.sin(np.radians(280)), abs=1e-3)
    assert v == pytest.approx(-speed * np.cos(np.radians(280)), abs=1e-3)
    text = field.coverage.describe()
    assert "station 3808" in text and "2012-06-22T12:00:00Z" in text
    # a level of the table: 100 hPa, 16420 m, from 220 at 20 knots
    u, v, alt = field.sample_pressure(0, 0.0, 0.0, 100.0)
    assert alt == pytest.approx(geometric(16420.0), abs=0.01)
    assert u == pytest.approx(-20 * 0.514444 * np.sin(np.radians(220)), abs=1e-3)


def test_sounding_with_a_bad_number_names_the_line() -> None:
    text = """
   PRES   HGHT   TEMP   DWPT   RELH   MIXR   DRCT   SKNT   THTA   THTE   THTV
    hPa     m      C      C      %    g/kg    deg   knot     K      K      K
-----------------------------------------------------------------------------
 1000.0    100   14.6   11.6     82   8.60    280     17  287.3  311.6  288.8
  900.0    9x0   13.4    9.8     79   7.64    276     20  286.4  307.9  287.7
"""
    with pytest.raises(ParseError, match=r"snd\.txt, line 6: not a number"):
        parse_wyoming(text, source="snd.txt")
    with pytest.raises(ParseError, match="not a Wyoming"):
        parse_wyoming("hello", source="x.txt")


def test_solid_body_rotation_velocity_is_omega_cross_r() -> None:
    field = SolidBodyRotation(30.0, 40.0, 1e-5)
    lat, lon, alt = 10.0, -50.0, 20000.0
    u, v = field.sample(0, lat, lon, alt)
    r = (EARTH_RADIUS_M + alt) * to_unit(lat, lon)
    vel = 1e-5 * np.cross(to_unit(30.0, 40.0), r)
    phi, lam = np.radians(lat), np.radians(lon)
    east = np.array([-np.sin(lam), np.cos(lam), 0.0])
    north = np.array([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)])
    assert u == pytest.approx(vel @ east, rel=1e-9)
    assert v == pytest.approx(vel @ north, rel=1e-9)


def test_uniform_and_jet_fields_cover_everything() -> None:
    assert UniformWind(3.0, -4.0).sample(1e9, 89.0, 179.0, 30000.0) == (3.0, -4.0)
    u, v = ZonalJet().sample(0, 45.0, 0.0, 18000.0)
    assert u == pytest.approx(30.0)
    assert abs(v) <= 10.0
