"""Writing tracks: the interchange CSV (one row per track state) and GeoJSON lines."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

from stratowatch.errors import ConfigError
from stratowatch.timeutil import to_iso
from stratowatch.tracking.types import TABLE_COLUMNS, TrackTable

FORMATS = ("csv", "geojson")


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise ConfigError(f"track output format {fmt!r}: expected one of {FORMATS}")
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".geojsonl", ".jsonl", ".ndjson"):
        return "geojson"
    return "csv"


def _num(value: Any, digits: int) -> Any:
    v = float(value)
    return "" if not math.isfinite(v) else round(v, digits)


def write_tracks(table: TrackTable, path: str | Path, fmt: str | None = None) -> None:
    """Write the table as CSV (times ISO 8601 UTC) or as GeoJSON lines (one Point Feature per
    state, altitude as the third coordinate); the format follows ``fmt`` or the suffix."""
    p = Path(path)
    kind = _format_of(p, fmt)
    rows = table.rows()
    with p.open("w", newline="", encoding="utf-8") as fh:
        if kind == "csv":
            writer = csv.writer(fh)
            writer.writerow(TABLE_COLUMNS)
            for r in rows:
                writer.writerow([
                    r["track_id"], to_iso(r["time"]), _num(r["lat"], 7), _num(r["lon"], 7),
                    _num(r["alt_m"], 1), _num(r["vx_mps"], 2), _num(r["vy_mps"], 2),
                    _num(r["vz_mps"], 2), _num(r["sigma_h_m"], 1), _num(r["p_balloon"], 4),
                    r["label"], r["n_obs"], r["sources"]])
            return
        for r in rows:
            props = {k: r[k] for k in TABLE_COLUMNS if k not in ("lat", "lon", "alt_m")}
            props["time"] = to_iso(r["time"])
            for k in ("vx_mps", "vy_mps", "vz_mps", "sigma_h_m", "p_balloon"):
                props[k] = _num(r[k], 4) if math.isfinite(float(r[k])) else None
            alt = float(r["alt_m"])
            coords = [round(float(r["lon"]), 7), round(float(r["lat"]), 7)]
            if math.isfinite(alt):
                coords.append(round(alt, 1))
            feat = {"type": "Feature", "id": f"{r['track_id']}@{props['time']}",
                    "geometry": {"type": "Point", "coordinates": coords}, "properties": props}
            fh.write(json.dumps(feat, separators=(",", ":")) + "\n")


__all__ = ["FORMATS", "write_tracks"]
