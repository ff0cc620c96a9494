"""``stratowatch track``: observations in, tracks out (one row per track state)."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter

from stratowatch.errors import ConfigError
from stratowatch.sensing import FORMATS, concat, read_observations
from stratowatch.tracking import (
    JPDA,
    GNNWith2DAssignment,
    MofNInitiator,
    Tracker,
    tracks_table,
    write_tracks,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "track", help="track objects in observation files (wind-aware, across sensors)",
        description="Track objects in observation files: one output row per track state "
                    "(track_id, time, lat, lon, alt_m, vx_mps, vy_mps, vz_mps, sigma_h_m, "
                    "p_balloon, label, n_obs, sources).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("files", nargs="+", metavar="OBS", help="observation files (any format "
                   "`stratowatch ingest` reads)")
    p.add_argument("--input-format", default="auto", choices=("auto", *FORMATS),
                   help="format of the inputs")
    p.add_argument("--winds", default=None,
                   help="wind data for the drift model and long-gap joins: a GRIB2, NetCDF or "
                        "Zarr file, a Wyoming sounding, or builtin:... as for `predict` "
                        "(without winds the drift model assumes still air and no joins are "
                        "made)")
    p.add_argument("--steady", action="store_true",
                   help="let a wind file with one valid time stand for all times")
    p.add_argument("--out", default="tracks.csv", help="output file")
    p.add_argument("--format", choices=("csv", "geojson"), default=None,
                   help="csv, or geojson for GeoJSON lines (default: from the suffix)")
    p.add_argument("--associator", choices=("gnn", "jpda"), default="gnn",
                   help="global nearest neighbour, or JPDA for dense scenes")
    p.add_argument("--confirm", default="2/3", help="M/N: confirm after M reports in N frames")
    p.add_argument("--frame-s", type=float, default=1.0,
                   help="reports within this many seconds form one frame")
    p.add_argument("--p-detect", type=float, default=0.9, help="detection probability")
    p.add_argument("--clutter-per-km2", type=float, default=1e-3,
                   help="false reports per frame per square kilometre")
    p.add_argument("--births-per-km2", type=float, default=None,
                   help="new objects per frame per square kilometre: a young track is then "
                        "weighed by the odds that it is an object at all, so one started by "
                        "a false report does not take an established track's report "
                        "(default: every track is taken to be real)")
    p.add_argument("--long-gap-h", type=float, default=0.5,
                   help="silences longer than this (hours) are bridged by drift forecasts")
    p.add_argument("--all-states", action="store_true",
                   help="also write predicted states of tracks a frame did not update")
    p.add_argument("--quiet", action="store_true", help="no summary")
    p.set_defaults(handler=run)


def _confirm(text: str) -> tuple[int, int]:
    try:
        m, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise ConfigError(f"--confirm {text!r}: expected M/N, e.g. 2/3") from None
    return m, n


def run(args: argparse.Namespace) -> int:
    """Read, track, write; print a summary to stderr."""
    from stratowatch.cli.predict import load_winds

    if args.long_gap_h <= 0 or not math.isfinite(args.long_gap_h):
        raise ConfigError("--long-gap-h must be a positive number")
    if args.births_per_km2 is not None and not 0 < args.births_per_km2 < math.inf:
        raise ConfigError("--births-per-km2 must be a positive number")
    m, n = _confirm(args.confirm)
    winds = load_winds(args.winds, args.steady) if args.winds else None
    obs = concat(read_observations(f, args.input_format) for f in args.files)
    tracker = Tracker(winds=winds,
                      associator=JPDA(p_detect=args.p_detect) if args.associator == "jpda"
                      else GNNWith2DAssignment(),
                      initiator=MofNInitiator(m=m, n=n), p_detect=args.p_detect,
                      clutter_density_per_km2=args.clutter_per_km2,
                      birth_density_per_km2=args.births_per_km2, frame_s=args.frame_s,
                      long_gap_s=args.long_gap_h * 3600.0, log_coasting=args.all_states)
    began = time.perf_counter()
    tracks = tracker.run(obs)
    elapsed = time.perf_counter() - began
    table = tracks_table(tracks)
    write_tracks(table, args.out, args.format)
    if not args.quiet:
        labels = Counter(tk.label for tk in tracks)
        joins = sum(len(tk.joins) for tk in tracks)
        bad = len(obs.skipped)
        print(f"{len(obs)} reports ({bad} bad rows skipped) -> {len(tracks)} tracks ("
              + ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))
              + f"), {joins} long-gap joins, {len(table)} states in {elapsed:.2f} s; "
              f"wrote {args.out}", file=sys.stderr)
    return 0
