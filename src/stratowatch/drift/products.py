"""Forecast products from a drift ensemble: median track, probability regions, origin maps.

Every product is computed per output time from the members whose position is a forecast
(active or on the ground); members that left the wind data's coverage are frozen at their last
position, so they are left out and counted. Geometry is worked in a local azimuthal equidistant
plane (metres, spherical Earth) about the cloud's mean direction, which makes the antimeridian and
the poles ordinary places; polygons come back in lon/lat degrees, split at the antimeridian as
RFC 7946 asks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from scipy.ndimage import map_coordinates
from scipy.signal import fftconvolve
from shapely.geometry import MultiPolygon, Polygon, box

from stratowatch.drift.ensemble import Ensemble, FloatArray
from stratowatch.errors import ConfigError
from stratowatch.geo.sphere import EARTH_RADIUS_M, from_unit, to_unit, wrap_lon

IntArray = npt.NDArray[np.int64]
Geometry: TypeAlias = Polygon | MultiPolygon  # shapely, in plane metres or lon/lat degrees

MIN_BANDWIDTH_M = 250.0  # floor of the KDE kernel (m), so coincident or collinear members work
MIN_KDE_MEMBERS = 4  # below this many members a region is a union of disks about the members
MAX_GRID_CELLS = 256  # cells per axis of the density grid behind a region
MAX_ORIGIN_CELLS = 1000  # cells per axis of an origin map before we refuse


@dataclass
class MedianTrack:
    """Median position per output time; NaN where no member is valid.

    ``n_valid`` counts the members used (active or on the ground), ``n_left`` those left out
    because they had left the wind data's coverage.
    """

    times_s: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    n_valid: IntArray
    n_left: IntArray


@dataclass
class Region:
    """The smallest cloud-shaped region that holds ``level`` of the valid members at one time.

    ``geometry`` is in lon/lat degrees (a MultiPolygon where it crosses the antimeridian),
    ``n_members`` the valid members it was computed from, ``n_inside`` those inside it,
    ``area_km2`` its area measured in the local plane.
    """

    time_s: float
    lead_s: float
    level: float
    geometry: Geometry
    n_members: int
    n_inside: int
    area_km2: float


@dataclass
class OriginMap:
    """Probability of where the object was at the ensemble's last output time, on a grid.

    Cells are squares of ``cell_m`` in a local azimuthal equidistant plane centred on
    (``center_lat_deg``, ``center_lon_deg``); ``x_m``/``y_m`` are the cell centres (east, north),
    ``probability`` is (ny, nx) and sums to 1 over the valid members. ``regions`` are the
    smallest sets of cells holding each level of the probability.
    """

    time_s: float
    lead_s: float
    center_lat_deg: float
    center_lon_deg: float
    cell_m: float
    x_m: FloatArray
    y_m: FloatArray
    probability: FloatArray
    n_valid: int
    n_left: int
    regions: list[Region] = field(default_factory=list)

    def cells(self, mass: float = 0.99,
              max_cells: int = 10_000) -> list[tuple[Geometry, float]]:
        """The most probable cells, as lon/lat polygons with their probability, most likely
        first, until they hold ``mass`` of the probability (or ``max_cells`` are listed)."""
        plane = LocalPlane(self.center_lat_deg, self.center_lon_deg)
        flat = self.probability.ravel()
        order = np.argsort(-flat, kind="stable")
        half = self.cell_m / 2.0
        out: list[tuple[Geometry, float]] = []
        total = 0.0
        for idx in order[:max_cells]:
            p = float(flat[idx])
            if total >= mass or p <= 0.0:
                break
            total += p
            iy, ix = divmod(int(idx), self.x_m.size)
            cx, cy = float(self.x_m[ix]), float(self.y_m[iy])
            cell = box(cx - half, cy - half, cx + half, cy + half)
            out.append((plane_to_lonlat(cell, plane, max_seg_m=max(10_000.0, half)), p))
        return out


class LocalPlane:
    """Spherical azimuthal equidistant projection (metres) about a centre point.

    Distances and bearings from the centre are exact on the sphere; only the antipode is
    singular, far outside any cloud we project.
    """

    def __init__(self, lat_deg: float, lon_deg: float) -> None:
        self.lat_deg = float(lat_deg)
        self.lon_deg = float(lon_deg)
        self.center = to_unit(lat_deg, lon_deg)
        east = np.cross([0.0, 0.0, 1.0], self.center)
        if np.linalg.norm(east) < 1e-12:  # centre on a pole: any east will do
            east = np.array([0.0, 1.0, 0.0])
        self.east = east / np.linalg.norm(east)
        self.north = np.cross(self.center, self.east)

    @classmethod
    def about(cls, lat_deg: FloatArray, lon_deg: FloatArray) -> LocalPlane:
        """The plane about the mean direction of points (the first point if they cancel out)."""
        vec = to_unit(lat_deg, lon_deg)
        mean = vec.mean(axis=0)
        if np.linalg.norm(mean) < 1e-9:
            mean = vec[0]
        lat, lon = from_unit(mean)
        return cls(float(lat), float(lon))

    def forward(self, lat_deg: FloatArray, lon_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
        """East and north (m) of points in the plane."""
        vec = to_unit(lat_deg, lon_deg)
        e = vec @ self.east
        n = vec @ self.north
        c = vec @ self.center
        s = np.hypot(e, n)
        rho = EARTH_RADIUS_M * np.arctan2(s, c)
        scale = np.divide(rho, s, out=np.full_like(s, EARTH_RADIUS_M), where=s > 1e-15)
        return e * scale, n * scale

    def inverse(self, x_m: FloatArray, y_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Latitude and longitude (degrees, longitude in [-180, 180)) of plane points."""
        x = np.asarray(x_m, dtype=np.float64)
        y = np.asarray(y_m, dtype=np.float64)
        rho = np.hypot(x, y)
        ang = rho / EARTH_RADIUS_M
        safe = np.where(rho > 0.0, rho, 1.0)
        sin_over = np.where(rho > 0.0, np.sin(ang) / safe, 1.0 / EARTH_RADIUS_M)
        vec = (np.cos(ang)[..., None] * self.center
               + (sin_over * x)[..., None] * self.east
               + (sin_over * y)[..., None] * self.north)
        return from_unit(vec)


def median_track(ens: Ensemble) -> MedianTrack:
    """Per output time, the geometric (spatial) median of the valid members' horizontal positions
    and the median of their altitudes.

    The geometric median (the point of least summed distance) is found by Weiszfeld's iteration
    in a local azimuthal equidistant plane about the members' mean direction, then once more about
    the first answer, so it is right across the antimeridian and next to the poles.
    """
    valid = ens.valid_mask()
    k = ens.n_times
    lat = np.full(k, np.nan)
    lon = np.full(k, np.nan)
    alt = np.full(k, np.nan)
    for i in range(k):
        m = valid[i]
        if not m.any():
            continue
        lat[i], lon[i] = _geometric_median(ens.lat_deg[i, m], ens.lon_deg[i, m])
        alt[i] = float(np.median(ens.alt_m[i, m]))
    n_valid = valid.sum(axis=1).astype(np.int64)
    return MedianTrack(times_s=ens.times_s.astype(np.float64).copy(), lat_deg=lat, lon_deg=lon,
                       alt_m=alt, n_valid=n_valid,
                       n_left=(ens.n_members - n_valid).astype(np.int64))


def regions(ens: Ensemble, levels: Sequence[float] = (0.5, 0.9)) -> list[Region]:
    """Highest-density regions per output time (in time order) and level (in the order given).

    The density is a Gaussian kernel estimate (Scott's bandwidth on the members' covariance) in a
    local plane; a region is the set where it exceeds a value between the leave-one-out densities
    of the members ranked ``ceil(level * n)`` and next, so it follows curved and split clouds and
    holds ``level`` of a fresh draw from the same distribution (of its own members it holds that
    much for large ensembles, somewhat more for small ones). With fewer than
    ``MIN_KDE_MEMBERS`` members it is a union of disks about the members nearest the median.
    Times with no valid member give no region.
    """
    lv = _check_levels(levels)
    valid = ens.valid_mask()
    lead = ens.lead_s()
    out: list[Region] = []
    for i in range(ens.n_times):
        m = valid[i]
        n = int(m.sum())
        if n == 0:
            continue
        plane = LocalPlane.about(ens.lat_deg[i, m], ens.lon_deg[i, m])
        x, y = plane.forward(ens.lat_deg[i, m], ens.lon_deg[i, m])
        for level, poly in zip(lv, _plane_regions(x, y, lv), strict=True):
            held = int(np.count_nonzero(shapely.contains_xy(poly, x, y)))
            out.append(Region(time_s=float(ens.times_s[i]), lead_s=float(lead[i]),
                              level=level, geometry=plane_to_lonlat(poly, plane), n_members=n,
                              n_inside=held, area_km2=float(poly.area) / 1e6))
    return out


def origin_map(ens: Ensemble, cell_km: float = 25.0,
               levels: Sequence[float] = (0.5, 0.9)) -> OriginMap:
    """Where the object was at the last output time (the earliest of a back-trajectory).

    Members are counted in a grid of ``cell_km`` squares and smoothed with the same Gaussian
    kernel as ``regions``; cell probabilities sum to 1. On a forward run this is the landing (or
    final position) map.
    """
    lv = _check_levels(levels)
    if not cell_km > 0.0 or not math.isfinite(cell_km):
        raise ConfigError(f"cell_km must be a positive number of kilometres, got {cell_km!r}")
    m = ens.valid_mask()[-1]
    n = int(m.sum())
    if n == 0:
        raise ConfigError("origin_map: no member is valid at the last output time "
                          f"({ens.n_members} members all left the wind data's coverage)")
    lat, lon = ens.lat_deg[-1, m], ens.lon_deg[-1, m]
    plane = LocalPlane.about(lat, lon)
    x, y = plane.forward(lat, lon)
    cov = _bandwidth(x, y)
    d = cell_km * 1000.0
    pad = 4.0 * math.sqrt(max(cov[0, 0], cov[1, 1])) + d
    ix0, ix1 = math.floor((x.min() - pad) / d), math.ceil((x.max() + pad) / d)
    iy0, iy1 = math.floor((y.min() - pad) / d), math.ceil((y.max() + pad) / d)
    nx, ny = ix1 - ix0, iy1 - iy0
    if max(nx, ny) > MAX_ORIGIN_CELLS:
        raise ConfigError(f"origin_map: cell_km={cell_km} gives a {nx} x {ny} grid; more than "
                          f"{MAX_ORIGIN_CELLS} cells per axis, use larger cells")
    xc = (np.arange(nx) + ix0 + 0.5) * d
    yc = (np.arange(ny) + iy0 + 0.5) * d
    dens = _kde_grid(x, y, float(xc[0]), float(yc[0]), d, nx, ny, cov, linear=False)
    prob = np.clip(dens, 0.0, None)
    prob = prob / prob.sum()
    # the cell of each member, for how many members each region holds
    mx = np.clip(np.floor((x - xc[0]) / d + 0.5).astype(np.int64), 0, nx - 1)
    my = np.clip(np.floor((y - yc[0]) / d + 0.5).astype(np.int64), 0, ny - 1)
    order = np.argsort(-prob.ravel(), kind="stable")
    cum = np.cumsum(prob.ravel()[order])
    lead = float(ens.lead_s()[-1])
    regs: list[Region] = []
    for level in lv:
        count = min(int(np.searchsorted(cum, level - 1e-12)) + 1, order.size)
        chosen = np.zeros(prob.size, dtype=bool)
        chosen[order[:count]] = True
        chosen2d = chosen.reshape(ny, nx)
        poly = _cells_polygon(chosen2d, float(xc[0]), float(yc[0]), d)
        regs.append(Region(time_s=float(ens.times_s[-1]), lead_s=lead, level=level,
                           geometry=plane_to_lonlat(poly, plane), n_members=n,
                           n_inside=int(chosen2d[my, mx].sum()),
                           area_km2=float(poly.area) / 1e6))
    return OriginMap(time_s=float(ens.times_s[-1]), lead_s=lead, center_lat_deg=plane.lat_deg,
                     center_lon_deg=plane.lon_deg, cell_m=d, x_m=xc, y_m=yc, probability=prob,
                     n_valid=n, n_left=ens.n_members - n, regions=regs)


def plane_to_lonlat(geom: Geometry, plane: LocalPlane, max_seg_m: float = 10_000.0) -> Geometry:
    """A plane polygon as lon/lat degrees, split at the antimeridian, closed over a pole it holds.

    Edges are first cut to ``max_seg_m`` so they follow the plane's straight lines on the globe.
    """
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    pieces: list[Polygon] = []
    for part in parts:
        part = shapely.segmentize(part, max_seg_m)
        shell = _ring_lonlat(np.asarray(part.exterior.coords), plane,
                             _pole_inside(Polygon(part.exterior), plane))
        poly = _valid(Polygon(shell))
        for ring in part.interiors:
            # cut each hole out at every 360-degree shift that can meet the shell, so a hole
            # round a pole (a cap spanning all longitudes, like the shell) is removed whole
            hole = _ring_lonlat(np.asarray(ring.coords), plane,
                                _pole_inside(Polygon(ring), plane))
            base = _valid(Polygon(hole))
            shifted = [shapely.affinity.translate(base, xoff=k * 360.0) for k in (-1, 0, 1)]
            poly = _polygonal(poly.difference(shapely.unary_union(shifted)))
        lo = math.floor((shell[:, 0].min() + 180.0) / 360.0)
        hi = math.floor((shell[:, 0].max() + 180.0) / 360.0)
        for k in range(lo, hi + 1):
            clipped = poly.intersection(box(-180.0 + 360.0 * k, -90.0, 180.0 + 360.0 * k, 90.0))
            if clipped.is_empty:
                continue
            moved = shapely.affinity.translate(clipped, xoff=-360.0 * k)
            pieces.extend(_polys(moved))
    merged = shapely.unary_union(pieces) if len(pieces) > 1 else pieces[0]
    out = _polygonal(merged)
    return out


# --- helpers ---------------------------------------------------------------------------------


def _check_levels(levels: Sequence[float]) -> list[float]:
    lv = [float(v) for v in levels]
    if not lv or any(not 0.0 < v <= 1.0 for v in lv):
        raise ConfigError(f"levels must be fractions in (0, 1], got {list(levels)!r}")
    return lv


def _geometric_median(lat: FloatArray, lon: FloatArray) -> tuple[float, float]:
    """Weiszfeld's geometric median (degrees) in a local plane, re-centred once on the result."""
    plane = LocalPlane.about(lat, lon)
    for _ in range(2):
        x, y = plane.forward(lat, lon)
        gx, gy = _weiszfeld(x, y)
        mlat, mlon = plane.inverse(np.array(gx), np.array(gy))
        plane = LocalPlane(float(mlat), float(mlon))
    return plane.lat_deg, float(wrap_lon(plane.lon_deg))


def _weiszfeld(x: FloatArray, y: FloatArray, tol_m: float = 0.01,
               max_iter: int = 200) -> tuple[float, float]:
    gx, gy = float(np.median(x)), float(np.median(y))
    if x.size < 3:
        return float(x.mean()), float(y.mean())
    for _ in range(max_iter):
        dist = np.hypot(x - gx, y - gy)
        w = 1.0 / np.maximum(dist, 1e-6)
        nx, ny = float(np.sum(w * x) / w.sum()), float(np.sum(w * y) / w.sum())
        step = math.hypot(nx - gx, ny - gy)
        gx, gy = nx, ny
        if step < tol_m:
            break
    return gx, gy


def _bandwidth(x: FloatArray, y: FloatArray) -> FloatArray:
    """Kernel covariance (m²): Scott's rule on the sample covariance, floored for tiny clouds."""
    n = x.size
    cov = np.cov(np.vstack([x, y])) if n > 1 else np.zeros((2, 2))
    factor = n ** (-1.0 / 6.0)
    out: FloatArray = factor**2 * np.atleast_2d(cov) + MIN_BANDWIDTH_M**2 * np.eye(2)
    return out


def _kde_grid(x: FloatArray, y: FloatArray, x0: float, y0: float, d: float, nx: int, ny: int,
              cov: FloatArray, linear: bool = True) -> FloatArray:
    """Gaussian KDE (per m²) on grid nodes ``x0 + i d``, ``y0 + j d``, as a (ny, nx) array.

    Members are shared linearly among their four nearest nodes (or, with ``linear=False``, given
    whole to the nearest, as cells of a map want), then convolved with the kernel sampled on the
    grid (normalised to unit mass), which costs the same for any member count.
    """
    fx = (x - x0) / d
    fy = (y - y0) / d
    counts = np.zeros((ny, nx))
    if linear:
        ix = np.clip(np.floor(fx).astype(np.int64), 0, nx - 2)
        iy = np.clip(np.floor(fy).astype(np.int64), 0, ny - 2)
        wx = np.clip(fx - ix, 0.0, 1.0)
        wy = np.clip(fy - iy, 0.0, 1.0)
        np.add.at(counts, (iy, ix), (1 - wx) * (1 - wy))
        np.add.at(counts, (iy, ix + 1), wx * (1 - wy))
        np.add.at(counts, (iy + 1, ix), (1 - wx) * wy)
        np.add.at(counts, (iy + 1, ix + 1), wx * wy)
    else:
        ix = np.clip(np.floor(fx + 0.5).astype(np.int64), 0, nx - 1)
        iy = np.clip(np.floor(fy + 0.5).astype(np.int64), 0, ny - 1)
        np.add.at(counts, (iy, ix), 1.0)
    kx = max(1, math.ceil(4.0 * math.sqrt(cov[0, 0]) / d))
    ky = max(1, math.ceil(4.0 * math.sqrt(cov[1, 1]) / d))
    ox, oy = np.meshgrid(np.arange(-kx, kx + 1) * d, np.arange(-ky, ky + 1) * d)
    inv = np.linalg.inv(cov)
    q = inv[0, 0] * ox**2 + 2.0 * inv[0, 1] * ox * oy + inv[1, 1] * oy**2
    kernel = np.exp(-0.5 * q)
    kernel /= kernel.sum()
    dens: FloatArray = fftconvolve(counts, kernel, mode="same") / (x.size * d * d)
    return dens


def _plane_regions(x: FloatArray, y: FloatArray, levels: list[float]) -> list[Geometry]:
    """For each level, the region as a plane polygon (m)."""
    n = x.size
    if n < MIN_KDE_MEMBERS:
        return [_disk_region(x, y, level) for level in levels]
    cov = _bandwidth(x, y)
    sx, sy = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
    x0, x1 = x.min() - 4.0 * sx, x.max() + 4.0 * sx
    y0, y1 = y.min() - 4.0 * sy, y.max() + 4.0 * sy
    s_min = math.sqrt(float(np.linalg.eigvalsh(cov)[0]))
    d = max(s_min / 2.0, max(x1 - x0, y1 - y0) / (MAX_GRID_CELLS - 1))
    nx = math.ceil((x1 - x0) / d) + 1
    ny = math.ceil((y1 - y0) / d) + 1
    dens = _kde_grid(x, y, x0, y0, d, nx, ny, cov)
    at_members = map_coordinates(dens, [(y - y0) / d, (x - x0) / d], order=1, mode="nearest")
    # leave-one-out: a member's own kernel would inflate its density over that of a member not
    # yet seen, and the regions would hold less than their level of a fresh draw
    self_kernel = 1.0 / (2.0 * math.pi * math.sqrt(float(np.linalg.det(cov))))
    loo = (n * at_members - self_kernel) / (n - 1)
    ranked = np.sort(loo)[::-1]
    out: list[Geometry] = []
    for level in levels:
        keep = max(1, math.ceil(level * n - 1e-9))
        # the contour runs between the last member kept and the first left out
        last = float(ranked[keep - 1])
        threshold = 0.5 * (last + float(ranked[keep])) if keep < n else 0.5 * last
        poly = _contour(dens, x0, y0, d, threshold)
        if poly.area < math.pi * MIN_BANDWIDTH_M**2:  # members tied at one density peak
            out.append(_disk_region(x, y, level))
            continue
        out.append(poly)
    return out


def _cells_polygon(mask: npt.NDArray[np.bool_], x0: float, y0: float, d: float) -> Geometry:
    """The union of the cells (centres ``x0 + i d``, ``y0 + j d``) where ``mask`` is set.

    Each row's runs of cells become one box first, so wide maps stay fast.
    """
    edges = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, stops = np.nonzero(edges == -1)  # same row order as the starts, one stop per start
    boxes = shapely.box(x0 + (starts - 0.5) * d, y0 + (rows - 0.5) * d,
                        x0 + (stops - 0.5) * d, y0 + (rows + 0.5) * d)
    return _polygonal(shapely.unary_union(boxes).simplify(0.0))


def _disk_region(x: FloatArray, y: FloatArray, level: float) -> Geometry:
    """A few members: disks about the ``ceil(level n)`` members nearest their median."""
    n = x.size
    keep = max(1, math.ceil(level * n - 1e-9))
    gx, gy = _weiszfeld(x, y)
    order = np.argsort(np.hypot(x - gx, y - gy), kind="stable")[:keep]
    spread = float(np.max(np.hypot(x - gx, y - gy))) if n > 1 else 0.0
    radius = max(4.0 * MIN_BANDWIDTH_M, 0.1 * spread)
    disks = shapely.buffer(shapely.points(x[order], y[order]), radius, quad_segs=16)
    return _polygonal(shapely.unary_union(disks))


# marching squares: for each case (corner bits 1=(0,0) 2=(0,1) 4=(1,1) 8=(1,0), as (row, col)),
# the cell edges joined by a segment; edges 0=bottom 1=right 2=top 3=left. Saddles 5 and 10 take
# the first pair list when the cell centre is below the threshold, the second when above.
_CASES: dict[int, tuple[tuple[tuple[int, int], ...], ...]] = {
    1: (((3, 0),),), 2: (((0, 1),),), 3: (((3, 1),),), 4: (((1, 2),),),
    5: (((3, 0), (1, 2)), ((3, 2), (0, 1))), 6: (((0, 2),),), 7: (((3, 2),),),
    8: (((3, 2),),), 9: (((0, 2),),), 10: (((0, 1), (3, 2)), ((3, 0), (1, 2))),
    11: (((1, 2),),), 12: (((3, 1),),), 13: (((0, 1),),), 14: (((3, 0),),),
}


def _contour(grid: FloatArray, x0: float, y0: float, d: float, threshold: float) -> Geometry:
    """The polygon (plane metres) where the bilinear surface of ``grid`` is >= ``threshold``."""
    g = np.pad(grid, 1, constant_values=0.0)
    ox, oy = x0 - d, y0 - d
    above = g >= threshold
    ny, nx = g.shape
    # crossing points on horizontal edges (row r, between cols c and c+1) and vertical edges
    with np.errstate(divide="ignore", invalid="ignore"):
        fh = (threshold - g[:, :-1]) / (g[:, 1:] - g[:, :-1])
        fv = (threshold - g[:-1, :]) / (g[1:, :] - g[:-1, :])
    cols = np.arange(nx, dtype=np.float64)
    rows = np.arange(ny, dtype=np.float64)
    hx = ox + (cols[None, :-1] + fh) * d
    hy = np.broadcast_to(oy + rows[:, None] * d, fh.shape)
    vx = np.broadcast_to(ox + cols[None, :] * d, fv.shape)
    vy = oy + (rows[:-1, None] + fv) * d
    case = (above[:-1, :-1] * 1 + above[:-1, 1:] * 2 + above[1:, 1:] * 4
            + above[1:, :-1] * 8)
    centre_above = (g[:-1, :-1] + g[:-1, 1:] + g[1:, 1:] + g[1:, :-1]) / 4.0 >= threshold
    segs: list[FloatArray] = []
    for code, variants in _CASES.items():
        r, c = np.nonzero(case == code)
        if r.size == 0:
            continue
        if len(variants) == 1:
            groups = [(r, c, variants[0])]
        else:
            hi = centre_above[r, c]
            groups = [(r[~hi], c[~hi], variants[0]), (r[hi], c[hi], variants[1])]
        for rr, cc, pairs in groups:
            for a, b in pairs:
                segs.append(np.stack([_edge_point(a, rr, cc, hx, hy, vx, vy),
                                      _edge_point(b, rr, cc, hx, hy, vx, vy)], axis=1))
    if not segs:
        return Polygon()
    coords = np.concatenate(segs, axis=0)
    keep = np.any(coords[:, 0, :] != coords[:, 1, :], axis=1)
    lines = shapely.linestrings(coords[keep])
    faces = list(shapely.polygonize(lines).geoms)
    inside: list[Polygon] = []
    for face in faces:
        p = face.point_on_surface()
        val = map_coordinates(g, [[(p.y - oy) / d], [(p.x - ox) / d]], order=1)[0]
        if val >= threshold:
            inside.append(face)
    return _polygonal(shapely.unary_union(inside)) if inside else Polygon()


def _edge_point(edge: int, r: IntArray, c: IntArray, hx: FloatArray, hy: FloatArray,
                vx: FloatArray, vy: FloatArray) -> FloatArray:
    """(n, 2) crossing points on one edge of cells (r, c)."""
    if edge == 0:
        return np.stack([hx[r, c], hy[r, c]], axis=1)
    if edge == 2:
        return np.stack([hx[r + 1, c], hy[r + 1, c]], axis=1)
    if edge == 3:
        return np.stack([vx[r, c], vy[r, c]], axis=1)
    return np.stack([vx[r, c + 1], vy[r, c + 1]], axis=1)


def _pole_inside(poly: Polygon, plane: LocalPlane) -> float:
    """+90 or -90 for the pole a plane polygon holds; 0 for neither."""
    for pole in (90.0, -90.0):
        px, py = plane.forward(np.array(pole), np.array(0.0))
        if shapely.contains_xy(poly, float(px), float(py)):
            return pole
    return 0.0


def _ring_lonlat(xy: FloatArray, plane: LocalPlane, pole: float = 0.0) -> FloatArray:
    """(n, 2) lon/lat of a plane ring, longitudes unwrapped to run continuously.

    A ring that winds once around a pole is closed over that pole, so it becomes an ordinary
    polygon in lon/lat spanning 360 degrees of longitude.
    """
    lat, lon = plane.inverse(xy[:, 0], xy[:, 1])
    lon_u = np.unwrap(lon, period=360.0)
    turn = lon_u[-1] - lon_u[0]
    if abs(turn) > 180.0:
        if pole == 0.0:  # winds round a pole it does not hold: only by rounding error
            pole = 90.0 if plane.lat_deg >= 0.0 else -90.0
        lon_u = np.concatenate([lon_u, [lon_u[-1], lon_u[0], lon_u[0]]])
        lat = np.concatenate([lat, [pole, pole, lat[0]]])
        lon_u -= 360.0 * math.floor((lon_u.min() + 180.0) / 360.0)
    else:
        lon_u -= 360.0 * np.round(lon_u.mean() / 360.0)
    return np.stack([lon_u, lat], axis=1)


def _valid(poly: Polygon) -> Geometry:
    return poly if poly.is_valid else _polygonal(shapely.make_valid(poly))


def _polys(geom: shapely.Geometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polys(g)]
    return []


def _polygonal(geom: shapely.Geometry) -> Geometry:
    """A Polygon or MultiPolygon from any geometry, dropping lines and points."""
    polys = _polys(geom)
    if not polys:
        return Polygon()
    if len(polys) == 1:
        return polys[0]
    return MultiPolygon(polys)
