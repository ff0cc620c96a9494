"""Geodesy on a spherical Earth and the standard atmosphere."""

from stratowatch.geo.atmosphere import altitude_m, density_kgpm3, pressure_hpa
from stratowatch.geo.sphere import (
    EARTH_RADIUS_M,
    from_unit,
    great_circle_m,
    rotate,
    to_unit,
    wrap_lon,
)

__all__ = [
    "EARTH_RADIUS_M",
    "altitude_m",
    "density_kgpm3",
    "from_unit",
    "great_circle_m",
    "pressure_hpa",
    "rotate",
    "to_unit",
    "wrap_lon",
]
