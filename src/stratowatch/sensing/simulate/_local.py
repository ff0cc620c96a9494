"""Local east/north offsets (m) about a reference point: the equirectangular approximation.

Adequate for a simulator within a few hundred kilometres of the reference (the error grows as
the square of the distance over the Earth radius, under 0.5 % at 400 km); longitudes may be
unwrapped (beyond +/-180) on input and are unwrapped relative to the reference on output.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stratowatch.geo import EARTH_RADIUS_M

FloatArray = npt.NDArray[np.float64]


def to_local_m(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, lat0_deg: npt.ArrayLike,
               lon0_deg: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """East and north offsets (m) of points from reference points (broadcast)."""
    lat = np.asarray(lat_deg, dtype=np.float64)
    lat0 = np.asarray(lat0_deg, dtype=np.float64)
    lon0 = np.asarray(lon0_deg, dtype=np.float64)
    dlon = (np.asarray(lon_deg, dtype=np.float64) - lon0 + 180.0) % 360.0 - 180.0
    east = np.radians(dlon) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
    north = np.radians(lat - lat0) * EARTH_RADIUS_M
    return east, north


def from_local_m(east_m: npt.ArrayLike, north_m: npt.ArrayLike, lat0_deg: npt.ArrayLike,
                 lon0_deg: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Latitudes and (unwrapped) longitudes of east/north offsets (m) from reference points."""
    lat0 = np.asarray(lat0_deg, dtype=np.float64)
    lat = lat0 + np.degrees(np.asarray(north_m, dtype=np.float64) / EARTH_RADIUS_M)
    coslat = np.maximum(np.cos(np.radians(lat0)), 1e-6)
    lon = np.asarray(lon0_deg, dtype=np.float64) + np.degrees(
        np.asarray(east_m, dtype=np.float64) / (EARTH_RADIUS_M * coslat))
    return np.clip(lat, -90.0, 90.0), lon
