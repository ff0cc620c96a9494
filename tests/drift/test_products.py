"""Forecast products on hand-built ensembles: Gaussian clouds, bananas, the antimeridian, poles."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from stratowatch.drift.ensemble import Ensemble, MemberStatus
from stratowatch.drift.products import (
    LocalPlane,
    median_track,
    origin_map,
    regions,
)
from stratowatch.errors import ConfigError
from stratowatch.geo import great_circle_m


def gaussian(lat0: float, lon0: float, sx_m: float, sy_m: float, m: int,
             seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian cloud of m members about (lat0, lon0), sigmas east/north in metres."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, sx_m, m)
    y = rng.normal(0.0, sy_m, m)
    return LocalPlane(lat0, lon0).inverse(x, y)


def ensemble(lat: np.ndarray, lon: np.ndarray, times_s: list[float] | None = None,
             status: np.ndarray | None = None, direction: int = 1) -> Ensemble:
    lat = np.atleast_2d(lat)
    lon = np.atleast_2d(lon)
    times = np.asarray(times_s if times_s is not None else [0.0], dtype=np.float64)
    st = status if status is not None else np.zeros(lat.shape, dtype=np.int8)
    return Ensemble(times_s=times, lat_deg=lat, lon_deg=((lon + 180.0) % 360.0) - 180.0,
                    alt_m=np.full(lat.shape, 18000.0), status=st.astype(np.int8),
                    direction=direction, profile="float", coverage="test")


def fraction_inside(geom: Polygon | MultiPolygon, lat: np.ndarray, lon: np.ndarray) -> float:
    return float(np.mean(shapely.contains_xy(geom, lon, lat)))


def assert_lonlat_valid(geom: Polygon | MultiPolygon) -> None:
    assert geom.is_valid and not geom.is_empty
    minx, miny, maxx, maxy = geom.bounds
    assert minx >= -180.0 and maxx <= 180.0
    assert miny >= -90.0 and maxy <= 90.0


# --- median track ----------------------------------------------------------------------------


def test_median_is_centre_of_a_cloud_straddling_the_antimeridian() -> None:
    lat, lon = gaussian(20.0, 179.8, 80e3, 80e3, 2001)
    assert lon.min() < -179.0 and lon.max() > 179.0
    track = median_track(ensemble(lat, lon))
    err = great_circle_m(track.lat_deg[0], track.lon_deg[0], 20.0, 179.8)
    assert err < 10e3  # a naive mean of longitudes would land near lon 0
    assert -180.0 <= track.lon_deg[0] < 180.0


@pytest.mark.parametrize("lat0", [89.3, -89.5])
def test_median_within_one_degree_of_a_pole(lat0: float) -> None:
    lat, lon = gaussian(lat0, 45.0, 60e3, 60e3, 2001, seed=3)
    assert np.ptp(lon) > 300.0  # the cloud surrounds the pole
    track = median_track(ensemble(lat, lon))
    assert great_circle_m(track.lat_deg[0], track.lon_deg[0], lat0, 45.0) < 8e3


def test_median_is_robust_to_outliers_and_takes_median_altitude() -> None:
    lat, lon = gaussian(45.0, 10.0, 10e3, 10e3, 101)
    lat[:10] = 60.0  # ten wild members
    ens = ensemble(lat, lon)
    ens.alt_m[0, :] = np.arange(101.0)
    track = median_track(ens)
    assert great_circle_m(track.lat_deg[0], track.lon_deg[0], 45.0, 10.0) < 5e3
    assert track.alt_m[0] == 50.0


def test_median_excludes_members_that_left_coverage_and_counts_them() -> None:
    lat, lon = gaussian(0.0, 0.0, 10e3, 10e3, 100)
    lat2 = np.vstack([lat, lat, lat])
    lon2 = np.vstack([lon, lon, lon])
    status = np.zeros(lat2.shape, dtype=np.int8)
    lat2[1:, :30] = 10.0  # frozen far away: must not pull the median
    status[1:, :20] = MemberStatus.LEFT_REGION
    status[1:, 20:30] = MemberStatus.GROUND  # landed members count as forecasts
    status[2, :] = MemberStatus.LEFT_TIME
    track = median_track(ensemble(lat2, lon2, [0.0, 3600.0, 7200.0], status))
    assert list(track.n_valid) == [100, 80, 0]
    assert list(track.n_left) == [0, 20, 100]
    assert np.isnan(track.lat_deg[2]) and np.isnan(track.alt_m[2])
    assert abs(track.lat_deg[1]) < 0.5  # the ten landed members far off move it only a little


# --- regions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("lat0", "lon0"), [(45.0, 10.0), (-30.0, 179.9), (89.4, -60.0)])
def test_regions_hold_their_level_and_are_calibrated_on_a_fresh_draw(lat0: float,
                                                                     lon0: float) -> None:
    lat, lon = gaussian(lat0, lon0, 120e3, 60e3, 4000, seed=11)
    fresh_lat, fresh_lon = gaussian(lat0, lon0, 120e3, 60e3, 4000, seed=12)
    found = regions(ensemble(lat, lon), levels=(0.5, 0.9))
    assert [r.level for r in found] == [0.5, 0.9]
    for reg in found:
        assert_lonlat_valid(reg.geometry)
        assert reg.n_members == 4000
        assert abs(fraction_inside(reg.geometry, lat, lon) - reg.level) < 0.02
        assert abs(reg.n_inside / 4000 - reg.level) < 0.02
        # the same distribution, members the region never saw: this is what "calibrated" means
        assert abs(fraction_inside(reg.geometry, fresh_lat, fresh_lon) - reg.level) < 0.04
    # a Gaussian's 90 % ellipse has area 2 ln(10) pi sx sy
    expected = 2.0 * np.log(10.0) * np.pi * 120.0 * 60.0
    assert found[1].area_km2 == pytest.approx(expected, rel=0.1)


def test_regions_of_small_ensembles_are_calibrated_on_average() -> None:
    # a region's own members sit at its density peaks; ranking them leave-one-out keeps small
    # ensembles (here 40 members) from giving regions that hold too little of the next draw
    fresh_lat, fresh_lon = gaussian(10.0, 20.0, 50e3, 50e3, 5000, seed=99)
    held: dict[float, list[float]] = {0.5: [], 0.9: []}
    for seed in range(12):
        lat, lon = gaussian(10.0, 20.0, 50e3, 50e3, 40, seed=seed)
        for reg in regions(ensemble(lat, lon)):
            held[reg.level].append(fraction_inside(reg.geometry, fresh_lat, fresh_lon))
    assert abs(np.mean(held[0.5]) - 0.5) < 0.05
    assert abs(np.mean(held[0.9]) - 0.9) < 0.04


def test_region_across_the_antimeridian_is_split_into_valid_parts() -> None:
    lat, lon = gaussian(-30.0, 180.0, 100e3, 100e3, 1000)
    reg = regions(ensemble(lat, lon), levels=(0.9,))[0]
    assert isinstance(reg.geometry, MultiPolygon)
    assert_lonlat_valid(reg.geometry)
    east = [p for p in reg.geometry.geoms if p.bounds[2] == 180.0]
    west = [p for p in reg.geometry.geoms if p.bounds[0] == -180.0]
    assert east and west


def test_region_around_a_pole_holds_the_pole() -> None:
    lat, lon = gaussian(89.6, 0.0, 80e3, 80e3, 1000)
    reg = regions(ensemble(lat, lon), levels=(0.5,))[0]
    assert_lonlat_valid(reg.geometry)
    assert reg.geometry.intersects(Point(0.0, 90.0))
    assert abs(fraction_inside(reg.geometry, lat, lon) - 0.5) < 0.03


def test_ring_shaped_cloud_round_a_pole_leaves_the_pole_out() -> None:
    rng = np.random.default_rng(8)
    theta = rng.uniform(0.0, 2.0 * np.pi, 2000)
    radius = 300e3 + rng.normal(0.0, 30e3, 2000)
    lat, lon = LocalPlane(90.0, 0.0).inverse(radius * np.cos(theta), radius * np.sin(theta))
    for reg in regions(ensemble(lat, lon)):
        assert_lonlat_valid(reg.geometry)
        assert not reg.geometry.intersects(Point(0.0, 90.0))
        assert reg.geometry.bounds[3] < 88.5
        assert abs(fraction_inside(reg.geometry, lat, lon) - reg.level) < 0.04


def test_banana_cloud_region_follows_the_arc() -> None:
    rng = np.random.default_rng(5)
    theta = rng.uniform(0.0, np.pi, 2000)
    radius = 500e3 + rng.normal(0.0, 20e3, 2000)
    plane = LocalPlane(50.0, -100.0)
    lat, lon = plane.inverse(radius * np.cos(theta), radius * np.sin(theta))
    reg = regions(ensemble(lat, lon), levels=(0.9,))[0]
    centre = Point(-100.0, 50.0)  # the centre of the arc: no member comes near it
    assert not reg.geometry.contains(centre)
    hull = shapely.MultiPoint(np.c_[radius * np.cos(theta), radius * np.sin(theta)]).convex_hull
    assert reg.area_km2 < 0.5 * hull.area / 1e6
    assert abs(fraction_inside(reg.geometry, lat, lon) - 0.9) < 0.03


def test_split_cloud_gives_two_parts() -> None:
    lat_a, lon_a = gaussian(40.0, 0.0, 20e3, 20e3, 500, seed=1)
    lat_b, lon_b = gaussian(40.0, 10.0, 20e3, 20e3, 500, seed=2)
    reg = regions(ensemble(np.r_[lat_a, lat_b], np.r_[lon_a, lon_b]), levels=(0.9,))[0]
    assert isinstance(reg.geometry, MultiPolygon) and len(reg.geometry.geoms) == 2


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_few_members_still_give_a_region_holding_them(m: int) -> None:
    lat, lon = gaussian(10.0, 179.999, 5e3, 5e3, m)
    found = regions(ensemble(lat, lon), levels=(0.5, 0.9))
    for reg in found:
        assert_lonlat_valid(reg.geometry)
        assert reg.area_km2 > 0.0
        assert reg.n_inside >= np.ceil(reg.level * m)


def test_coincident_members_give_a_small_disk() -> None:
    lat = np.full(50, 12.0)
    lon = np.full(50, 34.0)
    reg = regions(ensemble(lat, lon), levels=(0.5,))[0]
    assert reg.geometry.contains(Point(34.0, 12.0))
    assert 0.0 < reg.area_km2 < 10.0
    assert reg.n_inside == 50


def test_regions_skip_times_without_valid_members_and_keep_lead() -> None:
    lat, lon = gaussian(0.0, 0.0, 10e3, 10e3, 50)
    status = np.zeros((2, 50), dtype=np.int8)
    status[1] = MemberStatus.LEFT_LEVELS
    found = regions(ensemble(np.vstack([lat, lat]), np.vstack([lon, lon]), [100.0, 3700.0],
                             status))
    assert [(r.time_s, r.lead_s) for r in found] == [(100.0, 0.0), (100.0, 0.0)]


def test_bad_levels_are_refused() -> None:
    lat, lon = gaussian(0.0, 0.0, 10e3, 10e3, 50)
    with pytest.raises(ConfigError, match="levels"):
        regions(ensemble(lat, lon), levels=(1.5,))


# --- origin map ------------------------------------------------------------------------------


def back_trajectory() -> tuple[Ensemble, np.ndarray, np.ndarray]:
    lat_end, lon_end = gaussian(35.0, 179.5, 150e3, 80e3, 3000, seed=21)
    lat = np.vstack([np.full(3000, 30.0), lat_end])
    lon = np.vstack([np.full(3000, 170.0), lon_end])
    status = np.zeros(lat.shape, dtype=np.int8)
    status[1, :100] = MemberStatus.LEFT_REGION
    return ensemble(lat, lon, [86400.0, 0.0], status, direction=-1), lat_end, lon_end


def test_origin_map_probabilities_sum_to_one_and_peak_at_the_origin() -> None:
    ens, _, _ = back_trajectory()
    om = origin_map(ens, cell_km=25.0)
    assert om.time_s == 0.0 and om.lead_s == -86400.0
    assert om.n_valid == 2900 and om.n_left == 100
    assert om.probability.sum() == pytest.approx(1.0)
    assert np.all(om.probability >= 0.0)
    iy, ix = np.unravel_index(np.argmax(om.probability), om.probability.shape)
    plane = LocalPlane(om.center_lat_deg, om.center_lon_deg)
    plat, plon = plane.inverse(om.x_m[ix], om.y_m[iy])
    assert great_circle_m(plat, plon, 35.0, 179.5) < 60e3


def test_origin_regions_hold_their_probability_and_members() -> None:
    ens, lat, lon = back_trajectory()
    om = origin_map(ens, cell_km=25.0)
    valid = ens.valid_mask()[-1]
    for reg in om.regions:
        assert_lonlat_valid(reg.geometry)
        assert isinstance(reg.geometry, MultiPolygon)  # the cloud crosses the antimeridian
        assert abs(reg.n_inside / reg.n_members - reg.level) < 0.05
        assert abs(fraction_inside(reg.geometry, lat[valid], lon[valid]) - reg.level) < 0.05


def test_origin_cells_are_lonlat_polygons_most_likely_first() -> None:
    ens, _, _ = back_trajectory()
    om = origin_map(ens, cell_km=50.0)
    cells = om.cells(mass=0.95)
    probs = [p for _, p in cells]
    assert probs == sorted(probs, reverse=True)
    assert 0.95 <= sum(probs) < 0.95 + probs[-1] + 1e-9
    assert len(om.cells(mass=1.0, max_cells=7)) == 7
    for geom, _ in cells:
        assert_lonlat_valid(geom)


def test_origin_map_refuses_bad_cells_and_empty_ensembles() -> None:
    ens, _, _ = back_trajectory()
    with pytest.raises(ConfigError, match="cell_km"):
        origin_map(ens, cell_km=0.0)
    with pytest.raises(ConfigError, match="cells per axis"):
        origin_map(ens, cell_km=0.01)
    ens.status[-1, :] = MemberStatus.LEFT_TIME
    with pytest.raises(ConfigError, match="no member"):
        origin_map(ens)
