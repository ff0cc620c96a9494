"""Run a drift ensemble: set up members, call the compiled integrator chunk by chunk, record."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from stratowatch.drift import kernel as DK
from stratowatch.drift.ensemble import Ensemble, MemberStatus
from stratowatch.drift.perturb import Perturbation
from stratowatch.drift.profiles import FloatProfile, ManeuveringProfile, Profile, StandardProfile
from stratowatch.errors import ConfigError, CoverageError
from stratowatch.geo.atmosphere import altitude_m_at, pressure_pa_at
from stratowatch.geo.sphere import EARTH_RADIUS_M, from_unit, to_unit, wrap_lon
from stratowatch.timeutil import TimeLike, to_epoch_s, to_iso
from stratowatch.winds import _kernel as W
from stratowatch.winds.base import STATUS_NAMES, WindField

ProgressCallback = Callable[[float, float], None]


def forecast(winds: WindField, *, start: TimeLike, lat_deg: float, lon_deg: float,
             profile: Profile, duration_s: float, alt_m: float | None = None,
             members: int = 100, perturbation: Perturbation | None = None, seed: int = 0,
             step_s: float = 300.0, output_every_s: float = 3600.0, backward: bool = False,
             strict: bool = False, cell_fraction: float | None = None,
             progress: ProgressCallback | None = None) -> Ensemble:
    """Integrate ``members`` balloons from one start for ``duration_s`` seconds.

    ``alt_m`` is the start altitude for standard and maneuvering profiles (the float profile
    carries its own level). ``perturbation`` defaults to the Loon wind-error statistics, or to
    none at all for a single member. With ``backward`` the run goes back in time (a
    back-trajectory). Members that leave the wind data are frozen and flagged; with ``strict``
    that is a CoverageError instead. ``cell_fraction`` shortens the step so that no member
    crosses more than that fraction of a grid cell in one step at the field's fastest wind.
    """
    if members < 1:
        raise ConfigError("members must be at least 1")
    if duration_s <= 0 or step_s <= 0 or output_every_s <= 0:
        raise ConfigError("duration_s, step_s and output_every_s must be positive")
    if not -90.0 <= lat_deg <= 90.0 or not math.isfinite(lon_deg):
        raise ConfigError(f"start position lat {lat_deg}, lon {lon_deg} is not valid")
    if perturbation is None:
        perturbation = Perturbation.none() if members == 1 else Perturbation()
    if cell_fraction is not None:
        step_s = min(step_s, _cell_limited_step_s(winds, cell_fraction))
    t0 = to_epoch_s(start)
    direction = -1.0 if backward else 1.0
    kf = winds.kernel
    mode = profile.mode
    prof = profile.params()
    rng = np.random.default_rng(seed)

    # initial vertical state
    start_alt = _start_altitude(profile, alt_m)
    _check_start(winds, t0, lat_deg, lon_deg, profile, start_alt)
    zc = np.full(members, start_alt if mode != DK.FLOAT_PRESSURE else np.nan)
    if isinstance(profile, FloatProfile) and profile.pressure_hpa is not None:
        zc[:] = profile.pressure_hpa
        if perturbation.sigma_alt_m > 0:
            nominal = altitude_m_at(profile.pressure_hpa * 100.0)
            shifted = nominal + rng.normal(0.0, perturbation.sigma_alt_m, members)
            zc = np.array([pressure_pa_at(a) / 100.0 for a in shifted])
    elif perturbation.sigma_alt_m > 0:
        zc = zc + rng.normal(0.0, perturbation.sigma_alt_m, members)
        if isinstance(profile, ManeuveringProfile):
            zc = np.clip(zc, profile.alt_min_m, profile.alt_max_m)
    # initial horizontal state
    base = to_unit(lat_deg, lon_deg)
    xyz = np.repeat(base[None, :], members, axis=0)
    if perturbation.sigma_h_m > 0:
        east, north = _basis(lat_deg, lon_deg)
        de = rng.normal(0.0, perturbation.sigma_h_m, members)[:, None]
        dn = rng.normal(0.0, perturbation.sigma_h_m, members)[:, None]
        xyz = xyz + (de * east + dn * north) / EARTH_RADIUS_M
        xyz /= np.linalg.norm(xyz, axis=1, keepdims=True)
    la, lo = from_unit(xyz)
    pos = np.ascontiguousarray(np.stack([la, lo], axis=1))
    wind_err = rng.normal(0.0, 1.0, (members, 2)) * perturbation.wind_sigma_mps
    rate_scale = np.ones(members)
    if perturbation.rate_sigma_frac > 0:
        rate_scale = np.clip(1.0 + rng.normal(0.0, perturbation.rate_sigma_frac, members),
                             0.2, 5.0)
    burst = np.full(members, np.inf)
    phase = np.zeros(members, dtype=np.int8)
    if isinstance(profile, StandardProfile):
        burst[:] = profile.burst_alt_m
        if perturbation.burst_sigma_m > 0:
            burst += rng.normal(0.0, perturbation.burst_sigma_m, members)
        burst = np.maximum(burst, profile.ground_alt_m + 1.0)
        phase[:] = DK.DESCENT if profile.descending else DK.ASCENT
    target = zc.copy() if mode != DK.FLOAT_PRESSURE else np.zeros(members)
    next_switch = np.full(members, t0)
    status = np.zeros(members, dtype=np.int8)
    alt = zc.copy()
    if mode == DK.FLOAT_PRESSURE:
        # each member's altitude on its own pressure surface; a perturbed pressure outside the
        # data's levels flags that member instead of failing the run
        _u, _v, alt, first = W.sample_many(kf.kind, kf.params, kf.times_s, kf.levels_hpa,
                                           kf.data, np.full(members, t0), pos[:, 0].copy(),
                                           pos[:, 1].copy(), zc.copy(), W.PRESSURE,
                                           np.arange(members, dtype=np.int64))
        bad = first != W.OK
        status[bad] = first[bad]
        alt[bad] = [altitude_m_at(p * 100.0) for p in zc[bad]]

    # output schedule
    n_out = max(1, math.ceil(duration_s / output_every_s - 1e-9))
    out_leads = np.minimum(np.arange(n_out + 1) * output_every_s, duration_s)
    times = t0 + direction * out_leads
    lat_out = np.empty((n_out + 1, members))
    lon_out = np.empty((n_out + 1, members))
    alt_out = np.empty((n_out + 1, members))
    status_out = np.empty((n_out + 1, members), dtype=np.int8)

    def record(k: int) -> None:
        lat_out[k], lon_out[k], alt_out[k], status_out[k] = pos[:, 0], pos[:, 1], alt, status

    record(0)
    step0 = 0
    for k in range(1, n_out + 1):
        interval = out_leads[k] - out_leads[k - 1]
        n_steps = max(1, math.ceil(interval / step_s - 1e-9))
        dt = direction * interval / n_steps
        DK.integrate(kf.kind, kf.params, kf.times_s, kf.levels_hpa, kf.data, pos, zc, alt,
                     phase, status, wind_err, target, next_switch, burst, rate_scale, mode, prof,
                     perturbation.err_params(), float(times[k - 1]), dt, n_steps, step0, seed)
        step0 += n_steps
        record(k)
        if progress is not None:
            progress(float(out_leads[k]), float(duration_s))

    left = _left_counts(status)
    cov = winds.coverage.describe()
    if strict and left:
        raise CoverageError(f"{sum(left.values())} of {members} members left the wind data ("
                            + ", ".join(f"{n} {why}" for why, n in left.items())
                            + f"); it {cov}")
    return Ensemble(
        times_s=times, lat_deg=lat_out, lon_deg=lon_out, alt_m=alt_out, status=status_out,
        direction=int(direction), profile=profile.describe(), coverage=cov,
        meta={"start": to_iso(t0), "lat_deg": lat_deg, "lon_deg": float(wrap_lon(lon_deg)),
              "members": members, "seed": seed, "step_s": step_s, "left_coverage": left,
              "perturbation": perturbation},
    )


def backtrack(winds: WindField, **kwargs: object) -> Ensemble:
    """A back-trajectory ensemble: ``forecast`` run backward in time from an observation."""
    return forecast(winds, backward=True, **kwargs)  # type: ignore[arg-type]


def _start_altitude(profile: Profile, alt_m: float | None) -> float:
    if isinstance(profile, FloatProfile):
        if profile.alt_m is not None:
            return float(profile.alt_m)
        return float("nan")
    if isinstance(profile, StandardProfile):
        return float(profile.ground_alt_m if alt_m is None else alt_m)
    if alt_m is None:
        return 0.5 * (profile.alt_min_m + profile.alt_max_m)
    if not profile.alt_min_m <= alt_m <= profile.alt_max_m:
        raise ConfigError(f"start altitude {alt_m} m is outside the band "
                          f"{profile.alt_min_m:g}..{profile.alt_max_m:g} m")
    return float(alt_m)


def _check_start(winds: WindField, t0: float, lat: float, lon: float, profile: Profile,
                 start_alt: float) -> None:
    """Raise CoverageError (stating the coverage) when the start itself is outside the data."""
    try:
        if isinstance(profile, FloatProfile) and profile.pressure_hpa is not None:
            winds.sample_pressure(t0, lat, lon, profile.pressure_hpa)
        else:
            winds.sample(t0, lat, lon, start_alt)
    except CoverageError as exc:
        raise CoverageError(f"the start is not covered: {exc}") from None


def _basis(lat_deg: float, lon_deg: float) -> tuple[npt.NDArray[np.float64],
                                                    npt.NDArray[np.float64]]:
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    north = np.array([-math.sin(lat) * math.cos(lon), -math.sin(lat) * math.sin(lon),
                      math.cos(lat)])
    return east, north


def _cell_limited_step_s(winds: WindField, fraction: float) -> float:
    """The step (s) in which the fastest wind of a gridded field crosses ``fraction`` of the
    smaller grid spacing (longitude spacing taken at 60 degrees); infinite for other fields."""
    if not 0.0 < fraction <= 1.0:
        raise ConfigError(f"cell_fraction {fraction} must be in (0, 1]")
    kf = winds.kernel
    if kf.kind != W.GRIDDED or kf.params[W.P_UNIFORM_H]:
        return math.inf
    speed = float(np.sqrt(np.max(kf.data[..., 1] ** 2 + kf.data[..., 2] ** 2)))
    metres_per_deg = math.pi * EARTH_RADIUS_M / 180.0
    cell_m = metres_per_deg * min(abs(kf.params[W.P_DLAT]), 0.5 * abs(kf.params[W.P_DLON]))
    return math.inf if speed == 0.0 else fraction * cell_m / speed


def _left_counts(status: npt.NDArray[np.int8]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code, name in STATUS_NAMES.items():
        n = int(np.count_nonzero(status == code))
        if n:
            counts[name] = n
    return counts


__all__ = ["MemberStatus", "backtrack", "forecast"]
