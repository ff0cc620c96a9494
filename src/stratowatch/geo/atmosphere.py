"""The 1976 US Standard Atmosphere up to 86 km: altitude <-> pressure, density.

Used to place isobaric balloons on analytic fields, to scale descent rates with air density
(as Tawhiri does) and to label pressure levels with nominal heights. Heights here are
geopotential metres inside the formulas; the public functions take geometric metres above
mean sea level and convert with a spherical Earth of radius ``EARTH_RADIUS_M``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from stratowatch.geo.sphere import EARTH_RADIUS_M

G0_MPS2 = 9.80665
R_AIR_JPKGK = 287.05287
SEA_LEVEL_PRESSURE_PA = 101325.0
SEA_LEVEL_DENSITY_KGPM3 = 1.225

# Layer bases: geopotential height (m), base temperature (K), lapse rate (K/m), base pressure (Pa).
_H_BASE = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_LAPSE = np.array([-0.0065, 0.0, 0.001, 0.0028, 0.0, -0.0028, -0.002, 0.0])


def _layer_tables() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    temps = np.empty_like(_H_BASE)
    press = np.empty_like(_H_BASE)
    temps[0], press[0] = 288.15, SEA_LEVEL_PRESSURE_PA
    for i in range(1, len(_H_BASE)):
        dh = _H_BASE[i] - _H_BASE[i - 1]
        lapse = _LAPSE[i - 1]
        temps[i] = temps[i - 1] + lapse * dh
        if lapse == 0.0:
            press[i] = press[i - 1] * math.exp(-G0_MPS2 * dh / (R_AIR_JPKGK * temps[i - 1]))
        else:
            exponent = -G0_MPS2 / (R_AIR_JPKGK * lapse)
            press[i] = press[i - 1] * (temps[i] / temps[i - 1]) ** exponent
    return temps, press


_T_BASE, _P_BASE = _layer_tables()


@njit(cache=True, inline="always")
def geometric_to_geopotential_m(alt_m: float) -> float:
    return EARTH_RADIUS_M * alt_m / (EARTH_RADIUS_M + alt_m)


@njit(cache=True, inline="always")
def geopotential_to_geometric_m(h_m: float) -> float:
    return EARTH_RADIUS_M * h_m / (EARTH_RADIUS_M - h_m)


@njit(cache=True)
def _temperature_pressure(alt_m: float) -> tuple[float, float]:
    h = geometric_to_geopotential_m(alt_m)
    i = 0
    while i < 6 and h >= _H_BASE[i + 1]:
        i += 1
    dh = h - _H_BASE[i]
    lapse = _LAPSE[i]
    t_k = _T_BASE[i] + lapse * dh
    if lapse == 0.0:
        p_pa = _P_BASE[i] * math.exp(-G0_MPS2 * dh / (R_AIR_JPKGK * _T_BASE[i]))
    else:
        p_pa = _P_BASE[i] * (t_k / _T_BASE[i]) ** (-G0_MPS2 / (R_AIR_JPKGK * lapse))
    return t_k, p_pa


@njit(cache=True)
def pressure_pa_at(alt_m: float) -> float:
    """Standard-atmosphere pressure (Pa) at a geometric altitude (m)."""
    return _temperature_pressure(alt_m)[1]


@njit(cache=True)
def density_kgpm3_at(alt_m: float) -> float:
    """Standard-atmosphere air density (kg/m^3) at a geometric altitude (m)."""
    t_k, p_pa = _temperature_pressure(alt_m)
    return p_pa / (R_AIR_JPKGK * t_k)


@njit(cache=True)
def altitude_m_at(pressure_pa: float) -> float:
    """Geometric altitude (m) at which the standard atmosphere has this pressure (Pa)."""
    i = 0
    while i < 6 and pressure_pa <= _P_BASE[i + 1]:
        i += 1
    lapse = _LAPSE[i]
    if lapse == 0.0:
        dh = -R_AIR_JPKGK * _T_BASE[i] / G0_MPS2 * math.log(pressure_pa / _P_BASE[i])
    else:
        ratio = (pressure_pa / _P_BASE[i]) ** (-R_AIR_JPKGK * lapse / G0_MPS2)
        dh = _T_BASE[i] * (ratio - 1.0) / lapse
    return geopotential_to_geometric_m(_H_BASE[i] + dh)


def pressure_hpa(alt_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Vectorised standard pressure (hPa) at geometric altitudes (m)."""
    alts = np.asarray(alt_m, dtype=np.float64)
    return np.vectorize(pressure_pa_at, otypes=[np.float64])(alts) / 100.0


def altitude_m(pressure_hpa_: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Vectorised geometric altitude (m) of standard pressures (hPa)."""
    press = np.asarray(pressure_hpa_, dtype=np.float64) * 100.0
    return np.vectorize(altitude_m_at, otypes=[np.float64])(press)


def density_kgpm3(alt_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Vectorised standard density (kg/m^3) at geometric altitudes (m)."""
    alts = np.asarray(alt_m, dtype=np.float64)
    return np.vectorize(density_kgpm3_at, otypes=[np.float64])(alts)
