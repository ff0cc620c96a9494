"""Observations as GeoJSON: a FeatureCollection of Point features, altitude the third coordinate.

Each feature is one observation: ``geometry.coordinates`` is ``[lon, lat, alt_m]`` (altitude may be
absent), ``properties`` carry ``time`` (ISO 8601 UTC, or seconds since the epoch) and any other
interchange field; unreported values are left out. A bad feature is a bad row named by its index
(``features[i]``, counted from 0) under the rule of :mod:`._rows`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from stratowatch.errors import ParseError
from stratowatch.sensing._rows import RowCollector, RowError, check_lat_lon, parse_time, read_text
from stratowatch.sensing.observation import FIELDS, FLOAT_FIELDS, KINDS, Observations
from stratowatch.timeutil import to_iso


def _number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"not a number: {str(value)[:40]!r}", field)
    try:
        number = float(value)
    except OverflowError:
        raise RowError("number out of range", field) from None
    if math.isinf(number):
        raise RowError("not a finite number", field)
    return number


def parse_feature(feature: Any) -> dict[str, Any]:
    """One GeoJSON Point feature as observation fields; RowError when it is not usable."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise RowError("not a GeoJSON Feature")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise RowError("geometry is not a Point", "geometry")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or not 2 <= len(coords) <= 3:
        raise RowError("coordinates must be [lon, lat] or [lon, lat, alt_m]", "coordinates")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise RowError("properties is not an object", "properties")
    lon = _number(coords[0], "coordinates")
    lat = _number(coords[1], "coordinates")
    if lon is None or lat is None:
        raise RowError("coordinates must be numbers", "coordinates")
    check_lat_lon(lat, lon)
    row: dict[str, Any] = {"time": parse_time(props.get("time"), "time"), "lat": lat, "lon": lon}
    alt = coords[2] if len(coords) == 3 else props.get("alt_m")
    row["alt_m"] = _number(alt, "alt_m")
    for name in FIELDS:
        if name in row or name not in props:
            continue
        value = props[name]
        if name in FLOAT_FIELDS:
            row[name] = _number(value, name)
        elif value is not None:
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise RowError("expected text", name)
            row[name] = str(value)
    kind = row.get("kind", "")
    if kind and kind not in KINDS:
        raise RowError(f"unknown kind {kind[:20]!r}", "kind")
    return row


def parse_geojson_text(text: str, source: str, *, strict: bool = False) -> Observations:
    """Observations from GeoJSON text (a FeatureCollection or a single Feature)."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise ParseError(f"not JSON: {exc}", source=source, line=line) from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features: Any = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise ParseError("features is not a list", source=source, field="features")
    else:
        raise ParseError("not a GeoJSON Feature or FeatureCollection", source=source)
    rows = RowCollector(source, strict=strict)
    for i, feature in enumerate(features):
        try:
            rows.add(parse_feature(feature))
        except RowError as exc:
            field = f"features[{i}]" + (f".{exc.field}" if exc.field else "")
            rows.reject(None, exc.reason, field)
    return rows.finish()


def read_geojson(path: str | Path, *, strict: bool = False) -> Observations:
    """Observations from a GeoJSON file of Point features."""
    return parse_geojson_text(read_text(path), str(path), strict=strict)


def to_features(obs: Observations) -> list[dict[str, Any]]:
    """One GeoJSON Point feature per observation (unreported values omitted)."""
    cols = {name: getattr(obs, name).tolist() for name in FIELDS}
    features = []
    for i in range(len(obs)):
        coords = [cols["lon"][i], cols["lat"][i]]
        if not math.isnan(cols["alt_m"][i]):
            coords.append(cols["alt_m"][i])
        props: dict[str, Any] = {"time": to_iso(cols["time"][i])}
        for name in FIELDS:
            if name in ("time", "lat", "lon", "alt_m"):
                continue
            value = cols[name][i]
            if (name in FLOAT_FIELDS and math.isnan(value)) or value == "":
                continue
            props[name] = value
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": coords},
                         "properties": props})
    return features


def format_geojson(obs: Observations) -> str:
    """A FeatureCollection as text, one feature per line."""
    lines = [json.dumps(f, ensure_ascii=False, allow_nan=False) for f in to_features(obs)]
    body = ",\n".join(lines)
    return '{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n"


def write_geojson(obs: Observations, path: str | Path) -> None:
    """Write a batch as a GeoJSON FeatureCollection (UTF-8)."""
    Path(path).write_text(format_geojson(obs), encoding="utf-8")
