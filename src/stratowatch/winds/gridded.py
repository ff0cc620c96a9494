"""Gridded pressure-level winds from xarray: GRIB2 (cfgrib), NetCDF, Zarr; ensembles too.

The data are normalised once into the kernel layout (member, time, lat, lon, level, channel)
with latitudes ascending, longitudes ascending from a western edge, levels from the bottom up,
and geopotential height converted to geometric altitude (spherical Earth:
z = R h / (R - h), about 60 m at 20 km). Large archives are cut to a region and time window
before loading, so only that window is read from disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from stratowatch.errors import ConfigError, CoverageError, ParseError
from stratowatch.geo.atmosphere import G0_MPS2
from stratowatch.geo.sphere import EARTH_RADIUS_M, wrap_lon
from stratowatch.timeutil import TimeLike, datetime64_to_epoch_s, to_epoch_s, to_iso
from stratowatch.winds import _kernel as K
from stratowatch.winds.base import Coverage, WindField

_NAMES = {
    "level": ("isobaricInhPa", "level", "pressure_level", "plev", "lev", "isobaric"),
    "lat": ("latitude", "lat"),
    "lon": ("longitude", "lon"),
    "member": ("number", "member", "realization", "ensemble"),
    "u": ("u", "u_component_of_wind", "ugrd", "UGRD", "U"),
    "v": ("v", "v_component_of_wind", "vgrd", "VGRD", "V"),
    "gh": ("gh", "hgt", "HGT", "geopotential_height", "z", "geopotential", "Z"),
}


def _find(names: Sequence[str], pool: Any, what: str, source: str) -> str:
    for name in names:
        if name in pool:
            return name
    raise ParseError(f"no {what} (looked for {', '.join(names)})", source=source)


class GriddedWindField(WindField):
    """Winds on pressure levels with geopotential height, from any xarray Dataset."""

    def __init__(self, kernel: K.KernelField, coverage: Coverage, source: str = "") -> None:
        self._kernel = kernel
        self._coverage = coverage
        self.source = source
        self.attrs: dict[str, str] = {}  # what the source says of itself (station, model ...)

    @property
    def kernel(self) -> K.KernelField:
        return self._kernel

    @property
    def coverage(self) -> Coverage:
        return self._coverage

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, *, source: str = "<dataset>",
                     region: tuple[float, float, float, float] | None = None,
                     time_window: tuple[TimeLike, TimeLike] | None = None,
                     steady: bool = False) -> GriddedWindField:
        """Normalise a pressure-level Dataset with u, v (m/s) and gh (m) or z (m^2/s^2).

        ``region`` is (lat_min, lat_max, lon_min, lon_max) in degrees and ``time_window`` a pair
        of times: only that window is loaded (plus one grid cell and one time step of margin).
        ``steady`` lets a single-time field stand for all times (stated in its coverage).
        """
        ds = _normalise_time(ds, source)
        lev = _find(_NAMES["level"], ds.dims, "pressure-level dimension", source)
        lat = _find(_NAMES["lat"], ds.dims, "latitude dimension", source)
        lon = _find(_NAMES["lon"], ds.dims, "longitude dimension", source)
        uvar = _find(_NAMES["u"], ds.data_vars, "u wind variable", source)
        vvar = _find(_NAMES["v"], ds.data_vars, "v wind variable", source)
        hvar = _find(_NAMES["gh"], ds.data_vars, "geopotential height variable", source)
        mem = next((m for m in _NAMES["member"] if m in ds.dims), None)

        ds = ds.sortby(lat).sortby(lon)
        levels = np.asarray(ds[lev].values, dtype=np.float64)
        if ds[lev].attrs.get("units", "").lower() in ("pa", "pascal") or levels.max() > 2000.0:
            ds = ds.assign_coords({lev: levels / 100.0})
        ds = ds.sortby(lev, ascending=False)
        if time_window is not None:
            t0, t1 = (np.datetime64(int(to_epoch_s(t) * 1e9), "ns") for t in time_window)
            times = ds["time"].values
            i0 = max(int(np.searchsorted(times, t0, side="right")) - 1, 0)
            i1 = min(int(np.searchsorted(times, t1, side="left")) + 1, times.size)
            ds = ds.isel(time=slice(i0, i1))
        if region is not None:
            ds = _cut_region(ds, lat, lon, region)

        lat_v = np.asarray(ds[lat].values, dtype=np.float64)
        lon_v = np.asarray(ds[lon].values, dtype=np.float64)
        for name, vals in ((lat, lat_v), (lon, lon_v)):
            if vals.size < 2 or not np.allclose(np.diff(vals), vals[1] - vals[0], atol=1e-6):
                raise ParseError("grid must be regular with at least 2 points", source=source,
                                 field=name)
        dims = ([mem] if mem else []) + ["time", lat, lon, lev]
        sizes = [ds.sizes[d] for d in dims]
        data = np.empty(([] if mem else [1]) + sizes + [3], dtype=np.float32)
        for channel, var in enumerate((hvar, uvar, vvar)):
            da = ds[var]
            missing = set(dims) - set(da.dims)
            if missing:
                raise ParseError(f"variable lacks dimensions {sorted(missing)}", source=source,
                                 field=var)
            extra = [d for d in da.dims if d not in dims]
            if extra:
                raise ParseError(f"variable has unexpected dimensions {extra}", source=source,
                                 field=var)
            values = da.transpose(*dims).values
            data[..., channel] = values if mem else values[None]
        height = data[..., 0]
        if hvar in ("z", "geopotential", "Z") or ds[hvar].attrs.get("units", "") in ("m**2 s**-2",
                                                                                    "m2 s-2"):
            height /= G0_MPS2
        height[...] = EARTH_RADIUS_M * height / (EARTH_RADIUS_M - height)
        if not np.all(np.isfinite(data)):
            raise ParseError("missing or non-finite values in u, v or height", source=source)
        times_s = datetime64_to_epoch_s(ds["time"].values)
        if times_s.size < 2 and not steady:
            raise ConfigError(f"{source}: one valid time only; pass steady=True (CLI: --steady) "
                              "to let it stand for all times")
        if times_s.size >= 2 and np.any(np.diff(times_s) <= 0):
            raise ParseError("valid times must increase", source=source, field="time")

        dlon = lon_v[1] - lon_v[0]
        periodic = abs(lon_v.size * dlon - 360.0) < 1e-6
        params = np.zeros(K.N_GRID_PARAMS)
        params[K.P_LAT0], params[K.P_DLAT], params[K.P_NLAT] = lat_v[0], lat_v[1] - lat_v[0], \
            lat_v.size
        params[K.P_LON0], params[K.P_DLON], params[K.P_NLON] = lon_v[0] % 360.0, dlon, lon_v.size
        params[K.P_PERIODIC] = 1.0 if periodic else 0.0
        params[K.P_STEADY] = 1.0 if steady and times_s.size < 2 else 0.0
        if params[K.P_STEADY]:
            times_s = np.repeat(times_s, 2)
        level_vals = np.asarray(ds[lev].values, dtype=np.float64)
        kernel = K.kernel_field(K.GRIDDED, params, times_s, level_vals, data)
        west = float(wrap_lon(lon_v[0]))
        coverage = Coverage(
            start_s=None if params[K.P_STEADY] else float(times_s[0]),
            end_s=None if params[K.P_STEADY] else float(times_s[-1]),
            lat_range_deg=(float(lat_v[0]), float(lat_v[-1])),
            lon_range_deg=None if periodic else (west, float(wrap_lon(west + dlon *
                                                                       (lon_v.size - 1)))),
            pressure_range_hpa=(float(level_vals[0]), float(level_vals[-1])),
            alt_range_m=(float(np.nanmin(data[..., 0, 0])), float(np.nanmax(data[..., -1, 0]))),
            members=int(data.shape[0]),
        )
        return cls(kernel, coverage, source)

    def describe_times(self) -> str:
        return ", ".join(to_iso(t) for t in self._kernel.times_s)


def _normalise_time(ds: xr.Dataset, source: str) -> xr.Dataset:
    """Give the Dataset one 'time' dimension of valid times, whatever the producer called it."""
    if "step" in ds.dims and "valid_time" in ds.coords:
        ds = ds.swap_dims({"step": "valid_time"})
        ds = ds.drop_vars([c for c in ("time", "step") if c in ds.coords])
        ds = ds.rename({"valid_time": "time"})
    elif "valid_time" in ds.dims:
        ds = ds.drop_vars([c for c in ("time",) if c in ds.coords and c not in ds.dims])
        ds = ds.rename({"valid_time": "time"})
    elif "time" not in ds.dims:
        if "time" in ds.coords or "valid_time" in ds.coords:
            name = "valid_time" if "valid_time" in ds.coords else "time"
            ds = ds.expand_dims("time_tmp")
            ds = ds.assign_coords(time_tmp=np.atleast_1d(ds[name].values)).drop_vars(name)
            ds = ds.rename({"time_tmp": "time"})
        else:
            raise ParseError("no time coordinate (looked for time, valid_time, step)",
                             source=source)
    return ds.sortby("time")


def _cut_region(ds: xr.Dataset, lat: str, lon: str,
                region: tuple[float, float, float, float]) -> xr.Dataset:
    lat_min, lat_max, lon_min, lon_max = region
    lat_v = ds[lat].values
    step = abs(float(lat_v[1] - lat_v[0])) if lat_v.size > 1 else 0.0
    ds = ds.sel({lat: slice(lat_min - step, lat_max + step)})
    lon_v = np.asarray(ds[lon].values, dtype=np.float64)
    dlon = float(lon_v[1] - lon_v[0]) if lon_v.size > 1 else 0.0
    if abs(lon_v.size * dlon - 360.0) > 1e-6:
        return ds  # regional grids are kept whole in longitude
    # a global grid: roll so that the window is contiguous, then cut it
    west = (lon_min - dlon) % 360.0
    width = (lon_max - lon_min) % 360.0 + 2 * dlon
    if width >= 360.0:
        return ds
    # the grid column at or just west of the window's western edge, on the circle (the grid
    # may run 0..360 or -180..180)
    start = int(np.argmin((west - lon_v % 360.0) % 360.0))
    rolled = ds.roll({lon: -start}, roll_coords=True)
    n = int(np.ceil(width / dlon)) + 2
    cut = rolled.isel({lon: slice(0, min(n, lon_v.size))})
    new_lon = (cut[lon].values[0] % 360.0) + dlon * np.arange(cut.sizes[lon])
    return cut.assign_coords({lon: new_lon})


def open_dataset(path: str | Path) -> xr.Dataset:
    """Open GRIB2, NetCDF or Zarr by the file's suffix."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"wind file not found: {p}")
    name = p.name.lower()
    try:
        if name.endswith((".grib2", ".grb2", ".grib", ".grb")):
            return xr.open_dataset(p, engine="cfgrib", backend_kwargs={"indexpath": ""},
                                   decode_timedelta=True)
        if name.endswith(".zarr") or p.is_dir():
            return xr.open_zarr(p)
        return xr.open_dataset(p)
    except (OSError, ValueError, KeyError) as exc:
        raise ParseError(f"cannot read as gridded winds: {exc}", source=str(p)) from exc


def open_gridded(path: str | Path, **kwargs: Any) -> GriddedWindField:
    """A GriddedWindField from a GRIB2, NetCDF or Zarr file (see ``from_dataset``)."""
    ds = open_dataset(path)
    try:
        return GriddedWindField.from_dataset(ds, source=str(path), **kwargs)
    finally:
        ds.close()


def check_inside(field: WindField, t_s: float, lat: float, lon: float) -> None:
    """Raise CoverageError when a start point is outside the field's region or times."""
    cov = field.coverage
    msg = None
    if cov.start_s is not None and cov.end_s is not None and not (
            cov.start_s - 1e-6 <= t_s <= cov.end_s + 1e-6):
        msg = f"start time {to_iso(t_s)} is outside the wind data"
    if msg is None and cov.lat_range_deg is not None and not (
            cov.lat_range_deg[0] <= lat <= cov.lat_range_deg[1]):
        msg = f"start latitude {lat:g} is outside the wind data"
    if msg:
        raise CoverageError(f"{msg}, which {cov.describe()}")

