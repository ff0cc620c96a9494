"""`stratowatch predict` and `stratowatch backtrack`: drift ensembles from the command line."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from stratowatch.drift import (
    Ensemble,
    FloatProfile,
    ManeuveringProfile,
    Perturbation,
    Profile,
    StandardProfile,
    backtrack,
    forecast,
)
from stratowatch.drift.export import write_ensemble
from stratowatch.drift.products import median_track
from stratowatch.drift.run import ProgressCallback
from stratowatch.errors import ConfigError
from stratowatch.geo.sphere import great_circle_m
from stratowatch.timeutil import to_epoch_s, to_iso
from stratowatch.winds import SolidBodyRotation, UniformWind, WindField, ZonalJet, open_winds

BUILTIN_HELP = ("builtin:jet (a westerly jet at 18 km with travelling waves, the default), "
                "builtin:uniform:U,V (m/s), builtin:rotation:AXIS_LAT,AXIS_LON,SPEED_MPS")
DEFAULT_START = "2026-01-01T00:00Z"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, backward in (("predict", False), ("backtrack", True)):
        what = ("where balloons go: an ensemble forecast" if not backward else
                "where a balloon came from: a back-trajectory ensemble with an origin map")
        parser = subparsers.add_parser(
            name, help=what, description=f"Compute {what}.",
            formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        _add_options(parser, backward)
        parser.set_defaults(handler=_run_backtrack if backward else _run_predict)


def _add_options(p: argparse.ArgumentParser, backward: bool) -> None:
    src = p.add_argument_group("winds")
    src.add_argument("--winds", default="builtin:jet",
                     help="GRIB2, NetCDF or Zarr pressure-level file, a Wyoming sounding (.txt), "
                          f"or {BUILTIN_HELP}")
    src.add_argument("--steady", action="store_true",
                     help="let a file with one valid time stand for all times")
    start = p.add_argument_group("start" if not backward else "observation")
    start.add_argument("--lat", type=float, default=45.0, help="latitude (degrees north)")
    start.add_argument("--lon", type=float, default=-100.0, help="longitude (degrees east)")
    start.add_argument("--start", default=None,
                       help="ISO 8601 UTC time (default: the wind data's first time, or "
                            f"{DEFAULT_START} for built-in fields)" if not backward else
                       "ISO 8601 UTC time of the observation (default: the wind data's last "
                       "time)")
    start.add_argument("--hours", type=float, default=24.0 if not backward else 9.0,
                       help="how long to integrate (hours)")
    prof = p.add_argument_group("flight profile")
    prof.add_argument("--profile", choices=("float", "standard", "maneuvering"), default="float",
                      help="float: constant pressure or altitude; standard: ascent, burst, "
                           "descent; maneuvering: any altitude in a band")
    prof.add_argument("--pressure-hpa", type=float, default=None,
                      help="float at this pressure (hPa)")
    prof.add_argument("--alt-m", type=float, default=None,
                      help="float at this altitude, or the start altitude of the other "
                           "profiles (m above mean sea level); default for float: 70 hPa")
    prof.add_argument("--ascent-rate", type=float, default=5.0, help="standard: m/s")
    prof.add_argument("--burst-alt-m", type=float, default=30000.0, help="standard: m")
    prof.add_argument("--descent-rate", type=float, default=5.0,
                      help="standard: descent rate at sea level, m/s")
    prof.add_argument("--ground-alt-m", type=float, default=0.0, help="standard: m")
    prof.add_argument("--descending", action="store_true",
                      help="standard: the balloon has already burst")
    prof.add_argument("--alt-min-m", type=float, default=15000.0, help="maneuvering: m")
    prof.add_argument("--alt-max-m", type=float, default=21000.0, help="maneuvering: m")
    prof.add_argument("--vertical-rate", type=float, default=1.0, help="maneuvering: m/s")
    ens = p.add_argument_group("ensemble")
    ens.add_argument("--members", type=int, default=500,
                     help="ensemble members; 1 gives the deterministic trajectory")
    ens.add_argument("--deterministic", action="store_true",
                     help="no perturbation at all (every member the same trajectory)")
    ens.add_argument("--seed", type=int, default=0, help="random seed (runs are repeatable)")
    ens.add_argument("--sigma-h-m", type=float, default=0.0,
                     help="initial horizontal position uncertainty (m, per axis)")
    ens.add_argument("--sigma-alt-m", type=float, default=0.0,
                     help="initial altitude spread (m)")
    ens.add_argument("--wind-sigma-mps", type=float, default=3.6,
                     help="wind error standard deviation (m/s; Loon statistics)")
    ens.add_argument("--wind-length-km", type=float, default=357.0,
                     help="wind error correlation length (km)")
    ens.add_argument("--wind-time-h", type=float, default=9.6,
                     help="wind error correlation time (h)")
    ens.add_argument("--rate-sigma", type=float, default=0.0,
                     help="relative spread of ascent/descent/vertical rates")
    ens.add_argument("--burst-sigma-m", type=float, default=0.0, help="burst altitude spread (m)")
    num = p.add_argument_group("integration and output")
    num.add_argument("--step-s", type=float, default=300.0, help="RK4 time step (s)")
    num.add_argument("--cell-fraction", type=float, default=None,
                     help="shorten the step so the fastest wind crosses at most this fraction "
                          "of a grid cell per step")
    num.add_argument("--output-every-min", type=float, default=60.0,
                     help="interval between output times (minutes)")
    num.add_argument("--strict", action="store_true",
                     help="fail when any member leaves the wind data (default: flag them)")
    num.add_argument("--levels", default="0.5,0.9",
                     help="probability levels of the regions, comma-separated")
    num.add_argument("--out", default="forecast.geojson" if not backward else
                     "backtrack.geojson", help="output file")
    num.add_argument("--format", choices=("geojson", "csv", "kml", "czml"), default=None,
                     help="output format (default: from the file suffix)")
    num.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def load_winds(spec: str, steady: bool = False) -> WindField:
    """A wind field from a file path or a ``builtin:`` name (see ``--winds``)."""
    if spec.startswith("builtin:"):
        name, _, args = spec[len("builtin:"):].partition(":")
        try:
            values = [float(v) for v in args.split(",")] if args else []
        except ValueError as exc:
            raise ConfigError(f"--winds {spec}: parameters must be numbers") from exc
        if name == "jet" and not values:
            return ZonalJet()
        if name == "uniform" and len(values) == 2:
            return UniformWind(values[0], values[1])
        if name == "rotation" and len(values) == 3:
            return SolidBodyRotation.with_speed(values[0], values[1], values[2])
        raise ConfigError(f"--winds {spec}: unknown built-in field; use {BUILTIN_HELP}")
    if not Path(spec).exists():
        raise ConfigError(f"--winds {spec}: no such file")
    return open_winds(spec, steady=steady)


def _profile(args: argparse.Namespace) -> Profile:
    if args.profile == "float":
        if args.pressure_hpa is not None and args.alt_m is not None:
            raise ConfigError("give --pressure-hpa or --alt-m for a float, not both")
        if args.alt_m is not None:
            return FloatProfile(alt_m=args.alt_m)
        return FloatProfile(pressure_hpa=70.0 if args.pressure_hpa is None else args.pressure_hpa)
    if args.profile == "standard":
        return StandardProfile(args.ascent_rate, args.burst_alt_m, args.descent_rate,
                               args.ground_alt_m, args.descending)
    return ManeuveringProfile(args.alt_min_m, args.alt_max_m, args.vertical_rate)


def _perturbation(args: argparse.Namespace) -> Perturbation:
    if args.deterministic or args.members == 1:
        return Perturbation.none()
    return Perturbation(sigma_h_m=args.sigma_h_m, sigma_alt_m=args.sigma_alt_m,
                        wind_sigma_mps=args.wind_sigma_mps,
                        wind_length_m=args.wind_length_km * 1000.0,
                        wind_time_s=args.wind_time_h * 3600.0, rate_sigma_frac=args.rate_sigma,
                        burst_sigma_m=args.burst_sigma_m)


def _levels(text: str) -> tuple[float, ...]:
    try:
        levels = tuple(float(v) for v in text.split(","))
    except ValueError as exc:
        raise ConfigError(f"--levels {text!r}: comma-separated numbers expected") from exc
    if not levels or any(not 0.0 < v <= 1.0 for v in levels):
        raise ConfigError(f"--levels {text!r}: each level must be in (0, 1]")
    return levels


def _start_time(args: argparse.Namespace, winds: WindField, backward: bool) -> float:
    if args.start is not None:
        return to_epoch_s(args.start)
    cov = winds.coverage
    if cov.start_s is None or cov.end_s is None:
        return to_epoch_s(DEFAULT_START)
    return cov.end_s if backward else cov.start_s


def _execute(args: argparse.Namespace, backward: bool) -> int:
    if args.hours <= 0 or not math.isfinite(args.hours):
        raise ConfigError("--hours must be a positive number")
    winds = load_winds(args.winds, args.steady)
    profile = _profile(args)
    start = _start_time(args, winds, backward)
    levels = _levels(args.levels)
    alt_m = None if args.profile == "float" else args.alt_m
    runner = backtrack if backward else forecast
    kwargs: dict[str, Any] = dict(start=start, lat_deg=args.lat, lon_deg=args.lon, profile=profile,
                  duration_s=args.hours * 3600.0, alt_m=alt_m, members=args.members,
                  perturbation=_perturbation(args), seed=args.seed, step_s=args.step_s,
                  output_every_s=args.output_every_min * 60.0, strict=args.strict,
                  cell_fraction=args.cell_fraction)
    began = time.perf_counter()
    ens = _with_progress(runner, winds, kwargs, args.quiet)
    elapsed = time.perf_counter() - began
    write_ensemble(ens, args.out, fmt=args.format, levels=levels)
    if not args.quiet:
        _summary(ens, args.out, elapsed, backward)
    return 0


def _with_progress(call: Callable[..., Ensemble], winds: WindField, kwargs: dict[str, Any],
                   quiet: bool) -> Ensemble:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if quiet:
        return call(winds, **kwargs)
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed:.0f}/{task.total:.0f} h"), TimeElapsedColumn(),
                  transient=True, console=None) as bar:
        task = bar.add_task("integrating", total=float(kwargs["duration_s"]) / 3600.0)

        def advance(done_s: float, total_s: float) -> None:
            bar.update(task, completed=done_s / 3600.0)

        progress: ProgressCallback = advance
        return call(winds, progress=progress, **kwargs)


def _summary(ens: Ensemble, out: str, elapsed_s: float, backward: bool) -> None:
    track = median_track(ens)
    last = ens.n_times - 1
    moved_km = float(great_circle_m(track.lat_deg[0], track.lon_deg[0], track.lat_deg[last],
                                    track.lon_deg[last])) / 1000.0
    left = ens.meta.get("left_coverage") or {}
    lines = [
        f"{'back-trajectory' if backward else 'forecast'}: {ens.n_members} members, "
        f"{ens.profile}, {to_iso(ens.times_s[0])} -> {to_iso(ens.times_s[-1])} "
        f"({elapsed_s:.2f} s)",
        f"median {'origin' if backward else 'end'}: lat {track.lat_deg[last]:.4f} "
        f"lon {track.lon_deg[last]:.4f} alt {track.alt_m[last]:,.0f} m, "
        f"{moved_km:,.1f} km from the start",
    ]
    if left:
        n_left = int(np.count_nonzero(ens.left_coverage()))
        lines.append(f"warning: {n_left} of {ens.n_members} members left the wind data ("
                     + ", ".join(f"{n} {why}" for why, n in left.items())
                     + f") and are frozen there; the data {ens.coverage}")
    lines.append(f"wrote {out}")
    print("\n".join(lines), file=sys.stderr)


def _run_predict(args: argparse.Namespace) -> int:
    return _execute(args, backward=False)


def _run_backtrack(args: argparse.Namespace) -> int:
    return _execute(args, backward=True)
