"""Positions on a spherical Earth: unit vectors, great circles, longitude wrap.

Trajectories are integrated on a sphere of radius ``EARTH_RADIUS_M`` (the IUGG mean radius); the
difference from the WGS84 ellipsoid is below 0.5 % in distance, far inside wind uncertainty.
Unit vectors make the poles and the antimeridian ordinary points.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6371008.8

FloatArray = npt.NDArray[np.float64]


def wrap_lon(lon_deg: npt.ArrayLike) -> FloatArray:
    """Longitude normalised to [-180, 180) degrees."""
    lon = np.asarray(lon_deg, dtype=np.float64)
    return (lon + 180.0) % 360.0 - 180.0


def to_unit(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> FloatArray:
    """Unit vectors (..., 3) in the Earth-centred frame for latitudes and longitudes (degrees)."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


def from_unit(xyz: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude (degrees, longitude in [-180, 180)) of vectors (..., 3)."""
    v = np.asarray(xyz, dtype=np.float64)
    lat = np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))
    lon = wrap_lon(np.degrees(np.arctan2(v[..., 1], v[..., 0])))
    return lat, lon


def great_circle_m(lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike,
                   lon2: npt.ArrayLike, radius_m: float = EARTH_RADIUS_M) -> FloatArray:
    """Great-circle distance (m) on the sphere, accurate at all separations."""
    a = to_unit(lat1, lon1)
    b = to_unit(lat2, lon2)
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    dot = np.sum(a * b, axis=-1)
    return radius_m * np.arctan2(cross, dot)


def rotate(xyz: npt.ArrayLike, axis: npt.ArrayLike, angle_rad: npt.ArrayLike) -> FloatArray:
    """Rotate vectors (..., 3) about a unit axis by angles (radians), right-handed (Rodrigues)."""
    v = np.asarray(xyz, dtype=np.float64)
    k = np.asarray(axis, dtype=np.float64)
    k = k / np.linalg.norm(k)
    ang = np.asarray(angle_rad, dtype=np.float64)[..., None]
    return (v * np.cos(ang) + np.cross(k, v) * np.sin(ang)
            + k * np.sum(k * v, axis=-1, keepdims=True) * (1.0 - np.cos(ang)))
