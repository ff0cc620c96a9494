"""``stratowatch ingest``: read sensor files of any supported format into one interchange file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from stratowatch.sensing import (
    FORMATS,
    concat,
    read_observations,
    read_sites,
    write_observations,
)

MAX_BAD_SHOWN = 5
"""Bad rows printed per file in the summary (all of them are counted)."""


def _reference(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected LAT,LON in degrees") from None
    return lat, lon


def run(args: argparse.Namespace) -> int:
    """Read every input, write the combined batch, print rows and bad rows per file."""
    sites = read_sites(args.sites) if args.sites else None
    options: dict[str, Any] = {"sites": sites, "date": args.date, "reference": args.reference,
                               "reference_time": args.reference_time}
    parts = []
    for path in args.files:
        obs = read_observations(path, args.format, strict=args.strict, **options)
        parts.append(obs)
        print(f"{path}: {len(obs)} observations, {len(obs.skipped)} bad rows")
        for bad in obs.skipped[:MAX_BAD_SHOWN]:
            print(f"  {bad}")
        if len(obs.skipped) > MAX_BAD_SHOWN:
            print(f"  ... and {len(obs.skipped) - MAX_BAD_SHOWN} more")
    merged = concat(parts).sorted_by_time()
    write_observations(merged, args.out)
    total_bad = sum(len(p.skipped) for p in parts)
    print(f"wrote {len(merged)} observations to {args.out} ({total_bad} bad rows in "
          f"{len(args.files)} files)", file=sys.stdout)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``ingest`` sub-command."""
    parser = subparsers.add_parser(
        "ingest", help="normalise sensor files to the interchange format",
        description="Read radar (ASTERIX), ADS-B, SondeHub, APRS, traffic, CSV and GeoJSON "
                    "files and write their observations as Parquet, CSV or GeoJSON "
                    "(by the suffix of --out).")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--format", default="auto", choices=("auto", *FORMATS),
                        help="input format (default: detected from each file)")
    parser.add_argument("--sites", metavar="SITES.csv",
                        help="radar sites table (sac, sic, lat, lon, alt_m) for CAT048 plots")
    parser.add_argument("--date", metavar="YYYY-MM-DD",
                        help="UTC date of raw ASTERIX files (captures carry their own)")
    parser.add_argument("--reference", type=_reference, metavar="LAT,LON",
                        help="reference position for single-message ADS-B CPR decoding")
    parser.add_argument("--reference-time", metavar="TIME",
                        help="time near which APRS packet time stamps are placed (ISO 8601)")
    parser.add_argument("--strict", action="store_true",
                        help="fail on the first file with any bad row")
    parser.add_argument("--out", required=True, metavar="OUT",
                        help="output file: .parquet, .csv or .geojson")
    parser.set_defaults(handler=run)
