"""Acceptance of the integrator: exact solutions, an independent integration, reversibility."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from stratowatch.drift import FloatProfile, MemberStatus, Perturbation, forecast
from stratowatch.errors import CoverageError
from stratowatch.geo import EARTH_RADIUS_M, from_unit, great_circle_m, rotate, to_unit
from stratowatch.timeutil import to_epoch_s
from stratowatch.winds import SolidBodyRotation, UniformWind, WindField, open_winds

GFS_START = "2017-04-25T18:00Z"


def run_points(field: WindField, lats: np.ndarray, lons: np.ndarray, alt_m: float,
               hours: float, step_s: float = 300.0) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic trajectories from many start points (one run per start)."""
    ends_lat, ends_lon = [], []
    for la, lo in zip(lats, lons, strict=True):
        ens = forecast(field, start=0.0, lat_deg=float(la), lon_deg=float(lo),
                       profile=FloatProfile(alt_m=alt_m), duration_s=hours * 3600, members=1,
                       step_s=step_s, output_every_s=hours * 3600)
        ends_lat.append(ens.lat_deg[-1, 0])
        ends_lon.append(ens.lon_deg[-1, 0])
    return np.array(ends_lat), np.array(ends_lon)


def test_solid_body_rotation_about_a_tilted_axis_is_exact_after_72_hours() -> None:
    axis_lat, axis_lon = 35.0, -60.0
    field = SolidBodyRotation.with_speed(axis_lat, axis_lon, 25.0)
    rng = np.random.default_rng(7)
    lats = np.concatenate([rng.uniform(-89.5, 89.5, 40), [89.7, -89.9, 0.0, 55.0]])
    lons = np.concatenate([rng.uniform(-180, 180, 40), [10.0, 170.0, 179.99, -179.99]])
    alt = 19000.0
    end_lat, end_lon = run_points(field, lats, lons, alt, 72.0)
    exact = rotate(to_unit(lats, lons), to_unit(axis_lat, axis_lon),
                   np.full(lats.size, field.omega_radps * 72 * 3600))
    ex_lat, ex_lon = from_unit(exact)
    err_m = great_circle_m(end_lat, end_lon, ex_lat, ex_lon, EARTH_RADIUS_M + alt)
    print(f"solid-body 72 h: worst error {err_m.max():.3g} m over {lats.size} starts")
    assert err_m.max() < 100.0, f"worst {err_m.max():.1f} m"


def test_trajectory_over_a_pole_and_across_the_antimeridian_is_continuous() -> None:
    # an axis on the equator makes (nearly) great circles through the poles: the start
    # passes within a fraction of a degree of the north pole, then crosses the antimeridian
    field = SolidBodyRotation.with_speed(0.0, -90.5, 30.0)
    ens = forecast(field, start=0.0, lat_deg=60.0, lon_deg=0.0, profile=FloatProfile(alt_m=0.0),
                   duration_s=72 * 3600, members=1, output_every_s=600.0)
    lat, lon = ens.lat_deg[:, 0], ens.lon_deg[:, 0]
    assert lat.max() > 89.5  # it went within half a degree of the pole
    assert np.any(np.diff(np.sign(lon)) != 0)
    hop_m = great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    assert hop_m.max() == pytest.approx(30.0 * 600.0, rel=1e-3)  # no jumps: speed x interval
    exact = rotate(to_unit(60.0, 0.0), to_unit(0.0, -90.5), field.omega_radps * (
        ens.times_s - ens.times_s[0]))
    err = great_circle_m(lat, lon, *from_unit(exact))
    assert err.max() < 100.0
    assert np.all((lon >= -180.0) & (lon < 180.0))


def test_uniform_wind_crosses_the_antimeridian_continuously() -> None:
    ens = forecast(UniformWind(20.0, 0.0), start=0.0, lat_deg=0.0, lon_deg=179.5,
                   profile=FloatProfile(alt_m=0.0), duration_s=6 * 3600, members=1,
                   output_every_s=1800.0)
    lon = ens.lon_deg[:, 0]
    unwrapped = np.degrees(np.unwrap(np.radians(lon)))
    expected = 179.5 + np.degrees(20.0 * (ens.times_s - ens.times_s[0]) / EARTH_RADIUS_M)
    np.testing.assert_allclose(unwrapped, expected, atol=1e-7)
    assert -177.0 < lon[-1] < -176.0  # 3.9 degrees east of the start, on the far side


def _reference_gfs_track(field: WindField, lat0: float, lon0: float, p_hpa: float,
                         t0: float, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent integration: DOP853 (adaptive, rtol 1e-10) on unit vectors, winds from the
    public sampling API, without the compiled integrator."""

    def rhs(t: float, xyz: np.ndarray) -> np.ndarray:
        n = xyz / np.linalg.norm(xyz)
        lat, lon = from_unit(n)
        u, v, alt = field.sample_pressure(t, float(lat), float(lon), p_hpa)
        phi, lam = np.radians(lat), np.radians(lon)
        east = np.array([-np.sin(lam), np.cos(lam), 0.0])
        north = np.array([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)])
        return (float(u) * east + float(v) * north) / (EARTH_RADIUS_M + float(alt))

    sol = solve_ivp(rhs, (t0, times[-1]), to_unit(lat0, lon0), method="DOP853", rtol=1e-10,
                    atol=1e-13, t_eval=times, max_step=600.0)
    return from_unit(sol.y.T)


def test_gfs_float_forecast_matches_an_independent_integration(gfs_grib: Path) -> None:
    field = open_winds(gfs_grib)
    ens = forecast(field, start=GFS_START, lat_deg=28.5, lon_deg=-80.6,
                   profile=FloatProfile(pressure_hpa=70.0), duration_s=9 * 3600, members=1)
    ref_lat, ref_lon = _reference_gfs_track(field, 28.5, -80.6, 70.0, to_epoch_s(GFS_START),
                                            ens.times_s)
    err = great_circle_m(ens.lat_deg[:, 0], ens.lon_deg[:, 0], ref_lat, ref_lon)
    print(f"GFS 9 h at 70 hPa vs DOP853: worst {err.max():.3g} m")
    assert err.max() < 100.0, f"worst {err.max():.1f} m"
    moved = great_circle_m(28.5, -80.6, ens.lat_deg[-1, 0], ens.lon_deg[-1, 0])
    assert moved > 50_000  # a real drift, not a stationary point


def test_gfs_forward_then_backward_returns_to_the_start(gfs_grib: Path) -> None:
    field = open_winds(gfs_grib)
    fwd = forecast(field, start=GFS_START, lat_deg=28.5, lon_deg=-80.6,
                   profile=FloatProfile(pressure_hpa=70.0), duration_s=9 * 3600, members=1)
    back = forecast(field, start=fwd.times_s[-1], lat_deg=float(fwd.lat_deg[-1, 0]),
                    lon_deg=float(fwd.lon_deg[-1, 0]), profile=FloatProfile(pressure_hpa=70.0),
                    duration_s=9 * 3600, members=1, backward=True)
    assert back.times_s[-1] == pytest.approx(to_epoch_s(GFS_START))
    err = great_circle_m(28.5, -80.6, back.lat_deg[-1, 0], back.lon_deg[-1, 0])
    print(f"GFS 9 h forward then backward: {err:.3g} m from the start")
    assert err < 10.0, f"{err:.2f} m"


def test_gfs_grib2_and_netcdf_copies_give_the_same_forecast(gfs_grib: Path,
                                                             gfs_nc: Path) -> None:
    ends = []
    for path in (gfs_grib, gfs_nc):
        ens = forecast(open_winds(path), start=GFS_START, lat_deg=28.5, lon_deg=-80.6,
                       profile=FloatProfile(pressure_hpa=70.0), duration_s=9 * 3600, members=1)
        ends.append((ens.lat_deg[:, 0], ens.lon_deg[:, 0]))
    err = great_circle_m(*ends[0], *ends[1])
    print(f"GFS GRIB2 vs NetCDF 9 h: worst {err.max():.3g} m")
    assert err.max() < 10.0, f"{err.max():.2f} m"


def test_gfs_members_leaving_the_box_are_flagged_with_the_coverage(gfs_grib: Path) -> None:
    field = open_winds(gfs_grib)
    kwargs = dict(start=GFS_START, lat_deg=31.5, lon_deg=-75.5,
                  profile=FloatProfile(pressure_hpa=100.0), duration_s=9 * 3600, members=200,
                  perturbation=Perturbation(sigma_h_m=20_000.0))
    ens = forecast(field, **kwargs)
    left = ens.left_coverage()
    assert 0 < left.sum() <= 200
    assert ens.meta["left_coverage"]["outside the region"] == left.sum()
    assert "latitude 25.5 to 32.5, longitude -87.5 to -74.5" in ens.coverage
    final = ens.status[-1]
    assert np.all(final[left] == MemberStatus.LEFT_REGION)
    # a flagged member stays where it left the data: inside the box
    assert np.all(ens.lon_deg[:, left] <= -74.5 + 1e-9)
    with pytest.raises(CoverageError, match=r"members left the wind data.*covers times"):
        forecast(field, strict=True, **kwargs)


def test_a_start_outside_the_data_is_refused_with_the_coverage(gfs_grib: Path) -> None:
    field = open_winds(gfs_grib)
    with pytest.raises(CoverageError, match=r"start is not covered.*latitude 25\.5 to 32\.5"):
        forecast(field, start=GFS_START, lat_deg=40.0, lon_deg=-80.0,
                 profile=FloatProfile(pressure_hpa=70.0), duration_s=3600, members=1)
    with pytest.raises(CoverageError, match="outside the valid times"):
        forecast(field, start="2017-04-27T00:00Z", lat_deg=28.0, lon_deg=-80.0,
                 profile=FloatProfile(pressure_hpa=70.0), duration_s=3600, members=1)


def test_gridded_global_field_near_a_pole_follows_the_flow_it_samples() -> None:
    """The solid-body flow sampled on a 1-degree global grid: interpolating wind components
    near a pole must not derail a trajectory that passes within 0.3 degrees of it."""
    import xarray as xr

    from stratowatch.winds import GriddedWindField

    flow = SolidBodyRotation.with_speed(0.0, -90.5, 30.0)
    lat = np.arange(-90.0, 90.01, 1.0)
    lon = np.arange(0.0, 360.0, 1.0)
    grid_lat, grid_lon = np.meshgrid(lat, lon, indexing="ij")
    u, v = flow.sample(0.0, grid_lat, grid_lon, 18000.0)
    shape = (2, 2, *u.shape)
    dims = ("time", "isobaricInhPa", "latitude", "longitude")
    ds = xr.Dataset(
        {"u": (dims, np.broadcast_to(u, shape).copy()),
         "v": (dims, np.broadcast_to(v, shape).copy()),
         "gh": (dims, np.broadcast_to(np.array([16000.0, 21000.0])[None, :, None, None],
                                      shape).copy())},
        coords={"time": np.array(["2026-01-01T00", "2026-01-05T00"], dtype="datetime64[ns]"),
                "isobaricInhPa": [100.0, 50.0], "latitude": lat, "longitude": lon})
    field = GriddedWindField.from_dataset(ds)
    ens = forecast(field, start="2026-01-01T00:00Z", lat_deg=60.0, lon_deg=0.0,
                   profile=FloatProfile(alt_m=18000.0), duration_s=72 * 3600, members=1,
                   output_every_s=600.0)
    lat_t, lon_t = ens.lat_deg[:, 0], ens.lon_deg[:, 0]
    assert lat_t.max() > 89.7
    exact = rotate(to_unit(60.0, 0.0), to_unit(0.0, -90.5),
                   flow.omega_radps * (ens.times_s - ens.times_s[0]))
    assert great_circle_m(lat_t, lon_t, *from_unit(exact)).max() < 1000.0
    hop_m = great_circle_m(lat_t[:-1], lon_t[:-1], lat_t[1:], lon_t[1:])
    np.testing.assert_allclose(hop_m, 30.0 * 600.0, rtol=1e-3)
