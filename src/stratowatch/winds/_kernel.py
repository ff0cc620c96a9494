"""Compiled wind sampling shared by every WindField and by the drift integrator.

One function, ``wind_at``, evaluates any field kind at one point so that the integrator is
compiled once for all kinds. A field reaches it as a ``KernelField`` tuple of plain arrays:

- ``kind``: GRIDDED, UNIFORM, SOLID_BODY or ZONAL_JET;
- ``params``: float64 parameters (grid geometry for GRIDDED, constants for analytic kinds);
- ``times_s``: float64 valid times of a gridded field (seconds since the epoch);
- ``levels_hpa``: float64 pressure levels, descending (so height increases with index);
- ``data``: float32 (member, time, lat, lon, level, 3) with channels geometric height (m), u, v.

The vertical coordinate ``z`` is a geometric altitude in metres (``zmode`` ALT) or a pressure in
hPa (``zmode`` PRESSURE). Gridded interpolation is linear in time, latitude and longitude
(periodic for global grids), and between the two levels bracketing the point: linear in height
for ALT, linear in log-pressure for PRESSURE (Tawhiri's scheme). Below the lowest level the
lowest level's wind holds (stated in every coverage text); above the top level, outside the
region or outside the valid times the status says which, and the wind is zero.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from stratowatch.geo.atmosphere import altitude_m_at
from stratowatch.geo.sphere import EARTH_RADIUS_M

# Floating-point licences for the compiled code: fused multiply-add and reassociation, but
# NaN and infinity keep their IEEE meaning.
FASTMATH = {"contract", "reassoc", "nsz", "arcp"}

GRIDDED = 0
UNIFORM = 1
SOLID_BODY = 2
ZONAL_JET = 3

ALT = 0
PRESSURE = 1

OK = 0
OUT_REGION = 1
OUT_TIME = 2
OUT_LEVELS = 3

# GRIDDED params layout
P_LAT0, P_DLAT, P_NLAT, P_LON0, P_DLON, P_NLON, P_PERIODIC, P_UNIFORM_H, P_STEADY, \
    P_INV_DLAT, P_INV_DLON = range(11)
N_GRID_PARAMS = 11


class KernelField(NamedTuple):
    """The plain-array form of a wind field that compiled code consumes."""

    kind: int
    params: npt.NDArray[np.float64]
    times_s: npt.NDArray[np.float64]
    levels_hpa: npt.NDArray[np.float64]
    data: npt.NDArray[np.float32]


def kernel_field(kind: int, params: npt.ArrayLike, times_s: npt.ArrayLike,
                 levels_hpa: npt.ArrayLike, data: npt.ArrayLike) -> KernelField:
    """A KernelField with C-contiguous, writeable arrays of fixed dtypes, so that the compiled
    kernels see one type signature (and compile once) whatever the source was."""
    def req(a: npt.ArrayLike, dtype: type) -> npt.NDArray[Any]:
        return np.require(a, dtype=dtype, requirements=["C", "W", "O"])

    params = req(params, np.float64)
    if kind == GRIDDED:
        params[P_INV_DLAT] = 1.0 / params[P_DLAT]
        params[P_INV_DLON] = 1.0 / params[P_DLON]
    return KernelField(int(kind), params, req(times_s, np.float64),
                       req(levels_hpa, np.float64), req(data, np.float32))


def empty_grid() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                          npt.NDArray[np.float32]]:
    """Placeholder arrays for analytic kinds (numba needs the same types for every kind)."""
    return (np.zeros(1), np.array([1000.0]), np.zeros((1, 1, 1, 1, 1, 3), dtype=np.float32))


Offsets = tuple[int, int, int, int, int, int, int, int]
Weights = tuple[float, float, float, float, float, float, float, float]


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _height(flat: npt.NDArray[np.float32], o: Offsets, k: int, w: Weights) -> float:
    """Height (m) of level k at the point: the 8 corners of time x lat x lon, weighted.

    ``flat`` is the field's data as one vector and ``o`` the offsets of the 8 corners' level 0.
    """
    j = 3 * k
    return (flat[o[0] + j] * w[0] + flat[o[1] + j] * w[1] + flat[o[2] + j] * w[2]
            + flat[o[3] + j] * w[3] + flat[o[4] + j] * w[4] + flat[o[5] + j] * w[5]
            + flat[o[6] + j] * w[6] + flat[o[7] + j] * w[7])


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _bracket(flat: npt.NDArray[np.float32], o: Offsets, k: int, w: Weights
             ) -> tuple[float, float, float, float, float, float]:
    """Height, u and v of levels k and k+1 in one pass over the 8 corners.

    The six values of a corner are adjacent in memory (layout ..., level, channel), so each
    corner costs one cache line."""
    h0 = u0 = v0 = h1 = u1 = v1 = 0.0
    j = 3 * k
    for c in range(8):
        base = o[c] + j
        wc = w[c]
        h0 += flat[base] * wc
        u0 += flat[base + 1] * wc
        v0 += flat[base + 2] * wc
        h1 += flat[base + 3] * wc
        u1 += flat[base + 4] * wc
        v1 += flat[base + 5] * wc
    return h0, u0, v0, h1, u1, v1


@njit(cache=True, fastmath=FASTMATH)
def _gridded(params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
             levels_hpa: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float,
             lat: float, lon: float, z: float, zmode: int, member: int, khint: int
             ) -> tuple[float, float, float, int, int]:
    n_members = data.shape[0]
    e = 0 if n_members == 1 else member % n_members
    # time
    if params[P_STEADY] != 0.0:
        it0 = 0
        it1 = 0
        wt = 0.0
    else:
        nt = times_s.shape[0]
        if t < times_s[0] - 1e-6 or t > times_s[nt - 1] + 1e-6:
            return 0.0, 0.0, math.nan, OUT_TIME, -1
        # guess from the first interval (exact for evenly spaced times), then walk
        it0 = int((t - times_s[0]) / (times_s[1] - times_s[0]))
        it0 = min(max(it0, 0), nt - 2)
        while it0 > 0 and times_s[it0] > t:
            it0 -= 1
        while it0 < nt - 2 and times_s[it0 + 1] <= t:
            it0 += 1
        it1 = it0 + 1
        wt = (t - times_s[it0]) / (times_s[it1] - times_s[it0])
        wt = min(max(wt, 0.0), 1.0)
    # horizontal
    if params[P_UNIFORM_H] != 0.0:
        iy0 = 0
        iy1 = 0
        ix0 = 0
        ix1 = 0
        wy = 0.0
        wx = 0.0
    else:
        nlat = int(params[P_NLAT])
        fy = (lat - params[P_LAT0]) * params[P_INV_DLAT]
        if fy < -1e-9 or fy > nlat - 1 + 1e-9:
            return 0.0, 0.0, math.nan, OUT_REGION, -1
        fy = min(max(fy, 0.0), nlat - 1.0)
        iy0 = min(int(fy), nlat - 2)
        iy1 = iy0 + 1
        wy = fy - iy0
        nlon = int(params[P_NLON])
        dlon = params[P_DLON]
        offset = lon - params[P_LON0]
        while offset < 0.0:
            offset += 360.0
        while offset >= 360.0:
            offset -= 360.0
        fx = offset * params[P_INV_DLON]
        if params[P_PERIODIC] != 0.0:
            ix0 = int(fx)
            wx = fx - ix0
            if ix0 >= nlon:
                ix0 -= nlon
            ix1 = ix0 + 1 if ix0 + 1 < nlon else 0
        else:
            if fx > nlon - 1 + 1e-9:
                if fx * dlon > 360.0 - 1e-9:  # just west of lon0 by rounding
                    fx = 0.0
                else:
                    return 0.0, 0.0, math.nan, OUT_REGION, -1
            fx = min(fx, nlon - 1.0)
            ix0 = min(int(fx), nlon - 2)
            ix1 = ix0 + 1
            wx = fx - ix0
    nlev = levels_hpa.shape[0]
    wt0 = 1.0 - wt
    wy0 = 1.0 - wy
    wx0 = 1.0 - wx
    w = (wt0 * wy0 * wx0, wt0 * wy0 * wx, wt0 * wy * wx0, wt0 * wy * wx,
         wt * wy0 * wx0, wt * wy0 * wx, wt * wy * wx0, wt * wy * wx)
    n_t, n_y, n_x = data.shape[1], data.shape[2], data.shape[3]
    row = 3 * nlev
    r00 = ((e * n_t + it0) * n_y + iy0) * n_x
    r01 = ((e * n_t + it0) * n_y + iy1) * n_x
    r10 = ((e * n_t + it1) * n_y + iy0) * n_x
    r11 = ((e * n_t + it1) * n_y + iy1) * n_x
    o = ((r00 + ix0) * row, (r00 + ix1) * row, (r01 + ix0) * row, (r01 + ix1) * row,
         (r10 + ix0) * row, (r10 + ix1) * row, (r11 + ix0) * row, (r11 + ix1) * row)
    flat = data.reshape(data.size)
    if nlev == 1:
        return 0.0, 0.0, math.nan, OUT_LEVELS, -1
    # vertical
    if zmode == PRESSURE:
        if z > levels_hpa[0] + 1e-9 or z < levels_hpa[nlev - 1] - 1e-9:
            return 0.0, 0.0, math.nan, OUT_LEVELS, -1
        lo = 0
        hi = nlev - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if levels_hpa[mid] >= z:
                lo = mid
            else:
                hi = mid
        wz = math.log(levels_hpa[lo] / z) / math.log(levels_hpa[lo] / levels_hpa[hi])
        wz = min(max(wz, 0.0), 1.0)
        h0, u0, v0, h1, u1, v1 = _bracket(flat, o, lo, w)
        return u0 + (u1 - u0) * wz, v0 + (v1 - v0) * wz, h0 + (h1 - h0) * wz, OK, lo
    if 0 <= khint < nlev - 1:  # the bracket of the last call usually still holds
        h0, u0, v0, h1, u1, v1 = _bracket(flat, o, khint, w)
        if h0 <= z <= h1 and h1 > h0:
            wz = (z - h0) / (h1 - h0)
            return u0 + (u1 - u0) * wz, v0 + (v1 - v0) * wz, z, OK, khint
    h_top = _height(flat, o, nlev - 1, w)
    if z > h_top + 1e-6:
        return 0.0, 0.0, math.nan, OUT_LEVELS, -1
    h_bot = _height(flat, o, 0, w)
    if z <= h_bot:
        h0, u0, v0, h1, u1, v1 = _bracket(flat, o, 0, w)
        return u0, v0, z, OK, 0
    lo = 0
    hi = nlev - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _height(flat, o, mid, w) <= z:
            lo = mid
        else:
            hi = mid
    h0, u0, v0, h1, u1, v1 = _bracket(flat, o, lo, w)
    wz = min(max((z - h0) / (h1 - h0), 0.0), 1.0) if h1 > h0 else 0.0
    return u0 + (u1 - u0) * wz, v0 + (v1 - v0) * wz, z, OK, lo


@njit(cache=True, fastmath=FASTMATH)
def _analytic(kind: int, params: npt.NDArray[np.float64], t: float, lat: float, lon: float,
              alt: float) -> tuple[float, float]:
    if kind == UNIFORM:
        return params[0], params[1]
    phi = math.radians(lat)
    lam = math.radians(lon)
    if kind == SOLID_BODY:
        # velocity = omega * (k x r), r = (R + alt) * n; project on east and north.
        kx, ky, kz, omega = params[0], params[1], params[2], params[3]
        r = EARTH_RADIUS_M + alt
        cphi, sphi, clam, slam = math.cos(phi), math.sin(phi), math.cos(lam), math.sin(lam)
        nx, ny, nz = cphi * clam, cphi * slam, sphi
        vx = omega * r * (ky * nz - kz * ny)
        vy = omega * r * (kz * nx - kx * nz)
        vz = omega * r * (kx * ny - ky * nx)
        u = -slam * vx + clam * vy
        v = -sphi * clam * vx - sphi * slam * vy + cphi * vz
        return u, v
    # ZONAL_JET: u0, lat0, width, z_jet, depth, amp, wavenumber, phase speed deg/s
    u0, lat0, width, z_jet, depth = params[0], params[1], params[2], params[3], params[4]
    amp, wavenumber, c_degps = params[5], params[6], params[7]
    shape = math.exp(-(((lat - lat0) / width) ** 2)) * math.exp(-(((alt - z_jet) / depth) ** 2))
    u = u0 * shape
    v = amp * shape * math.cos(phi) * math.sin(wavenumber * (lam - math.radians(c_degps * t)))
    return u, v


@njit(cache=True, fastmath=FASTMATH)
def wind_at(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
            levels_hpa: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float,
            lat: float, lon: float, z: float, zmode: int, member: int, khint: int = -1
            ) -> tuple[float, float, float, int, int]:
    """Wind (u east, v north, m/s), the altitude (m), a status code and the level bracket.

    ``khint`` is a level index to try first as the bracket of ``z`` (ALT mode); -1 for none.
    """
    if kind == GRIDDED:
        return _gridded(params, times_s, levels_hpa, data, t, lat, lon, z, zmode, member, khint)
    alt = z if zmode == ALT else altitude_m_at(z * 100.0)
    u, v = _analytic(kind, params, t, lat, lon, alt)
    return u, v, alt, OK, -1


@njit(cache=True, fastmath=FASTMATH)
def sample_many(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
                levels_hpa: npt.NDArray[np.float64], data: npt.NDArray[np.float32],
                t: npt.NDArray[np.float64], lat: npt.NDArray[np.float64],
                lon: npt.NDArray[np.float64], z: npt.NDArray[np.float64], zmode: int,
                member: npt.NDArray[np.int64]
                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                           npt.NDArray[np.float64], npt.NDArray[np.int8]]:
    n = t.shape[0]
    u = np.empty(n)
    v = np.empty(n)
    alt = np.empty(n)
    status = np.empty(n, dtype=np.int8)
    for i in range(n):
        u[i], v[i], alt[i], status[i], _k = wind_at(kind, params, times_s, levels_hpa, data, t[i],
                                                lat[i], lon[i], z[i], zmode, member[i], -1)
    return u, v, alt, status
