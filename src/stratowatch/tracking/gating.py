"""Gating: which (track, report) pairs are worth scoring.

A coarse spatial gate first: reports within a radius (m) of each track's predicted position,
found with a k-d tree over points on a sphere (chord coordinates, so the antimeridian and the
poles need no care) when the problem is large, by brute force when it is small. The fine gate is
the Mahalanobis distance of the scored pair (``chi2_gate``), applied by the tracker.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.spatial import cKDTree
from scipy.stats import chi2

from stratowatch.geo.sphere import EARTH_RADIUS_M, to_unit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@njit(cache=True)
def _unit(lat: FloatArray, lon: FloatArray) -> FloatArray:
    out = np.empty((lat.shape[0], 3))
    for i in range(lat.shape[0]):
        la = math.radians(lat[i])
        lo = math.radians(lon[i])
        out[i, 0] = EARTH_RADIUS_M * math.cos(la) * math.cos(lo)
        out[i, 1] = EARTH_RADIUS_M * math.cos(la) * math.sin(lo)
        out[i, 2] = EARTH_RADIUS_M * math.sin(la)
    return out


@njit(cache=True)
def _brute_pairs(tlat: FloatArray, tlon: FloatArray, mlat: FloatArray, mlon: FloatArray,
                 radius_m: FloatArray) -> tuple[IntArray, IntArray]:
    """All (i, j) with chord |a_i - b_j| <= radius_i, by looking at every pair."""
    a = _unit(tlat, tlon)
    b = _unit(mlat, mlon)
    nt, nm = a.shape[0], b.shape[0]
    ti = np.empty(nt * nm, dtype=np.int64)
    mj = np.empty(nt * nm, dtype=np.int64)
    k = 0
    for i in range(nt):
        r2 = radius_m[i] * radius_m[i]
        for j in range(nm):
            d0 = a[i, 0] - b[j, 0]
            d1 = a[i, 1] - b[j, 1]
            d2 = a[i, 2] - b[j, 2]
            if d0 * d0 + d1 * d1 + d2 * d2 <= r2:
                ti[k] = i
                mj[k] = j
                k += 1
    return ti[:k], mj[:k]


def chi2_gate(prob: float, dims: int) -> float:
    """Squared Mahalanobis distance that keeps a fraction ``prob`` of true reports."""
    return float(chi2.ppf(prob, dims))


@dataclass(frozen=True)
class KDTreeGater:
    """Coarse gate by distance (m) on the sphere; k-d tree above ``brute_force_pairs`` pairs."""

    brute_force_pairs: int = 4096

    def candidates(self, trk_lat: FloatArray, trk_lon: FloatArray, radius_m: FloatArray,
                   meas_lat: FloatArray, meas_lon: FloatArray) -> tuple[IntArray, IntArray]:
        """(track index, report index) pairs closer than the track's radius (m)."""
        nt, nm = trk_lat.shape[0], meas_lat.shape[0]
        if nt == 0 or nm == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        # a chord is shorter than its arc, so chord <= radius keeps every pair within radius
        if nt * nm <= self.brute_force_pairs:
            return _brute_pairs(trk_lat, trk_lon, meas_lat, meas_lon,
                                np.ascontiguousarray(radius_m, dtype=np.float64))
        a = to_unit(trk_lat, trk_lon) * EARTH_RADIUS_M
        b = to_unit(meas_lat, meas_lon) * EARTH_RADIUS_M
        tree = cKDTree(b)
        hits = tree.query_ball_point(a, radius_m, return_sorted=False)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=nt)
        mj = np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64,
                         count=int(counts.sum()))
        ti = np.repeat(np.arange(nt, dtype=np.int64), counts)
        return ti, mj


__all__ = ["KDTreeGater", "chi2_gate"]
