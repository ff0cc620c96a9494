"""``stratowatch classify``: is each object in a file of observations a free balloon?"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from stratowatch.cli.predict import BUILTIN_HELP, load_winds
from stratowatch.errors import ConfigError
from stratowatch.sensing import FORMATS, read_observations
from stratowatch.tracking.classification import LABELS, Classification, classify

COLUMNS = ("ref", *(f"p_{label}" for label in LABELS), "label", "reasons")
"""Output columns, in order; ``reasons`` joins the reasons with "; " in CSV."""


def write_csv(result: Classification, out: Any) -> None:
    """One row per object, probabilities to four decimals."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rec in result.records():
        writer.writerow([rec["ref"], *(f"{rec[f'p_{lab}']:.4f}" for lab in LABELS),
                         rec["label"], "; ".join(rec["reasons"])])


def write_json(result: Classification, out: Any) -> None:
    """A JSON list of objects with the same fields (``reasons`` a list of strings)."""
    json.dump(result.records(), out, indent=1)
    out.write("\n")


def run(args: argparse.Namespace) -> int:
    """Read the observations, classify every ref, write CSV or JSON, print a summary."""
    obs = read_observations(args.obs, args.input_format)
    if len(obs) == 0:
        raise ConfigError(f"{args.obs}: no observations to classify")
    winds = load_winds(args.winds, args.steady) if args.winds else None
    result = classify(obs, winds)
    fmt = args.format or ("json" if args.out and args.out.endswith(".json") else "csv")
    writer = write_json if fmt == "json" else write_csv
    if args.out in (None, "-"):
        writer(result, sys.stdout)
    else:
        with Path(args.out).open("w", newline="", encoding="utf-8") as fh:
            writer(result, fh)
    counts = {lab: int((result.label == lab).sum()) for lab in LABELS}
    print(f"classified {len(result)} objects from {len(obs)} observations "
          f"({'with' if winds is not None else 'without'} winds): "
          + ", ".join(f"{n} {lab}" for lab, n in counts.items())
          + ("" if args.out in (None, "-") else f"; wrote {args.out}"), file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``classify`` sub-command."""
    parser = subparsers.add_parser(
        "classify", help="classify objects: free balloon, aircraft, bird or clutter, unknown",
        description="Group observations into objects by their ref column and give each the "
                    "probabilities of free balloon, aircraft, bird-or-clutter and unknown, "
                    "with the reasons. A wind field makes it sharper: a free balloon moves "
                    "with the wind at its altitude.")
    parser.add_argument("obs", metavar="OBS",
                        help="observations in any format stratowatch ingest reads")
    parser.add_argument("--input-format", default="auto", choices=("auto", *FORMATS),
                        help="format of OBS (default: detected)")
    parser.add_argument("--winds", default=None,
                        help="wind field: GRIB2, NetCDF or Zarr pressure-level file, a Wyoming "
                             f"sounding (.txt), or {BUILTIN_HELP}; without it, priors on "
                             "altitude, speed and vertical rate only")
    parser.add_argument("--steady", action="store_true",
                        help="let a wind file with one valid time stand for all times")
    parser.add_argument("--out", default=None,
                        help="output file (default: standard output)")
    parser.add_argument("--format", choices=("csv", "json"), default=None,
                        help="output format (default: json for a .json --out, else csv)")
    parser.set_defaults(handler=run)
