"""The interchange CSV of DESIGN.md: one observation per row, header names the columns.

Times are written as ISO 8601 UTC with ``Z`` (millisecond resolution) and read as ISO 8601 or as
seconds since the epoch. Numbers are written in shortest round-trip form; an empty cell is a
value not reported. The header must name ``time, lat, lon, alt_m``; other known columns are
optional and unknown ones are ignored. Bad rows follow the rule of :mod:`._rows`.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from stratowatch.errors import ParseError
from stratowatch.sensing._rows import (
    RowCollector,
    RowError,
    check_lat_lon,
    parse_float,
    parse_time,
    read_text,
)
from stratowatch.sensing.observation import (
    FIELDS,
    FLOAT_FIELDS,
    KINDS,
    REQUIRED_FIELDS,
    Observations,
)
from stratowatch.timeutil import to_iso

csv.field_size_limit(1 << 20)

CODE_FIELDS = ("kind", "icao24", "category")
"""Text cells read with surrounding blanks removed; other text is kept exactly."""


def parse_row(cells: dict[str, str]) -> dict[str, Any]:
    """One CSV row (column name to cell text) as observation fields; RowError when bad."""
    row: dict[str, Any] = {"time": parse_time(cells.get("time", ""))}
    for name in FLOAT_FIELDS[1:]:
        text = cells.get(name)
        if text is None:
            continue
        row[name] = parse_float(text, name, required=name in ("lat", "lon"))
    check_lat_lon(row["lat"], row["lon"])
    for name in FIELDS:
        if name in FLOAT_FIELDS or name not in cells:
            continue
        row[name] = cells[name].strip() if name in CODE_FIELDS else cells[name]
    kind = row.get("kind", "")
    if kind and kind not in KINDS:
        raise RowError(f"unknown kind {kind[:20]!r}; expected one of {', '.join(KINDS)}", "kind")
    return row


def parse_csv_text(text: str, source: str, *, strict: bool = False) -> Observations:
    """Observations from interchange CSV text; ``source`` names it in errors."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ParseError("empty file: no CSV header", source=source, line=1) from None
    except csv.Error as exc:
        raise ParseError(f"bad CSV header: {exc}", source=source, line=1) from None
    names = [h.strip() for h in header]
    missing = [f for f in REQUIRED_FIELDS if f not in names]
    if missing:
        raise ParseError(f"header lacks column(s) {', '.join(missing)}; it has "
                         f"{', '.join(n[:30] for n in names[:20])}", source=source, line=1)
    dupes = sorted({n for n in names if n in FIELDS and names.count(n) > 1})
    if dupes:
        raise ParseError(f"header repeats column(s) {', '.join(dupes)}", source=source, line=1)
    rows = RowCollector(source, strict=strict)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.reject(reader.line_num, f"bad CSV: {exc}")
            continue
        line = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            rows.reject(line, f"{len(cells)} cells, header has {len(names)}")
            continue
        try:
            rows.add(parse_row(dict(zip(names, cells, strict=True))))
        except RowError as exc:
            rows.reject(line, exc.reason, exc.field)
    return rows.finish()


def read_csv(path: str | Path, *, strict: bool = False) -> Observations:
    """Observations from an interchange CSV file (see the module docstring for the format)."""
    return parse_csv_text(read_text(path), str(path), strict=strict)


def _cell(value: Any, name: str) -> str:
    if name == "time":
        return to_iso(float(value))
    if name in FLOAT_FIELDS:
        v = float(value)
        return "" if math.isnan(v) else repr(v)
    return str(value)


def format_csv(obs: Observations) -> str:
    """The interchange CSV text of a batch (header and one line per row)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    cols = [getattr(obs, name).tolist() for name in FIELDS]
    for values in zip(*cols, strict=True):
        writer.writerow([_cell(v, n) for v, n in zip(values, FIELDS, strict=True)])
    return out.getvalue()


def write_csv(obs: Observations, path: str | Path) -> None:
    """Write a batch as interchange CSV (UTF-8)."""
    Path(path).write_text(format_csv(obs), encoding="utf-8", newline="")
