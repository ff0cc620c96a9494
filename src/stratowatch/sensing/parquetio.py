"""Observations as Parquet (through pyarrow), the format for large archives.

Columns are the interchange fields; ``time`` is a ``timestamp[us, UTC]`` column (microseconds,
years 1 to 9999), numbers are float64 and text is UTF-8, both null where not reported. Reading
also accepts ``time`` as seconds since the epoch or ISO 8601 text. A row with a null or invalid
time, latitude or longitude is a bad row named by its row number (from 1), as in :mod:`._rows`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from stratowatch.errors import ParseError
from stratowatch.sensing._extras import require
from stratowatch.sensing._rows import RowCollector, RowError, check_lat_lon, parse_time
from stratowatch.sensing.observation import (
    FIELDS,
    FLOAT_FIELDS,
    KINDS,
    REQUIRED_FIELDS,
    STR_FIELDS,
    Observations,
)


def to_table(obs: Observations) -> Any:
    """A ``pyarrow.Table`` of the batch in the interchange schema."""
    pa = require("pyarrow", "Parquet")
    arrays = []
    micros = np.round(obs.time * 1e6).astype(np.int64)
    arrays.append(pa.array(micros, type=pa.timestamp("us", tz="UTC")))
    for name in FIELDS[1:]:
        col = getattr(obs, name)
        if name in FLOAT_FIELDS:
            arrays.append(pa.array(col, type=pa.float64(), mask=np.isnan(col)))
        else:
            arrays.append(pa.array([s if s else None for s in col.tolist()], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=list(FIELDS))


def write_parquet(obs: Observations, path: str | Path) -> None:
    """Write a batch as a Parquet file (zstd-compressed)."""
    pq = require("pyarrow.parquet", "Parquet")
    pq.write_table(to_table(obs), str(path), compression="zstd")


def _time_values(column: Any, pa: Any) -> list[Any]:
    if pa.types.is_timestamp(column.type):
        unit = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[column.type.unit]
        ints = column.cast(pa.int64()).to_pylist()
        return [None if v is None else v * unit for v in ints]
    return list(column.to_pylist())


def from_table(table: Any, source: str, *, strict: bool = False) -> Observations:
    """Observations from a ``pyarrow.Table`` with interchange column names."""
    pa = require("pyarrow", "Parquet")
    try:
        columns = _columns(table, source, pa)
    except (UnicodeDecodeError, pa.ArrowException) as exc:
        # a damaged file can hold undecodable names or values that pyarrow only meets here
        raise ParseError(f"not a readable Parquet table: {exc}", source=source) from None
    return _rows_of(columns, table.num_rows, source, strict)


def _columns(table: Any, source: str, pa: Any) -> dict[str, list[Any]]:
    names = list(table.column_names)
    missing = [f for f in REQUIRED_FIELDS if f not in names]
    if missing:
        raise ParseError(f"table lacks column(s) {', '.join(missing)}", source=source)
    columns: dict[str, list[Any]] = {}
    for name in FIELDS:
        if name not in names:
            continue
        column = table.column(name).combine_chunks() if table.num_rows else table.column(name)
        if name == "time":
            columns[name] = _time_values(column, pa)
        elif name in FLOAT_FIELDS:
            if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
                raise ParseError(f"column is {column.type}, expected numbers", source=source,
                                 field=name)
            columns[name] = column.to_pylist()
        else:
            columns[name] = [None if v is None else str(v) for v in column.to_pylist()]
    return columns


def _rows_of(columns: dict[str, list[Any]], n_rows: int, source: str,
             strict: bool) -> Observations:
    rows = RowCollector(source, strict=strict)
    for i in range(n_rows):
        try:
            row: dict[str, Any] = {"time": parse_time(columns["time"][i])}
            for name in FLOAT_FIELDS[1:]:
                if name in columns:
                    value = columns[name][i]
                    row[name] = None if value is None or value != value else float(value)
            if row.get("lat") is None or row.get("lon") is None:
                raise RowError("missing position", "lat" if row.get("lat") is None else "lon")
            check_lat_lon(row["lat"], row["lon"])
            for name in STR_FIELDS:
                if name in columns:
                    row[name] = columns[name][i]
            if row.get("kind") and row["kind"] not in KINDS:
                raise RowError(f"unknown kind {row['kind'][:20]!r}", "kind")
        except RowError as exc:
            rows.reject(i + 1, exc.reason, exc.field)
            continue
        rows.add(row)
    return rows.finish()


def read_parquet(path: str | Path, *, strict: bool = False) -> Observations:
    """Observations from a Parquet file in the interchange schema (see the module docstring)."""
    pq = require("pyarrow.parquet", "Parquet")
    pa = require("pyarrow", "Parquet")
    try:
        table = pq.read_table(str(path))
    except (OSError, pa.ArrowException) as exc:
        raise ParseError(f"not a readable Parquet file: {exc}", source=str(path)) from None
    return from_table(table, str(path), strict=strict)
