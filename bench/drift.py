"""Benchmark of the drift integrator (issue 2).

1. Particle-steps per second of a float ensemble with height interpolation on a gridded field,
   for the compiled kernel and for a plain numpy implementation of the same scheme (RK4 on unit
   vectors, trilinear in time/lat/lon, bracketing-level search, linear in height), in the same
   run; the ratio is printed.
2. Wall time of a 10,000-member, 7-day float ensemble at 300 s steps on a synthetic global field
   at GFS 0.5 degree resolution with 30 levels (6-hourly).

Run: python bench/drift.py [--members 10000] [--days 7] [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numba
import numpy as np
import xarray as xr

from stratowatch.drift import FloatProfile, Perturbation, forecast
from stratowatch.geo import altitude_m
from stratowatch.geo.sphere import EARTH_RADIUS_M
from stratowatch.winds import GriddedWindField, WindField
from stratowatch.winds import _kernel as K

START = "2026-01-01T00:00Z"


def synthetic_global(n_levels: int = 30, res_deg: float = 0.5, days: float = 7.5,
                     every_h: float = 6.0) -> GriddedWindField:
    """A global pressure-level field: westerly jets with travelling waves, standard heights."""
    lat = np.arange(-90.0, 90.0 + 1e-9, res_deg)
    lon = np.arange(0.0, 360.0, res_deg)
    levels = np.geomspace(1000.0, 5.0, n_levels)
    n_t = int(days * 24 / every_h) + 1
    times = np.datetime64("2026-01-01T00:00", "ns") + (
        np.arange(n_t) * every_h * 3600e9).astype("timedelta64[ns]")
    heights = altitude_m(levels)
    gh = (EARTH_RADIUS_M * heights / (EARTH_RADIUS_M + heights)).astype(np.float32)
    phi = np.radians(lat)[:, None]
    lam = np.radians(lon)[None, :]
    vert = (0.5 + 0.5 * np.sin(np.arange(n_levels) / n_levels * np.pi)).astype(np.float32)
    shape = (n_t, lat.size, lon.size, n_levels)  # the kernel's layout: no transpose on load
    u = np.empty(shape, dtype=np.float32)
    v = np.empty(shape, dtype=np.float32)
    h = np.empty(shape, dtype=np.float32)
    for it in range(n_t):
        phase = 2 * math.pi * it * every_h / 96.0
        u_h = (25 * np.cos(phi) ** 2 * np.sin(2 * phi) ** 2
               + 8 * np.sin(3 * lam + phase) * np.cos(phi)).astype(np.float32)
        v_h = (8 * np.cos(2 * lam - phase) * np.cos(phi) ** 2).astype(np.float32)
        h_h = (50 * np.sin(phi) * np.cos(lam + phase)).astype(np.float32)
        np.multiply(u_h[:, :, None], vert, out=u[it])
        np.multiply(v_h[:, :, None], vert, out=v[it])
        np.add(h_h[:, :, None], gh, out=h[it])
    dims = ("time", "latitude", "longitude", "isobaricInhPa")
    ds = xr.Dataset({"u": (dims, u), "v": (dims, v), "gh": (dims, h)},
                    coords={"time": times, "isobaricInhPa": levels, "latitude": lat,
                            "longitude": lon})
    return GriddedWindField.from_dataset(ds, source="synthetic-global")


def numpy_float_run(field: WindField, lat0: np.ndarray, lon0: np.ndarray, alt: np.ndarray,
                    t0: float, dt: float, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The same RK4 scheme as the compiled kernel, vectorised over members with numpy."""
    kf = field.kernel
    p, data, times = kf.params, kf.data[0], kf.times_s
    lat0_g, dlat, nlat = p[K.P_LAT0], p[K.P_DLAT], int(p[K.P_NLAT])
    lon0_g, dlon, nlon = p[K.P_LON0], p[K.P_DLON], int(p[K.P_NLON])
    nlev = kf.levels_hpa.size

    def wind(t: float, xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
        rho = np.hypot(x, y)
        lat = np.degrees(np.arctan2(z, rho))
        lon = np.degrees(np.arctan2(y, x))
        it0 = min(max(int(np.searchsorted(times, t)) - 1, 0), times.size - 2)
        wt = (t - times[it0]) / (times[it0 + 1] - times[it0])
        fy = np.clip((lat - lat0_g) / dlat, 0, nlat - 1)
        iy0 = np.minimum(fy.astype(np.int64), nlat - 2)
        wy = fy - iy0
        fx = ((lon - lon0_g) % 360.0) / dlon
        ix0 = fx.astype(np.int64)
        wx = fx - ix0
        ix0 %= nlon
        ix1 = (ix0 + 1) % nlon
        corners = [(it0, iy0, ix0, (1 - wt) * (1 - wy) * (1 - wx)),
                   (it0, iy0, ix1, (1 - wt) * (1 - wy) * wx),
                   (it0, iy0 + 1, ix0, (1 - wt) * wy * (1 - wx)),
                   (it0, iy0 + 1, ix1, (1 - wt) * wy * wx),
                   (it0 + 1, iy0, ix0, wt * (1 - wy) * (1 - wx)),
                   (it0 + 1, iy0, ix1, wt * (1 - wy) * wx),
                   (it0 + 1, iy0 + 1, ix0, wt * wy * (1 - wx)),
                   (it0 + 1, iy0 + 1, ix1, wt * wy * wx)]

        def at(k: np.ndarray, c: int) -> np.ndarray:
            return sum(w * data[ti, yi, xi, k, c] for ti, yi, xi, w in corners)

        lo = np.zeros(x.size, dtype=np.int64)
        hi = np.full(x.size, nlev - 1, dtype=np.int64)
        h_lo, h_hi = at(lo, 0), at(hi, 0)
        while np.any(hi - lo > 1):
            mid = (lo + hi) // 2
            h_mid = at(mid, 0)
            below = h_mid <= alt
            lo = np.where(below, mid, lo)
            h_lo = np.where(below, h_mid, h_lo)
            hi = np.where(below, hi, mid)
            h_hi = np.where(below, h_hi, h_mid)
        wz = np.clip((alt - h_lo) / (h_hi - h_lo), 0, 1)
        u = at(lo, 1) * (1 - wz) + at(hi, 1) * wz
        v = at(lo, 2) * (1 - wz) + at(hi, 2) * wz
        ex, ey = -y / rho, x / rho
        nx, ny, nz = -z * x / rho, -z * y / rho, rho
        inv_r = 1.0 / (EARTH_RADIUS_M + alt)
        return np.stack([(u * ex + v * nx) * inv_r, (u * ey + v * ny) * inv_r, v * nz * inv_r],
                        axis=1), u

    lat_r, lon_r = np.radians(lat0), np.radians(lon0)
    xyz = np.stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r),
                    np.sin(lat_r)], axis=1)
    for s in range(n_steps):
        t = t0 + s * dt
        k1, _ = wind(t, xyz)
        k2, _ = wind(t + dt / 2, xyz + dt / 2 * k1)
        k3, _ = wind(t + dt / 2, xyz + dt / 2 * k2)
        k4, _ = wind(t + dt, xyz + dt * k3)
        xyz = xyz + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        xyz /= np.linalg.norm(xyz, axis=1, keepdims=True)
    return np.degrees(np.arctan2(xyz[:, 2], np.hypot(xyz[:, 0], xyz[:, 1]))), \
        np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    days = 0.5 if args.quick else args.days
    members = 1000 if args.quick else args.members

    t = time.perf_counter()
    field = synthetic_global(days=days + 0.5)
    print(f"synthetic global field 0.5 deg x 30 levels, {field.kernel.times_s.size} times: "
          f"{field.kernel.data.nbytes / 1e9:.2f} GB, built in {time.perf_counter() - t:.1f} s")
    rng = np.random.default_rng(1)
    lat0 = rng.uniform(-70, 70, members)
    lon0 = rng.uniform(-180, 180, members)
    alt0 = np.full(members, 18500.0)
    profile = FloatProfile(alt_m=18500.0)
    # warm-up (compile or load the cache)
    forecast(field, start=START, lat_deg=10.0, lon_deg=20.0, profile=profile,
             duration_s=3600.0, members=2, perturbation=Perturbation.none())

    # 1. throughput, compiled vs numpy, same members, same steps
    n_np_members, n_np_steps = 2000, 12
    t = time.perf_counter()
    numpy_float_run(field, lat0[:n_np_members], lon0[:n_np_members], alt0[:n_np_members],
                    1767225600.0, 300.0, n_np_steps)
    numpy_rate = n_np_members * n_np_steps / (time.perf_counter() - t)
    load = os.getloadavg()[0]

    steps = int(days * 86400 / 300)
    t = time.perf_counter()
    cpu = time.process_time()
    ens = forecast(field, start=START, lat_deg=0.0, lon_deg=0.0, profile=profile,
                   duration_s=days * 86400, members=members, step_s=300.0,
                   output_every_s=6 * 3600.0, perturbation=Perturbation(sigma_h_m=2e6))
    wall = time.perf_counter() - t
    cpu = time.process_time() - cpu
    compiled_rate = members * steps / wall
    print(f"numpy reference : {numpy_rate / 1e6:8.3f} M particle-steps/s")
    print(f"compiled kernel : {compiled_rate / 1e6:8.3f} M particle-steps/s "
          f"(ratio {compiled_rate / numpy_rate:.0f}x), {members * steps / cpu / 1e6:.2f} M "
          f"per CPU-second on {numba.get_num_threads()} threads")
    print(f"{members} members x {days:g} days at 300 s ({steps} steps): {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU (left coverage: {ens.meta['left_coverage'] or 'none'})")
    print(f"load average before the run: {load:.2f} on {os.cpu_count()} CPUs "
          "(other work on the machine slows both figures)")


if __name__ == "__main__":
    main()
