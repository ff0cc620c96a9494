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
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from stratowatch.geo.atmosphere import altitude_m_at
from stratowatch.geo.sphere import EARTH_RADIUS_M

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
P_LAT0, P_DLAT, P_NLAT, P_LON0, P_DLON, P_NLON, P_PERIODIC, P_UNIFORM_H, P_STEADY = range(9)
N_GRID_PARAMS = 9


class KernelField(NamedTuple):
    """The plain-array form of a wind field that compiled code consumes."""

    kind: int
    params: npt.NDArray[np.float64]
    times_s: npt.NDArray[np.float64]
    levels_hpa: npt.NDArray[np.float64]
    data: npt.NDArray[np.float32]


def empty_grid() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                          npt.NDArray[np.float32]]:
    """Placeholder arrays for analytic kinds (numba needs the same types for every kind)."""
    return (np.zeros(1), np.array([1000.0]), np.zeros((1, 1, 1, 1, 1, 3), dtype=np.float32))


@njit(cache=True, inline="always")
def _corner_value(data: npt.NDArray[np.float32], e: int, it0: int, it1: int, iy0: int, iy1: int,
                  ix0: int, ix1: int, k: int, c: int, wt: float, wy: float, wx: float) -> float:
    a = (data[e, it0, iy0, ix0, k, c] * (1.0 - wx) + data[e, it0, iy0, ix1, k, c] * wx) * (1.0 - wy)
    a += (data[e, it0, iy1, ix0, k, c] * (1.0 - wx) + data[e, it0, iy1, ix1, k, c] * wx) * wy
    b = (data[e, it1, iy0, ix0, k, c] * (1.0 - wx) + data[e, it1, iy0, ix1, k, c] * wx) * (1.0 - wy)
    b += (data[e, it1, iy1, ix0, k, c] * (1.0 - wx) + data[e, it1, iy1, ix1, k, c] * wx) * wy
    return a * (1.0 - wt) + b * wt


@njit(cache=True)
def _gridded(params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
             levels_hpa: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float,
             lat: float, lon: float, z: float, zmode: int, member: int
             ) -> tuple[float, float, float, int]:
    n_members = data.shape[0]
    e = member % n_members
    # time
    if params[P_STEADY] != 0.0:
        it0 = 0
        it1 = 0
        wt = 0.0
    else:
        nt = times_s.shape[0]
        if t < times_s[0] - 1e-6 or t > times_s[nt - 1] + 1e-6:
            return 0.0, 0.0, math.nan, OUT_TIME
        it0 = int(np.searchsorted(times_s, t)) - 1
        if it0 < 0:
            it0 = 0
        if it0 > nt - 2:
            it0 = nt - 2
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
        fy = (lat - params[P_LAT0]) / params[P_DLAT]
        if fy < -1e-9 or fy > nlat - 1 + 1e-9:
            return 0.0, 0.0, math.nan, OUT_REGION
        fy = min(max(fy, 0.0), nlat - 1.0)
        iy0 = min(int(fy), nlat - 2)
        iy1 = iy0 + 1
        wy = fy - iy0
        nlon = int(params[P_NLON])
        dlon = params[P_DLON]
        offset = (lon - params[P_LON0]) % 360.0
        fx = offset / dlon
        if params[P_PERIODIC] != 0.0:
            ix0 = int(fx)
            wx = fx - ix0
            ix0 = ix0 % nlon
            ix1 = (ix0 + 1) % nlon
        else:
            if fx > nlon - 1 + 1e-9:
                if fx * dlon > 360.0 - 1e-9:  # just west of lon0 by rounding
                    fx = 0.0
                else:
                    return 0.0, 0.0, math.nan, OUT_REGION
            fx = min(fx, nlon - 1.0)
            ix0 = min(int(fx), nlon - 2)
            ix1 = ix0 + 1
            wx = fx - ix0
    nlev = levels_hpa.shape[0]
    # vertical
    if zmode == PRESSURE:
        if z > levels_hpa[0] + 1e-9 or z < levels_hpa[nlev - 1] - 1e-9:
            return 0.0, 0.0, math.nan, OUT_LEVELS
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
        k0 = lo
        k1 = hi
        h0 = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, k0, 0, wt, wy, wx)
        h1 = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, k1, 0, wt, wy, wx)
        alt = h0 + (h1 - h0) * wz
    else:
        alt = z
        h_top = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, nlev - 1, 0, wt, wy, wx)
        if z > h_top + 1e-6:
            return 0.0, 0.0, math.nan, OUT_LEVELS
        h_bot = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, 0, 0, wt, wy, wx)
        if z <= h_bot:
            u = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, 0, 1, wt, wy, wx)
            v = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, 0, 2, wt, wy, wx)
            return u, v, alt, OK
        lo = 0
        hi = nlev - 1
        h_lo = h_bot
        h_hi = h_top
        while hi - lo > 1:
            mid = (lo + hi) // 2
            h_mid = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, mid, 0, wt, wy, wx)
            if h_mid <= z:
                lo = mid
                h_lo = h_mid
            else:
                hi = mid
                h_hi = h_mid
        k0 = lo
        k1 = hi
        wz = (z - h_lo) / (h_hi - h_lo) if h_hi > h_lo else 0.0
    u0 = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, k0, 1, wt, wy, wx)
    u1 = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, k1, 1, wt, wy, wx)
    v0 = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, k0, 2, wt, wy, wx)
    v1 = _corner_value(data, e, it0, it1, iy0, iy1, ix0, ix1, k1, 2, wt, wy, wx)
    return u0 + (u1 - u0) * wz, v0 + (v1 - v0) * wz, alt, OK


@njit(cache=True)
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


@njit(cache=True)
def wind_at(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
            levels_hpa: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float,
            lat: float, lon: float, z: float, zmode: int, member: int
            ) -> tuple[float, float, float, int]:
    """Wind (u east, v north, m/s), the point's altitude (m) and a status code at one point."""
    if kind == GRIDDED:
        return _gridded(params, times_s, levels_hpa, data, t, lat, lon, z, zmode, member)
    alt = z if zmode == ALT else altitude_m_at(z * 100.0)
    u, v = _analytic(kind, params, t, lat, lon, alt)
    return u, v, alt, OK


@njit(cache=True)
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
        u[i], v[i], alt[i], status[i] = wind_at(kind, params, times_s, levels_hpa, data, t[i],
                                                lat[i], lon[i], z[i], zmode, member[i])
    return u, v, alt, status
