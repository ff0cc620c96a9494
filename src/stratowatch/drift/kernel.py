"""The compiled RK4 integrator: every ensemble member at once, forward or backward in time.

Positions are unit vectors on the sphere, so poles and the antimeridian are ordinary points;
the wind (east, north) is turned into a tangent vector with the local basis, which needs only
square roots. Each member carries its own vertical state (flight profile), a wind-error
process and a status. All randomness comes from a counter-based generator keyed by (seed,
member, step), so results do not depend on threads or on how the run is cut into chunks.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from stratowatch.geo.atmosphere import SEA_LEVEL_DENSITY_KGPM3, density_kgpm3_at
from stratowatch.geo.sphere import EARTH_RADIUS_M
from stratowatch.winds import _kernel as W
from stratowatch.winds._kernel import FASTMATH

# profile modes
FLOAT_ALT = 0
FLOAT_PRESSURE = 1
STANDARD = 2
MANEUVER = 3

# phases of the standard profile
ASCENT = 0
DESCENT = 1

GROUND = 4  # member status beyond the wind kernel's codes

# profile parameter slots
PR_ASCENT_MPS, PR_DESCENT_SL_MPS, PR_GROUND_M, PR_ALT_MIN, PR_ALT_MAX, PR_VRATE_MPS, \
    PR_DWELL_S = range(7)
N_PROFILE_PARAMS = 7

# wind-error parameter slots
WE_SIGMA_MPS, WE_LENGTH_M, WE_TIME_S = range(3)

_RAD = math.pi / 180.0


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _mix(x: np.uint64) -> np.uint64:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _uniform(seed: int, member: int, counter: int) -> float:
    h = _mix(_mix(np.uint64(seed) ^ _mix(np.uint64(member))) + np.uint64(counter))
    return (float(h >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _normal_pair(seed: int, member: int, counter: int) -> tuple[float, float]:
    u1 = _uniform(seed, member, 2 * counter)
    u2 = _uniform(seed, member, 2 * counter + 1)
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _vertical_rate(mode: int, prof: npt.NDArray[np.float64], phase: int, alt: float,
                   rate_scale: float, target: float, direction: float) -> float:
    """d(vertical coordinate)/dt in forward time (m/s; 0 for isobaric and altitude floats)."""
    if mode == STANDARD:
        if phase == ASCENT:
            return prof[PR_ASCENT_MPS] * rate_scale
        rho = density_kgpm3_at(alt)
        return -prof[PR_DESCENT_SL_MPS] * rate_scale * math.sqrt(SEA_LEVEL_DENSITY_KGPM3 / rho)
    if mode == MANEUVER:
        gap = target - alt
        rate = prof[PR_VRATE_MPS] * rate_scale
        # towards the target in the direction of integration, slowing within 10 minutes of it
        return direction * max(-rate, min(rate, gap / 600.0))
    return 0.0


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _deriv_xyz(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
               levels: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float,
               x: float, y: float, z: float, zc: float, zmode: int, member: int, eu: float,
               ev: float, khint: int
               ) -> tuple[float, float, float, float, float, int, int]:
    """Tangent velocity on the unit sphere (1/s), base wind speed, altitude, status, bracket."""
    rho = math.sqrt(x * x + y * y)
    lat = math.atan2(z, rho) / _RAD
    lon = math.atan2(y, x) / _RAD
    u, v, alt, status, k = W.wind_at(kind, params, times_s, levels, data, t, lat, lon, zc,
                                     zmode, member, khint)
    if status != W.OK:
        return 0.0, 0.0, 0.0, 0.0, 0.0, status, -1
    speed = math.sqrt(u * u + v * v)
    u += eu
    v += ev
    if rho > 1e-12:
        ex, ey = -y / rho, x / rho
        nx, ny, nz = -z * x / rho, -z * y / rho, rho
    else:  # on the pole: the basis of longitude 0, matching atan2(0, 0) = 0 above
        ex, ey = 0.0, 1.0
        nx, ny, nz = -z, 0.0, 0.0
    inv_r = 1.0 / (EARTH_RADIUS_M + alt)
    return ((u * ex + v * nx) * inv_r, (u * ey + v * ny) * inv_r, v * nz * inv_r, speed, alt,
            W.OK, k)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _deriv_ll(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
              levels: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float,
              lat: float, lon: float, zc: float, zmode: int, member: int, eu: float, ev: float,
              khint: int) -> tuple[float, float, float, float, int, int]:
    """d(lat)/dt and d(lon)/dt (deg/s), base wind speed, altitude, status, bracket."""
    u, v, alt, status, k = W.wind_at(kind, params, times_s, levels, data, t, lat, lon, zc,
                                     zmode, member, khint)
    if status != W.OK:
        return 0.0, 0.0, 0.0, 0.0, status, -1
    speed = math.sqrt(u * u + v * v)
    inv_r = 1.0 / ((EARTH_RADIUS_M + alt) * _RAD)
    return ((v + ev) * inv_r, (u + eu) * inv_r / math.cos(lat * _RAD), speed, alt, W.OK, k)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _rk4_ll(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
            levels: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float, dt: float,
            lat: float, lon: float, c1: float, c2: float, c3: float, c4: float, zmode: int,
            member: int, eu: float, ev: float, kh: int
            ) -> tuple[float, float, float, float, int, int]:
    """One RK4 step in latitude and longitude: new lat, lon, base speed, altitude, status, bracket.

    ``c1``..``c4`` are the vertical coordinates at the four stages."""
    half = 0.5 * dt
    k1a, k1o, speed, a1, st, kh = _deriv_ll(kind, params, times_s, levels, data, t, lat, lon,
                                            c1, zmode, member, eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    k2a, k2o, _s, _a, st, _k = _deriv_ll(kind, params, times_s, levels, data, t + half,
                                         lat + half * k1a, lon + half * k1o, c2, zmode, member,
                                         eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    k3a, k3o, _s, _a, st, _k = _deriv_ll(kind, params, times_s, levels, data, t + half,
                                         lat + half * k2a, lon + half * k2o, c3, zmode, member,
                                         eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    k4a, k4o, _s, _a, st, _k = _deriv_ll(kind, params, times_s, levels, data, t + dt,
                                         lat + dt * k3a, lon + dt * k3o, c4, zmode, member,
                                         eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    sixth = dt / 6.0
    return (lat + sixth * (k1a + 2.0 * k2a + 2.0 * k3a + k4a),
            lon + sixth * (k1o + 2.0 * k2o + 2.0 * k3o + k4o), speed, a1, W.OK, kh)


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _rk4_xyz(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
             levels: npt.NDArray[np.float64], data: npt.NDArray[np.float32], t: float,
             dt: float, lat: float, lon: float, c1: float, c2: float, c3: float, c4: float,
             zmode: int, member: int, eu: float, ev: float, kh: int
             ) -> tuple[float, float, float, float, int, int]:
    """One RK4 step on unit vectors (near the poles); same returns as ``_rk4_ll``."""
    half = 0.5 * dt
    cl = math.cos(lat * _RAD)
    x, y, z = cl * math.cos(lon * _RAD), cl * math.sin(lon * _RAD), math.sin(lat * _RAD)
    k1x, k1y, k1z, speed, a1, st, kh = _deriv_xyz(kind, params, times_s, levels, data, t, x, y,
                                                  z, c1, zmode, member, eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    k2x, k2y, k2z, _s, _a, st, _k = _deriv_xyz(kind, params, times_s, levels, data, t + half,
                                               x + half * k1x, y + half * k1y, z + half * k1z,
                                               c2, zmode, member, eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    k3x, k3y, k3z, _s, _a, st, _k = _deriv_xyz(kind, params, times_s, levels, data, t + half,
                                               x + half * k2x, y + half * k2y, z + half * k2z,
                                               c3, zmode, member, eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    k4x, k4y, k4z, _s, _a, st, _k = _deriv_xyz(kind, params, times_s, levels, data, t + dt,
                                               x + dt * k3x, y + dt * k3y, z + dt * k3z, c4,
                                               zmode, member, eu, ev, kh)
    if st != W.OK:
        return lat, lon, speed, a1, st, kh
    sixth = dt / 6.0
    x += sixth * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
    y += sixth * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
    z += sixth * (k1z + 2.0 * k2z + 2.0 * k3z + k4z)
    return (math.atan2(z, math.sqrt(x * x + y * y)) / _RAD, math.atan2(y, x) / _RAD, speed, a1,
            W.OK, kh)


# Steps starting poleward of this latitude integrate unit vectors (no singular 1/cos(lat));
# elsewhere latitude and longitude directly, which needs one cosine per stage instead of two
# arc-tangents. Both are the same RK4 scheme on the same sphere.
POLAR_LAT_DEG = 80.0


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def integrate(kind: int, params: npt.NDArray[np.float64], times_s: npt.NDArray[np.float64],
              levels: npt.NDArray[np.float64], data: npt.NDArray[np.float32],
              pos: npt.NDArray[np.float64], zc: npt.NDArray[np.float64],
              alt: npt.NDArray[np.float64], phase: npt.NDArray[np.int8],
              status: npt.NDArray[np.int8], wind_err: npt.NDArray[np.float64],
              target: npt.NDArray[np.float64], next_switch: npt.NDArray[np.float64],
              burst_alt: npt.NDArray[np.float64], rate_scale: npt.NDArray[np.float64],
              mode: int, prof: npt.NDArray[np.float64], err_params: npt.NDArray[np.float64],
              t0: float, dt: float, n_steps: int, step0: int, seed: int) -> None:
    """Advance every member by ``n_steps`` steps of ``dt`` seconds (negative: backward).

    State arrays are updated in place: ``pos`` (M, 2) latitude and longitude in degrees,
    ``zc`` the vertical coordinate (m, or hPa for the isobaric float), ``alt`` the altitude (m)
    after the last step. A member whose stage leaves the wind data keeps its position from
    before that step and gets the kernel's status code.
    """
    zmode = W.PRESSURE if mode == FLOAT_PRESSURE else W.ALT
    sigma = err_params[WE_SIGMA_MPS]
    inv_len = 1.0 / err_params[WE_LENGTH_M] if err_params[WE_LENGTH_M] > 0 else 0.0
    inv_tau = 1.0 / err_params[WE_TIME_S] if err_params[WE_TIME_S] > 0 else 0.0
    direction = 1.0 if dt >= 0 else -1.0
    half = 0.5 * dt
    sixth = dt / 6.0
    vertical = mode in (STANDARD, MANEUVER)
    n = pos.shape[0]
    for i in prange(n):
        if status[i] != W.OK:
            continue
        lat, lon = pos[i, 0], pos[i, 1]
        c = zc[i]
        eu, ev = wind_err[i, 0], wind_err[i, 1]
        ph = int(phase[i])
        rs = rate_scale[i]
        tg = target[i]
        a_now = alt[i]
        kh = -1
        for s in range(n_steps):
            t = t0 + s * dt
            step_no = step0 + s
            if mode == MANEUVER and (t - next_switch[i]) * direction >= 0.0:
                tg = prof[PR_ALT_MIN] + (prof[PR_ALT_MAX] - prof[PR_ALT_MIN]) * _uniform(
                    seed, i, 4 * step_no + 3)
                dwell = -prof[PR_DWELL_S] * math.log(_uniform(seed, i, 4 * step_no + 2))
                next_switch[i] = t + direction * max(dwell, abs(dt))
            # vertical rates at the four stages (they depend on altitude only)
            k1c = k2c = k3c = k4c = 0.0
            if vertical:
                k1c = _vertical_rate(mode, prof, ph, c, rs, tg, direction)
                k2c = _vertical_rate(mode, prof, ph, c + half * k1c, rs, tg, direction)
                k3c = _vertical_rate(mode, prof, ph, c + half * k2c, rs, tg, direction)
                k4c = _vertical_rate(mode, prof, ph, c + dt * k3c, rs, tg, direction)
            c2 = c + half * k1c
            c3 = c + half * k2c
            c4 = c + dt * k3c
            if abs(lat) < POLAR_LAT_DEG:
                new_lat, new_lon, speed, a1, st, kh = _rk4_ll(
                    kind, params, times_s, levels, data, t, dt, lat, lon, c, c2, c3, c4, zmode,
                    i, eu, ev, kh)
            else:
                new_lat, new_lon, speed, a1, st, kh = _rk4_xyz(
                    kind, params, times_s, levels, data, t, dt, lat, lon, c, c2, c3, c4, zmode,
                    i, eu, ev, kh)
            if st != W.OK:
                status[i] = st
                if zmode == W.ALT:  # isobaric: keep the altitude of the last good position
                    a_now = c
                break
            lat = new_lat
            lon = new_lon
            if lat > 90.0:  # a lat/lon step that overshot a pole (only with huge steps)
                lat = 180.0 - lat
                lon += 180.0
            elif lat < -90.0:
                lat = -180.0 - lat
                lon += 180.0
            if lon >= 180.0 or lon < -180.0:
                lon = (lon + 180.0) % 360.0 - 180.0
            c += sixth * (k1c + 2.0 * k2c + 2.0 * k3c + k4c)
            a_now = c if zmode == W.ALT else a1
            if mode == STANDARD:
                if ph == ASCENT and direction > 0 and c >= burst_alt[i]:
                    c = burst_alt[i]
                    ph = DESCENT
                elif ph == DESCENT and direction < 0 and c >= burst_alt[i]:
                    c = burst_alt[i]
                    ph = ASCENT
                elif c <= prof[PR_GROUND_M] and (
                        (ph == DESCENT and direction > 0) or (ph == ASCENT and direction < 0)):
                    c = prof[PR_GROUND_M]
                    status[i] = GROUND
                a_now = c
            elif mode == MANEUVER:
                c = min(max(c, prof[PR_ALT_MIN]), prof[PR_ALT_MAX])
                a_now = c
            if sigma > 0.0:
                lam = inv_tau + speed * inv_len
                decay = math.exp(-lam * abs(dt))
                kick = sigma * math.sqrt(max(0.0, 1.0 - decay * decay))
                g1, g2 = _normal_pair(seed, i, 4 * step_no)
                eu = decay * eu + kick * g1
                ev = decay * ev + kick * g2
            if status[i] == GROUND:
                break
        if mode == FLOAT_PRESSURE and status[i] == W.OK:
            _u, _v, a_end, st_end, _k = W.wind_at(kind, params, times_s, levels, data,
                                                  t0 + n_steps * dt, lat, lon, c, zmode, i, -1)
            if st_end == W.OK:
                a_now = a_end
        pos[i, 0], pos[i, 1] = lat, lon
        zc[i] = c
        alt[i] = a_now
        wind_err[i, 0], wind_err[i, 1] = eu, ev
        phase[i] = ph
        target[i] = tg
