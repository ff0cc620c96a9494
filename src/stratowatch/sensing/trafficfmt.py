"""Aircraft trajectories in the tabular format of the ``traffic`` library (and its sample data).

A trajectory table has one row per time: ``timestamp``, ``latitude``, ``longitude``,
``altitude`` (barometric feet; ``geoaltitude`` in feet is used when it is absent), and optionally
``groundspeed`` (knots), ``track`` (degrees), ``vertical_rate`` (ft/min), ``icao24``,
``callsign``, ``flight_id``. Files: JSON records (traffic's ``.json``/``.json.gz``), JSON lines,
CSV (optionally gzipped) and Parquet; in-memory ``Flight``/``Traffic``/DataFrames through
:func:`from_traffic`. A numeric ``timestamp`` is read by magnitude as seconds, milliseconds,
microseconds or nanoseconds since the epoch. Rows without a position (traffic keeps
velocity-only rows) are passed over; unreadable rows are bad rows (rule of :mod:`._rows`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from stratowatch.errors import ParseError
from stratowatch.sensing._extras import require
from stratowatch.sensing._rows import (
    RowCollector,
    RowError,
    check_lat_lon,
    json_lines,
    parse_time,
    read_bytes,
)
from stratowatch.sensing.observation import Observations

FT_M = 0.3048
KT_MPS = 1852.0 / 3600.0
FPM_MPS = FT_M / 60.0
TRAJ_SIGMA_H_M = 50.0
TRAJ_SIGMA_V_M = 30.0


def _num(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise RowError(f"not a number: {str(value)[:30]!r}", key) from None
    if math.isinf(number):
        raise RowError("not a finite number", key)
    return None if math.isnan(number) else number


def _timestamp(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:
            raise RowError("time out of range", "timestamp") from None
        magnitude = abs(seconds)
        if magnitude >= 1e17:
            seconds /= 1e9
        elif magnitude >= 1e14:
            seconds /= 1e6
        elif magnitude >= 1e11:
            seconds /= 1e3
        return parse_time(seconds, "timestamp")
    if hasattr(value, "timestamp") and callable(value.timestamp):  # datetime, pandas Timestamp
        try:
            return parse_time(float(value.timestamp()), "timestamp")
        except (TypeError, ValueError, OverflowError, OSError):
            raise RowError("not a time", "timestamp") from None
    if isinstance(value, str):
        text = value.strip()
        try:
            return _timestamp(float(text))
        except ValueError:
            return parse_time(text, "timestamp")
    raise RowError(f"not a time: {str(value)[:30]!r}", "timestamp")


def trajectory_row(rec: Mapping[str, Any], source: str) -> dict[str, Any] | None:
    """One trajectory row as observation fields; None if it has no position."""
    lat, lon = _num(rec, "latitude"), _num(rec, "longitude")
    if lat is None or lon is None:
        return None
    check_lat_lon(lat, lon)
    alt_ft = _num(rec, "altitude")
    if alt_ft is None:
        alt_ft = _num(rec, "geoaltitude")
    row: dict[str, Any] = {
        "time": _timestamp(rec.get("timestamp")), "lat": lat, "lon": lon,
        "alt_m": None if alt_ft is None else alt_ft * FT_M,
        "kind": "adsb", "source": source, "sensor_id": "traffic",
        "sigma_h_m": TRAJ_SIGMA_H_M, "sigma_v_m": TRAJ_SIGMA_V_M,
    }
    gs, trk = _num(rec, "groundspeed"), _num(rec, "track")
    if gs is not None and trk is not None:
        row["vx_mps"] = gs * KT_MPS * math.sin(math.radians(trk))
        row["vy_mps"] = gs * KT_MPS * math.cos(math.radians(trk))
    vr = _num(rec, "vertical_rate")
    if vr is not None:
        row["vz_mps"] = vr * FPM_MPS
    icao = rec.get("icao24")
    call = rec.get("callsign")
    if isinstance(icao, str | int) and not isinstance(icao, bool):
        row["icao24"] = str(icao).strip().lower()
    if isinstance(call, str):
        row["callsign"] = call.strip()
    fid = rec.get("flight_id")
    if isinstance(fid, str | int) and not isinstance(fid, bool) and str(fid):
        row["ref"] = f"flight:{fid}"
    elif row.get("icao24"):
        row["ref"] = f"icao:{row['icao24']}"
    return row


def collect(records: Iterable[tuple[int | None, str | None, Any]], source: str,
            strict: bool) -> Observations:
    """Apply :func:`trajectory_row` to (line, place, record) triples under the row rule."""
    rows = RowCollector(source, strict=strict)
    for line, place, rec in records:
        try:
            if isinstance(rec, RowError):
                raise rec
            if not isinstance(rec, Mapping):
                raise RowError("not a record (object)")
            row = trajectory_row(rec, source)
        except RowError as exc:
            rows.reject(line, exc.reason, f"{place}.{exc.field}" if place else exc.field)
            continue
        if row is None:
            rows.not_a_row()
        else:
            rows.add(row)
    return rows.finish()


def _json_records(text: str, source: str) -> Iterator[tuple[int | None, str | None, Any]]:
    first = text.lstrip()[:1]
    if first == "{" and text.strip().count("\n") > 0:
        for number, value in json_lines(text):
            yield number, None, value
        return
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not JSON: {exc}", source=source) from None
    if isinstance(doc, dict) and doc and all(isinstance(v, dict) for v in doc.values()):
        # pandas "columns" orient: {column: {index: value}}
        index = list(next(iter(doc.values())).keys())
        for i, key in enumerate(index):
            yield None, f"[{i}]", {c: vals.get(key) for c, vals in doc.items()}
        return
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise ParseError("not a list of trajectory records", source=source)
    for i, rec in enumerate(doc):
        yield None, f"[{i}]", rec


def _csv_records(text: str) -> Iterator[tuple[int | None, str | None, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, RowError(f"bad CSV: {exc}")
            continue
        if None in rec:
            yield reader.line_num, None, RowError("more cells than the header")
            continue
        yield reader.line_num, None, rec


def parse_traffic_bytes(data: bytes, source: str, *, strict: bool = False) -> Observations:
    """Observations from the bytes of a trajectory file (format by content)."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ParseError(f"bad gzip data: {exc}", source=source) from None
    if data[:4] == b"PAR1":
        pq = require("pyarrow.parquet", "Reading Parquet trajectories")
        pa = require("pyarrow", "Reading Parquet trajectories")
        try:
            table = pq.read_table(io.BytesIO(data))
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ParseError(f"not a readable Parquet file: {exc}", source=source) from None
        return collect(((i + 1, None, r) for i, r in enumerate(table.to_pylist())), source,
                       strict)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text (byte {exc.start})", source=source) from None
    if text.lstrip()[:1] in ("[", "{"):
        return collect(_json_records(text, source), source, strict)
    return collect(_csv_records(text), source, strict)


def read_traffic(path: str | Path, *, strict: bool = False) -> Observations:
    """Observations from a traffic trajectory file (JSON, JSON lines, CSV, Parquet; gzip)."""
    return parse_traffic_bytes(read_bytes(path), str(path), strict=strict)


def from_traffic(obj: Any, *, source: str = "traffic", strict: bool = False) -> Observations:
    """Observations from a traffic ``Flight``/``Traffic`` or a pandas DataFrame of the format."""
    frame = getattr(obj, "data", obj)
    to_dict = getattr(frame, "to_dict", None)
    if to_dict is None:
        raise ParseError("not a traffic Flight, Traffic or DataFrame", source=source)
    records = to_dict(orient="records")
    return collect(((i + 1, None, r) for i, r in enumerate(records)), source, strict)
