"""SondeHub telemetry JSON: radiosondes and amateur balloon payloads, as the SondeHub API gives it.

Accepted shapes: a list of telemetry objects; the API's nesting ``{serial: {datetime: object}}``;
or JSON lines (one object per line). An object needs ``datetime`` (ISO 8601 UTC), ``lat``,
``lon`` and ``alt`` (metres); ``serial`` (radiosonde) or ``payload_callsign`` (amateur) names the
balloon (``ref`` ``sonde:...`` or ``payload:...``); ``vel_h`` (m/s) with ``heading`` (degrees) and
``vel_v`` (m/s) give the velocity; ``uploader_callsign`` becomes ``sensor_id``. The same frame
heard by several receivers is kept once. A bad object is a bad row named by its line (JSON lines)
or its place in the document (``[i]`` or ``serial/datetime``), rule of :mod:`._rows`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stratowatch.errors import ParseError
from stratowatch.sensing._rows import (
    RowCollector,
    RowError,
    check_lat_lon,
    json_lines,
    parse_time,
    read_text,
)
from stratowatch.sensing.observation import Observations

GPS_SIGMA_H_M = 10.0
GPS_SIGMA_V_M = 15.0


def _number(obj: dict[str, Any], key: str, *, required: bool = False) -> float | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise RowError("missing", key)
        return None
    if isinstance(value, bool):
        raise RowError("not a number", key)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise RowError(f"not a number: {str(value)[:30]!r}", key) from None
    if not math.isfinite(number):
        raise RowError("not a finite number", key)
    return number


def parse_telemetry(obj: Any, source: str) -> dict[str, Any]:
    """One SondeHub telemetry object as observation fields; RowError when unusable."""
    if not isinstance(obj, dict):
        raise RowError("not a JSON object")
    lat = _number(obj, "lat", required=True)
    lon = _number(obj, "lon", required=True)
    assert lat is not None and lon is not None
    check_lat_lon(lat, lon)
    name = obj.get("serial") or obj.get("payload_callsign")
    if not isinstance(name, str) or not name.strip():
        raise RowError("no serial or payload_callsign", "serial")
    prefix = "sonde" if obj.get("serial") else "payload"
    row: dict[str, Any] = {
        "time": parse_time(obj.get("datetime", obj.get("time_received")), "datetime"),
        "lat": lat, "lon": lon, "alt_m": _number(obj, "alt"),
        "kind": "telemetry", "source": source, "callsign": name.strip(),
        "ref": f"{prefix}:{name.strip()}",
        "sigma_h_m": GPS_SIGMA_H_M, "sigma_v_m": GPS_SIGMA_V_M,
        "vz_mps": _number(obj, "vel_v"),
    }
    uploader = obj.get("uploader_callsign")
    if isinstance(uploader, str):
        row["sensor_id"] = uploader
    speed, heading = _number(obj, "vel_h"), _number(obj, "heading")
    if speed is not None and heading is not None:
        row["vx_mps"] = speed * math.sin(math.radians(heading))
        row["vy_mps"] = speed * math.cos(math.radians(heading))
    return row


def _objects(text: str, source: str) -> Iterator[tuple[int | None, str | None, Any]]:
    """(line, place, object) for each telemetry object in the text."""
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n" in stripped.strip():
        first = stripped.split("\n", 1)[0].strip()
        if first.startswith("{") and first.endswith("}"):
            for number, value in json_lines(text):
                yield number, None, value
            return
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not JSON: {exc}", source=source,
                         line=getattr(exc, "lineno", None)) from None
    if isinstance(doc, list):
        for i, obj in enumerate(doc):
            yield None, f"[{i}]", obj
    elif isinstance(doc, dict) and "lat" in doc:
        yield None, None, doc
    elif isinstance(doc, dict):
        for serial, frames in doc.items():
            if isinstance(frames, dict) and "lat" not in frames:
                for stamp, obj in frames.items():
                    yield None, f"{serial}/{stamp}"[:60], obj
            else:
                yield None, str(serial)[:40], frames
    else:
        raise ParseError("not SondeHub telemetry (a list or object of objects)", source=source)


def parse_sondehub_text(text: str, source: str, *, strict: bool = False) -> Observations:
    """Observations from SondeHub telemetry JSON text (see the module docstring)."""
    rows = RowCollector(source, strict=strict)
    seen: set[tuple[str, float]] = set()
    for line, place, obj in _objects(text, source):
        try:
            if isinstance(obj, RowError):
                raise obj
            row = parse_telemetry(obj, source)
        except RowError as exc:
            field = place + (f".{exc.field}" if exc.field else "") if place else exc.field
            rows.reject(line, exc.reason, field)
            continue
        key = (row["ref"], row["time"])
        if key in seen:
            rows.not_a_row()
            continue
        seen.add(key)
        rows.add(row)
    return rows.finish()


def read_sondehub(path: str | Path, *, strict: bool = False) -> Observations:
    """Observations from a SondeHub telemetry JSON file."""
    return parse_sondehub_text(read_text(path), str(path), strict=strict)
