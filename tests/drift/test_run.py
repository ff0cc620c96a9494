"""Ensembles: wind-error statistics, flight profiles, back-trajectories, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.integrate import quad

from stratowatch.drift import (
    FloatProfile,
    ManeuveringProfile,
    MemberStatus,
    Perturbation,
    StandardProfile,
    backtrack,
    forecast,
    wind_error_msd_m2,
)
from stratowatch.drift.perturb import LOON_WIND_LENGTH_M, LOON_WIND_TIME_S
from stratowatch.errors import ConfigError
from stratowatch.geo import density_kgpm3, great_circle_m
from stratowatch.winds import GriddedWindField, UniformWind, ZonalJet

HOURS = np.array([6.0, 24.0, 72.0])


@pytest.mark.parametrize("wind_mps", [0.0, 15.0])
def test_wind_error_spread_matches_the_analytic_variance(wind_mps: float) -> None:
    """With wind error only, the members' mean squared displacement from the deterministic
    trajectory follows 2 sigma^2 (lambda t - 1 + exp(-lambda t)) / lambda^2 per component."""
    field = UniformWind(wind_mps, 0.0)
    kwargs = dict(start=0.0, lat_deg=0.0, lon_deg=0.0, profile=FloatProfile(alt_m=0.0),
                  duration_s=72 * 3600, output_every_s=6 * 3600)
    ens = forecast(field, members=8000, perturbation=Perturbation(), seed=11, **kwargs)
    ref = forecast(field, members=1, **kwargs)
    rate = 1.0 / LOON_WIND_TIME_S + wind_mps / LOON_WIND_LENGTH_M
    for hours in HOURS:
        k = int(np.argmin(np.abs(ens.lead_s() - hours * 3600)))
        d = great_circle_m(ens.lat_deg[k], ens.lon_deg[k], ref.lat_deg[k, 0], ref.lon_deg[k, 0])
        msd = float(np.mean(d**2))
        expected = float(wind_error_msd_m2(hours * 3600, 3.6, rate))
        print(f"wind {wind_mps} m/s, {hours:g} h: MSD / analytic = {msd / expected:.3f}")
        assert msd == pytest.approx(expected, rel=0.10), f"{hours} h"


def test_runs_are_repeatable_and_independent_of_output_chunking() -> None:
    kwargs = dict(start=0.0, lat_deg=40.0, lon_deg=-30.0, profile=FloatProfile(alt_m=18000.0),
                  duration_s=12 * 3600, members=50, seed=5)
    a = forecast(ZonalJet(), output_every_s=3600.0, **kwargs)
    b = forecast(ZonalJet(), output_every_s=3600.0, **kwargs)
    c = forecast(ZonalJet(), output_every_s=4 * 3600.0, **kwargs)
    np.testing.assert_array_equal(a.lat_deg, b.lat_deg)
    np.testing.assert_allclose(a.lat_deg[-1], c.lat_deg[-1], atol=1e-9)
    d = forecast(ZonalJet(), output_every_s=3600.0, **{**kwargs, "seed": 6})
    assert not np.allclose(a.lat_deg[-1], d.lat_deg[-1])


def test_one_member_is_the_deterministic_trajectory() -> None:
    ens = forecast(ZonalJet(), start=0.0, lat_deg=40.0, lon_deg=-30.0,
                   profile=FloatProfile(alt_m=18000.0), duration_s=6 * 3600, members=1)
    many = forecast(ZonalJet(), start=0.0, lat_deg=40.0, lon_deg=-30.0,
                    profile=FloatProfile(alt_m=18000.0), duration_s=6 * 3600, members=3,
                    perturbation=Perturbation.none())
    for name in ("lat_deg", "lon_deg", "alt_m"):
        np.testing.assert_array_equal(getattr(many, name),
                                      np.repeat(getattr(ens, name), 3, axis=1))
    assert ens.meta["perturbation"].is_none  # one member: no perturbation by default
    spread = forecast(ZonalJet(), start=0.0, lat_deg=40.0, lon_deg=-30.0,
                      profile=FloatProfile(alt_m=18000.0), duration_s=6 * 3600, members=3)
    assert np.ptp(spread.lon_deg[-1]) > 0.01  # several members: perturbed by default


def test_standard_profile_ascends_bursts_and_lands_with_density_scaled_descent() -> None:
    prof = StandardProfile(ascent_rate_mps=5.0, burst_alt_m=30000.0, descent_rate_mps=5.0)
    ens = forecast(UniformWind(10.0, 0.0), start=0.0, lat_deg=52.0, lon_deg=0.0, profile=prof,
                   duration_s=4 * 3600, members=1, output_every_s=60.0, step_s=60.0)
    alt = ens.alt_m[:, 0]
    burst_k = int(np.argmax(alt))
    assert alt[burst_k] == pytest.approx(30000.0)
    assert ens.lead_s()[burst_k] == pytest.approx(6000.0, abs=60.0)  # 30 km at 5 m/s
    landed = np.flatnonzero(ens.status[:, 0] == MemberStatus.GROUND)
    assert landed.size and alt[landed[0]] == 0.0
    # descent time: integral of dz / (5 sqrt(1.225 / rho(z))) from 0 to 30 km
    descent_s, _ = quad(lambda z: 1.0 / (5.0 * np.sqrt(1.225 / density_kgpm3(z))), 0, 30000,
                        limit=200)
    assert ens.lead_s()[landed[0]] - 6000.0 == pytest.approx(descent_s, abs=90.0)
    assert np.all(ens.alt_m[landed, 0] == 0.0)  # stays on the ground


def test_standard_profile_runs_backward_to_its_launch() -> None:
    prof = StandardProfile(ascent_rate_mps=5.0, burst_alt_m=20000.0, descent_rate_mps=5.0)
    ens = backtrack(UniformWind(10.0, 0.0), start=0.0, lat_deg=52.0, lon_deg=1.0, profile=prof,
                    alt_m=10000.0, duration_s=3 * 3600, members=1, output_every_s=60.0)
    assert ens.direction == -1
    launched = np.flatnonzero(ens.status[:, 0] == MemberStatus.GROUND)
    assert ens.lead_s()[launched[0]] == pytest.approx(-2000.0, abs=60.0)  # 10 km at 5 m/s
    # it drifted east while ascending, so it came from the west
    assert ens.lon_deg[launched[0], 0] < 1.0


def test_maneuvering_members_stay_in_the_band_and_spread_wider_than_a_float() -> None:
    band = ManeuveringProfile(alt_min_m=12000.0, alt_max_m=24000.0, vertical_rate_mps=2.0,
                              dwell_s=3 * 3600)
    kwargs = dict(start=0.0, lat_deg=45.0, lon_deg=0.0, duration_s=48 * 3600, members=300,
                  perturbation=Perturbation(wind_sigma_mps=0.0), seed=3)
    man = forecast(ZonalJet(), profile=band, alt_m=18000.0, **kwargs)
    assert man.alt_m.min() >= 12000.0 - 1e-6 and man.alt_m.max() <= 24000.0 + 1e-6
    assert np.ptp(man.alt_m[-1]) > 6000.0
    spread_km = np.ptp(man.lon_deg[-1]) * 111 * np.cos(np.radians(45))
    assert spread_km > 500.0  # the jet's vertical shear turns altitude choice into reach


def test_backtrack_recovers_the_origin_of_a_uniform_drift() -> None:
    ens = backtrack(UniformWind(0.0, 10.0), start="2026-01-01T12:00Z", lat_deg=10.0,
                    lon_deg=20.0, profile=FloatProfile(alt_m=18000.0), duration_s=12 * 3600,
                    members=1)
    assert ens.times_s[-1] < ens.times_s[0]
    dist = great_circle_m(10.0, 20.0, ens.lat_deg[-1, 0], ens.lon_deg[-1, 0])
    assert dist == pytest.approx(10.0 * 12 * 3600 * (1 + 18000 / 6371008.8) ** -1, rel=1e-6)
    assert ens.lat_deg[-1, 0] < 10.0


def test_ensemble_weather_members_drive_their_own_particles() -> None:
    lat = np.arange(-10.0, 10.1, 5.0)
    lon = np.arange(0.0, 360.0, 10.0)
    shape = (2, 2, 2, lat.size, lon.size)
    u = np.zeros(shape)
    u[1] = 20.0  # weather member 1 blows east, member 0 is calm
    gh = np.broadcast_to(np.array([10000.0, 20000.0])[None, None, :, None, None], shape)
    dims = ("number", "time", "isobaricInhPa", "latitude", "longitude")
    ds = xr.Dataset({"u": (dims, u), "v": (dims, np.zeros(shape)), "gh": (dims, gh.copy())},
                    coords={"number": [0, 1], "isobaricInhPa": [200.0, 50.0], "latitude": lat,
                            "longitude": lon, "time": np.array(
                                ["2026-01-01T00", "2026-01-02T00"], dtype="datetime64[ns]")})
    field = GriddedWindField.from_dataset(ds)
    ens = forecast(field, start="2026-01-01T00:00Z", lat_deg=0.0, lon_deg=100.0,
                   profile=FloatProfile(alt_m=15000.0), duration_s=6 * 3600, members=4,
                   perturbation=Perturbation.none())
    moved = ens.lon_deg[-1] - 100.0
    assert moved[0] == pytest.approx(0.0) and moved[2] == pytest.approx(0.0)
    assert moved[1] > 3.5 and moved[3] == pytest.approx(moved[1])


@pytest.mark.parametrize("bad", [dict(members=0), dict(duration_s=-5.0), dict(step_s=0.0),
                                 dict(lat_deg=95.0)])
def test_bad_parameters_are_config_errors(bad: dict) -> None:
    kwargs = dict(start=0.0, lat_deg=0.0, lon_deg=0.0, profile=FloatProfile(alt_m=1.0),
                  duration_s=3600.0, members=2)
    with pytest.raises(ConfigError):
        forecast(UniformWind(1.0, 1.0), **{**kwargs, **bad})


def test_profiles_reject_impossible_values() -> None:
    with pytest.raises(ConfigError):
        FloatProfile()
    with pytest.raises(ConfigError):
        StandardProfile(burst_alt_m=-1.0)
    with pytest.raises(ConfigError):
        ManeuveringProfile(20000.0, 10000.0)
    with pytest.raises(ConfigError):
        Perturbation(wind_sigma_mps=-1.0)


def test_isobaric_members_perturbed_beyond_the_levels_are_flagged_not_fatal() -> None:
    lat = np.arange(-10.0, 10.1, 5.0)
    lon = np.arange(0.0, 360.0, 10.0)
    shape = (2, 2, lat.size, lon.size)
    dims = ("time", "isobaricInhPa", "latitude", "longitude")
    ds = xr.Dataset({"u": (dims, np.full(shape, 5.0)), "v": (dims, np.zeros(shape)),
                     "gh": (dims, np.broadcast_to(np.array([16000.0, 20000.0])[
                         None, :, None, None], shape).copy())},
                    coords={"time": np.array(["2026-01-01T00", "2026-01-02T00"],
                                             dtype="datetime64[ns]"),
                            "isobaricInhPa": [100.0, 50.0], "latitude": lat, "longitude": lon})
    field = GriddedWindField.from_dataset(ds)
    ens = forecast(field, start="2026-01-01T00:00Z", lat_deg=0.0, lon_deg=100.0,
                   profile=FloatProfile(pressure_hpa=95.0), duration_s=3 * 3600, members=200,
                   perturbation=Perturbation(sigma_alt_m=1500.0, wind_sigma_mps=0.0), seed=2)
    flagged = ens.status[0] == MemberStatus.LEFT_LEVELS
    assert 0 < flagged.sum() < 200
    assert np.all(ens.lon_deg[:, flagged] == 100.0)  # frozen at the start
    assert np.all(ens.lon_deg[-1, ~flagged] > 100.0)
    assert np.all(np.isfinite(ens.alt_m)) and ens.alt_m.min() > 10000.0


def test_cell_fraction_limits_the_step_on_gridded_winds() -> None:
    from stratowatch.drift.run import _cell_limited_step_s

    lat = np.arange(0.0, 10.1, 1.0)
    lon = np.arange(0.0, 10.1, 1.0)
    shape = (2, 2, lat.size, lon.size)
    dims = ("time", "isobaricInhPa", "latitude", "longitude")
    ds = xr.Dataset({"u": (dims, np.full(shape, 40.0)), "v": (dims, np.full(shape, 30.0)),
                     "gh": (dims, np.broadcast_to(np.array([1e4, 2e4])[None, :, None, None],
                                                  shape).copy())},
                    coords={"time": np.array(["2026-01-01T00", "2026-01-02T00"],
                                             dtype="datetime64[ns]"),
                            "isobaricInhPa": [200.0, 50.0], "latitude": lat, "longitude": lon})
    field = GriddedWindField.from_dataset(ds)
    half_cell_m = 0.5 * np.pi * 6371008.8 / 180.0
    assert _cell_limited_step_s(field, 0.5) == pytest.approx(0.5 * half_cell_m / 50.0)
    assert _cell_limited_step_s(UniformWind(1.0, 1.0), 0.5) == np.inf
    with pytest.raises(ConfigError):
        _cell_limited_step_s(field, 0.0)
    ens = forecast(field, start="2026-01-01T00:00Z", lat_deg=5.0, lon_deg=5.0,
                   profile=FloatProfile(alt_m=15000.0), duration_s=3600.0, members=1,
                   cell_fraction=0.25)
    assert ens.status[-1, 0] == MemberStatus.ACTIVE
