"""The WindField interface: vectorised wind sampling with a stated coverage."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.errors import CoverageError
from stratowatch.geo.sphere import wrap_lon
from stratowatch.timeutil import TimeLike, to_epoch_s, to_iso
from stratowatch.winds import _kernel as K

FloatArray = npt.NDArray[np.float64]
STATUS_NAMES = {K.OUT_REGION: "outside the region", K.OUT_TIME: "outside the valid times",
                K.OUT_LEVELS: "outside the vertical levels"}


@dataclass(frozen=True)
class Coverage:
    """What a wind source covers, in words a user can act on."""

    start_s: float | None = None  # None: steady (any time)
    end_s: float | None = None
    lat_range_deg: tuple[float, float] | None = None  # None: the whole globe
    lon_range_deg: tuple[float, float] | None = None  # west, east edge; None: all longitudes
    pressure_range_hpa: tuple[float, float] | None = None  # bottom, top
    alt_range_m: tuple[float, float] | None = None  # lowest level's and top level's heights
    members: int = 1
    note: str = ""

    def describe(self) -> str:
        if self.start_s is None:
            when = "any time (steady)"
        else:
            assert self.end_s is not None
            when = f"{to_iso(self.start_s)} to {to_iso(self.end_s)}"
        if self.lat_range_deg is None:
            where = "the whole globe"
        else:
            lat0, lat1 = self.lat_range_deg
            where = f"latitude {lat0:g} to {lat1:g}"
            if self.lon_range_deg is None:
                where += ", all longitudes"
            else:
                lon0, lon1 = self.lon_range_deg
                where += f", longitude {lon0:g} to {lon1:g}"
        parts = [f"times {when}", where]
        if self.pressure_range_hpa is not None:
            p0, p1 = self.pressure_range_hpa
            levels = f"pressure {p0:g} to {p1:g} hPa"
            if self.alt_range_m is not None:
                a0, a1 = self.alt_range_m
                levels += (f" (about {a0:,.0f} to {a1:,.0f} m;"
                           " below the lowest level's height its wind holds)")
            parts.append(levels)
        if self.members > 1:
            parts.append(f"{self.members} ensemble members")
        if self.note:
            parts.append(self.note)
        return "covers " + "; ".join(parts)


def _as_array(values: npt.ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    return np.broadcast_to(arr, (n,)).copy() if arr.size == 1 else arr


def _times(time: TimeLike | npt.ArrayLike) -> FloatArray:
    arr = np.asarray(time)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]").astype(np.int64).astype(np.float64).ravel() / 1e9
    if arr.dtype.kind in "OUS":
        return np.array([to_epoch_s(v) for v in arr.ravel()], dtype=np.float64)
    return arr.astype(np.float64).ravel()


class WindField(ABC):
    """A wind source: ``sample`` gives (u, v) in m/s east and north at many points at once.

    Subclasses provide a ``KernelField`` so the compiled integrator can sample them without
    Python in the loop, and a ``Coverage`` so that errors state what is covered.
    """

    @property
    @abstractmethod
    def kernel(self) -> K.KernelField:
        """The arrays the compiled kernels read."""

    @property
    @abstractmethod
    def coverage(self) -> Coverage:
        """What times, region and levels this field covers."""

    @property
    def n_members(self) -> int:
        """Members of an ensemble weather model (1 for a deterministic field)."""
        return int(self.kernel.data.shape[0]) if self.kernel.kind == K.GRIDDED else 1

    def _sample(self, time: TimeLike | npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike,
                z: npt.ArrayLike, zmode: int, member: npt.ArrayLike
                ) -> tuple[FloatArray, FloatArray, FloatArray]:
        t_arr = np.asarray(time)
        shape = np.broadcast_shapes(t_arr.shape, np.shape(lat),
                                    np.shape(lon), np.shape(z), np.shape(member))
        n = int(np.prod(shape)) if shape else 1
        t_s = _as_array(_times(time), n)
        lat_a = _as_array(lat, n)
        lon_a = _as_array(lon, n)
        z_a = _as_array(z, n)
        mem = np.broadcast_to(np.asarray(member, dtype=np.int64).ravel(), (n,)).copy() \
            if np.size(member) == 1 else np.asarray(member, dtype=np.int64).ravel()
        kf = self.kernel
        u, v, alt, status = K.sample_many(kf.kind, kf.params, kf.times_s, kf.levels_hpa, kf.data,
                                          t_s, lat_a, lon_a, z_a, zmode, mem)
        bad = np.flatnonzero(status != K.OK)
        if bad.size:
            i = int(bad[0])
            unit = "m" if zmode == K.ALT else "hPa"
            raise CoverageError(
                f"{bad.size} of {n} points lie {STATUS_NAMES[int(status[i])]}, first at "
                f"{to_iso(t_s[i])} lat {lat_a[i]:.4f} lon {float(wrap_lon(lon_a[i])):.4f} "
                f"{z_a[i]:g} {unit}; the wind data {self.coverage.describe()}")
        return u.reshape(shape), v.reshape(shape), alt.reshape(shape)

    def sample(self, time: TimeLike | npt.ArrayLike, lat_deg: npt.ArrayLike,
               lon_deg: npt.ArrayLike, alt_m: npt.ArrayLike, member: npt.ArrayLike = 0
               ) -> tuple[FloatArray, FloatArray]:
        """Wind (u, v) in m/s at geometric altitudes (m); raises CoverageError outside."""
        u, v, _ = self._sample(time, lat_deg, lon_deg, alt_m, K.ALT, member)
        return u, v

    def sample_covered(self, time_s: npt.ArrayLike, lat_deg: npt.ArrayLike,
                       lon_deg: npt.ArrayLike, alt_m: npt.ArrayLike
                       ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Wind (u, v) in m/s at geometric altitudes (m) of many points (1-D arrays, times in
        epoch seconds), and where the field covers them: u = v = 0 and False where it does
        not, or where the altitude is NaN. For trackers, classifiers and simulators, whose
        points may leave the data without that being an error."""
        t = np.ascontiguousarray(time_s, dtype=np.float64).ravel()
        n = t.shape[0]
        if n == 0:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.bool_)
        lon = np.asarray(lon_deg, dtype=np.float64).ravel()
        outside = (lon < -180.0) | (lon >= 180.0)
        if outside.any():
            lon = np.where(outside, (lon + 180.0) % 360.0 - 180.0, lon)
        alt = np.asarray(alt_m, dtype=np.float64).ravel()
        has_alt = np.isfinite(alt)
        kf = self.kernel
        u, v, _alt, status = K.sample_many(
            kf.kind, kf.params, kf.times_s, kf.levels_hpa, kf.data, t,
            np.ascontiguousarray(lat_deg, dtype=np.float64).ravel(),
            np.ascontiguousarray(lon), np.ascontiguousarray(np.where(has_alt, alt, 0.0)),
            K.ALT, np.zeros(n, dtype=np.int64))
        ok = (status == K.OK) & has_alt & np.isfinite(u) & np.isfinite(v)
        return np.where(ok, u, 0.0), np.where(ok, v, 0.0), ok

    def sample_pressure(self, time: TimeLike | npt.ArrayLike, lat_deg: npt.ArrayLike,
                        lon_deg: npt.ArrayLike, pressure_hpa: npt.ArrayLike,
                        member: npt.ArrayLike = 0) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Wind (u, v) in m/s and the altitude (m) of a pressure surface (hPa)."""
        return self._sample(time, lat_deg, lon_deg, pressure_hpa, K.PRESSURE, member)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.coverage.describe()}>"
