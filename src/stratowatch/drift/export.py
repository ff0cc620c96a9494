"""Writers for drift ensembles and their products: GeoJSON, CSV, KML 2.2 and CZML.

Each writer is deterministic (the same ensemble gives byte-identical output) so files can be
diffed, signed and cached. Times are ISO 8601 UTC with ``Z``; coordinates are longitude, latitude
(degrees, rounded to 1e-6) and altitude (metres above mean sea level, rounded to 0.1).
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from stratowatch.drift.ensemble import Ensemble, MemberStatus
from stratowatch.drift.products import (
    Geometry,
    MedianTrack,
    OriginMap,
    Region,
    median_track,
    origin_map,
    regions,
)
from stratowatch.errors import ConfigError
from stratowatch.timeutil import to_iso

FORMATS = ("geojson", "csv", "kml", "czml")
SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".kml": "kml",
            ".czml": "czml"}
CSV_HEADER = ("member", "time", "lat", "lon", "alt_m", "status")
ORIGIN_CELL_KM = 25.0
ORIGIN_MASS = 0.99  # exports list the most probable origin cells holding this probability,
ORIGIN_MAX_CELLS = 10_000  # and at most this many of them

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"
# fill colours per level index, RGBA: orange, yellow, light blue, grey
_COLOURS = ((255, 140, 0), (255, 215, 0), (100, 180, 255), (160, 160, 160))

Position = list[float]
Line = list[Position]


@dataclass
class _Products:
    """What every writer shows, computed once per export."""

    track: MedianTrack
    regions: list[Region]
    origin: OriginMap | None


def write_ensemble(ens: Ensemble, path: str | Path, fmt: str | None = None,
                   levels: Sequence[float] = (0.5, 0.9)) -> None:
    """Write an ensemble as ``fmt`` (geojson, csv, kml, czml), or as the file suffix says."""
    target = Path(path)
    name = _format_of(target, fmt)
    if name == "csv":
        write_csv(ens, target)
        return
    if name == "geojson":
        text = _dump_json(to_geojson(ens, levels))
    elif name == "czml":
        text = _dump_json(to_czml(ens, levels))
    else:
        text = to_kml(ens, levels)
    with target.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def to_geojson(ens: Ensemble, levels: Sequence[float] = (0.5, 0.9)) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: median track, regions, origin (back runs), final positions.

    Every feature has a ``kind`` property (median_track, region, origin_region, origin_cell,
    final_positions); a top-level ``metadata`` member describes the run.
    """
    prod = _products(ens, levels)
    features: list[dict[str, Any]] = []
    lines, kept = _track_lines(prod.track)
    if lines:
        geom: dict[str, Any] = ({"type": "LineString", "coordinates": lines[0]}
                                if len(lines) == 1
                                else {"type": "MultiLineString", "coordinates": lines})
        features.append(_feature("median-track", geom, {
            "kind": "median_track",
            "times": [to_iso(float(t)) for t in prod.track.times_s[kept]],
            "n_valid": [int(v) for v in prod.track.n_valid[kept]],
        }))
    for i, reg in enumerate(prod.regions):
        features.append(_feature(f"region-{i}", _geojson_geometry(reg.geometry),
                                 _region_properties(reg, "region")))
    if prod.origin is not None:
        for i, reg in enumerate(prod.origin.regions):
            features.append(_feature(f"origin-region-{i}", _geojson_geometry(reg.geometry),
                                     _region_properties(reg, "origin_region")))
        for i, (cell, p) in enumerate(prod.origin.cells(ORIGIN_MASS, ORIGIN_MAX_CELLS)):
            features.append(_feature(f"origin-cell-{i}", _geojson_geometry(cell), {
                "kind": "origin_cell", "time": to_iso(prod.origin.time_s),
                "probability": round(p, 8), "cell_km": prod.origin.cell_m / 1000.0,
            }))
    last = ens.valid_mask()[-1]
    points = [_position(lo, la, al) for lo, la, al in
              zip(ens.lon_deg[-1, last], ens.lat_deg[-1, last], ens.alt_m[-1, last], strict=True)]
    features.append(_feature("final-positions", {"type": "MultiPoint", "coordinates": points}, {
        "kind": "final_positions", "time": to_iso(float(ens.times_s[-1])),
        "n_members": len(points),
    }))
    return {"type": "FeatureCollection", "metadata": _metadata(ens, levels),
            "features": features}


def write_csv(ens: Ensemble, path: str | Path | io.TextIOBase) -> None:
    """Member positions, one row per output time and member (time first), with status names."""
    if isinstance(path, io.TextIOBase):
        _write_csv_rows(ens, path)
        return
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        _write_csv_rows(ens, fh)


def to_kml(ens: Ensemble, levels: Sequence[float] = (0.5, 0.9)) -> str:
    """KML 2.2: the median track (LineString and gx:Track, absolute altitude), then regions
    with a TimeStamp per output time, and for back-trajectories the origin regions."""
    prod = _products(ens, levels)
    lv = sorted({r.level for r in prod.regions + (prod.origin.regions if prod.origin else [])})
    root = ET.Element("kml", {"xmlns": KML_NS, "xmlns:gx": GX_NS})
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = "stratowatch drift ensemble"
    ET.SubElement(doc, "description").text = _kml_description(ens)
    track_style = ET.SubElement(doc, "Style", id="median-track")
    line = ET.SubElement(track_style, "LineStyle")
    ET.SubElement(line, "color").text = "ff0080ff"
    ET.SubElement(line, "width").text = "3"
    for i, level in enumerate(lv):
        style = ET.SubElement(doc, "Style", id=_level_id(level))
        r, g, b = _COLOURS[min(i, len(_COLOURS) - 1)]
        ls = ET.SubElement(style, "LineStyle")
        ET.SubElement(ls, "color").text = f"ff{b:02x}{g:02x}{r:02x}"
        ps = ET.SubElement(style, "PolyStyle")
        ET.SubElement(ps, "color").text = f"50{b:02x}{g:02x}{r:02x}"

    folder = ET.SubElement(doc, "Folder")
    ET.SubElement(folder, "name").text = "Median track"
    lines, kept = _track_lines(prod.track)
    if lines:
        mark = ET.SubElement(folder, "Placemark")
        ET.SubElement(mark, "name").text = "Median track"
        ET.SubElement(mark, "styleUrl").text = "#median-track"
        multi = ET.SubElement(mark, "MultiGeometry") if len(lines) > 1 else mark
        for part in lines:
            ls_el = ET.SubElement(multi, "LineString")
            ET.SubElement(ls_el, "altitudeMode").text = "absolute"
            ET.SubElement(ls_el, "coordinates").text = " ".join(_kml_coord(p) for p in part)
        mark = ET.SubElement(folder, "Placemark")
        ET.SubElement(mark, "name").text = "Median position"
        ET.SubElement(mark, "styleUrl").text = "#median-track"
        gx_track = ET.SubElement(mark, "gx:Track")
        ET.SubElement(gx_track, "altitudeMode").text = "absolute"
        order = kept[np.argsort(prod.track.times_s[kept], kind="stable")]
        for k in order:
            ET.SubElement(gx_track, "when").text = to_iso(float(prod.track.times_s[k]))
        for k in order:
            lon, lat, alt = _position(prod.track.lon_deg[k], prod.track.lat_deg[k],
                                      prod.track.alt_m[k])
            ET.SubElement(gx_track, "gx:coord").text = f"{lon} {lat} {alt}"

    folder = ET.SubElement(doc, "Folder")
    ET.SubElement(folder, "name").text = "Regions"
    for reg in prod.regions:
        _kml_region(folder, reg, f"{_pct(reg.level)} region at {_lead_text(reg.lead_s)}")
    if prod.origin is not None:
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = "Origin"
        for reg in prod.origin.regions:
            _kml_region(folder, reg, f"{_pct(reg.level)} origin region")
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_czml(ens: Ensemble, levels: Sequence[float] = (0.5, 0.9)) -> list[dict[str, Any]]:
    """CZML packets: the document (clock), the median track as a sampled path, regions with
    availability around their output time, and for back-trajectories the origin regions."""
    prod = _products(ens, levels)
    times = np.sort(ens.times_s.astype(np.float64))
    start, end = float(times[0]), float(times[-1])
    interval = f"{to_iso(start)}/{to_iso(end)}"
    packets: list[dict[str, Any]] = [{
        "id": "document", "name": "stratowatch drift ensemble", "version": "1.0",
        "clock": {"interval": interval, "currentTime": to_iso(start), "multiplier": 600,
                  "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"},
        "description": _kml_description(ens),
    }]
    track = prod.track
    kept = np.flatnonzero(np.isfinite(track.lat_deg))
    if kept.size:
        order = kept[np.argsort(track.times_s[kept], kind="stable")]
        samples: list[float] = []
        for k in order:
            samples.append(round(float(track.times_s[k]) - start, 3))
            samples.extend(_position(track.lon_deg[k], track.lat_deg[k], track.alt_m[k]))
        colour = [255, 128, 0, 255]
        packets.append({
            "id": "median-track", "name": "Median track", "availability": interval,
            "position": {"epoch": to_iso(start), "cartographicDegrees": samples},
            "path": {"material": {"solidColor": {"color": {"rgba": colour}}}, "width": 3,
                     "leadTime": 0, "trailTime": end - start + 1.0},
            "point": {"pixelSize": 8, "color": {"rgba": colour}},
        })
    lv = sorted({r.level for r in prod.regions})
    for i, reg in enumerate(prod.regions):
        when = _availability(times, reg.time_s)
        packets.extend(_czml_polygons(f"region-{i}", f"{_pct(reg.level)} region at "
                                      f"{_lead_text(reg.lead_s)}", reg, when,
                                      lv.index(reg.level)))
    if prod.origin is not None:
        for i, reg in enumerate(prod.origin.regions):
            packets.extend(_czml_polygons(f"origin-region-{i}",
                                          f"{_pct(reg.level)} origin region", reg, interval,
                                          i))
    return packets


# --- helpers ---------------------------------------------------------------------------------


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        name = fmt.lower().lstrip(".")
        if name == "json":
            name = "geojson"
        if name not in FORMATS:
            raise ConfigError(f"unknown export format {fmt!r}; choose one of "
                              f"{', '.join(FORMATS)}")
        return name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(f"cannot tell the export format of {str(path)!r} from its suffix "
                          f"{suffix!r}; use one of {', '.join(SUFFIXES)} or pass fmt")
    return SUFFIXES[suffix]


def _products(ens: Ensemble, levels: Sequence[float]) -> _Products:
    origin = None
    if ens.direction < 0 and ens.valid_mask()[-1].any():
        cell_km = ORIGIN_CELL_KM
        while origin is None:  # a cloud too wide for the grid gets coarser cells, not an error
            try:
                origin = origin_map(ens, cell_km=cell_km, levels=levels)
            except ConfigError:
                if cell_km > 1000.0:
                    raise
                cell_km *= 4.0
    return _Products(track=median_track(ens), regions=regions(ens, levels), origin=origin)


def _dump_json(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n"


def _position(lon: float, lat: float, alt: float) -> Position:
    return [round(float(lon), 6), round(float(lat), 6), round(float(alt), 1)]


def _track_lines(track: MedianTrack) -> tuple[list[Line], np.ndarray]:
    """The median track's positions as lines split at the antimeridian, and the indices used."""
    kept = np.flatnonzero(np.isfinite(track.lat_deg) & np.isfinite(track.lon_deg))
    lines: list[Line] = []
    current: Line = []
    prev: Position | None = None
    for k in kept:
        pos = _position(track.lon_deg[k], track.lat_deg[k], track.alt_m[k])
        if prev is not None and abs(pos[0] - prev[0]) > 180.0:
            side = 180.0 if prev[0] > 0.0 else -180.0
            lon_next = pos[0] + 2.0 * side  # continuous with prev
            f = (side - prev[0]) / (lon_next - prev[0])
            lat = prev[1] + f * (pos[1] - prev[1])
            alt = prev[2] + f * (pos[2] - prev[2])
            current.append(_position(side, lat, alt))
            lines.append(current)
            current = [_position(-side, lat, alt)]
        current.append(pos)
        prev = pos
    if current:
        lines.append(current)
    # a one-point "line" (a single valid time) is written as a degenerate two-point line
    lines = [part if len(part) > 1 else part * 2 for part in lines]
    return lines, kept


def _ring(coords: Any) -> list[list[float]]:
    """A ring's coordinates as lists rounded to 1e-6 degrees."""
    out: list[list[float]] = np.round(np.asarray(coords, dtype=np.float64)[:, :2], 6).tolist()
    return out


def _oriented(geom: Geometry) -> Geometry:
    """RFC 7946 winding: exteriors counter-clockwise, holes clockwise."""
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return orient(geom, 1.0)


def _geojson_geometry(geom: Geometry) -> dict[str, Any]:
    geom = _oriented(geom)
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    coords = [[_ring(p.exterior.coords)] + [_ring(r.coords) for r in p.interiors] for p in polys]
    if isinstance(geom, MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": coords}
    return {"type": "Polygon", "coordinates": coords[0] if coords else []}


def _feature(fid: str, geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": props}


def _region_properties(reg: Region, kind: str) -> dict[str, Any]:
    return {"kind": kind, "time": to_iso(reg.time_s), "lead_s": reg.lead_s, "level": reg.level,
            "n_members": reg.n_members, "n_inside": reg.n_inside,
            "area_km2": round(reg.area_km2, 3)}


def _metadata(ens: Ensemble, levels: Sequence[float]) -> dict[str, Any]:
    """The run: profile, coverage, members, and which members left coverage when and why."""
    bad = ~ens.valid_mask() & (ens.status != MemberStatus.GROUND)
    left = np.flatnonzero(bad.any(axis=0))
    first = np.argmax(bad[:, left], axis=0) if left.size else np.zeros(0, dtype=np.int64)
    by_status: dict[str, int] = {}
    by_time: dict[int, int] = {}
    for member, k in zip(left, first, strict=True):
        name = MemberStatus(int(ens.status[k, member])).name
        by_status[name] = by_status.get(name, 0) + 1
        by_time[int(k)] = by_time.get(int(k), 0) + 1
    landed = int(np.count_nonzero(ens.status[-1] == MemberStatus.GROUND))
    return {
        "generator": "stratowatch",
        "profile": ens.profile, "coverage": ens.coverage,
        "direction": "backward" if ens.direction < 0 else "forward",
        "start": to_iso(float(ens.times_s[0])), "end": to_iso(float(ens.times_s[-1])),
        "n_times": ens.n_times, "members": ens.n_members,
        "levels": [float(v) for v in levels],
        "left_coverage": {
            "members": int(left.size),
            "by_status": dict(sorted(by_status.items())),
            "when": [{"time": to_iso(float(ens.times_s[k])), "members": n}
                     for k, n in sorted(by_time.items())],
        },
        "on_ground": landed,
        "meta": _jsonable(ens.meta),
    }


def _jsonable(value: Any) -> Any:
    """Plain JSON values from numpy scalars, arrays and nested containers; others as text."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _write_csv_rows(ens: Ensemble, fh: Any) -> None:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    names = {int(s): s.name for s in MemberStatus}
    for k in range(ens.n_times):
        when = to_iso(float(ens.times_s[k]))
        for m in range(ens.n_members):
            code = int(ens.status[k, m])
            writer.writerow((m, when, f"{ens.lat_deg[k, m]:.6f}", f"{ens.lon_deg[k, m]:.6f}",
                             f"{ens.alt_m[k, m]:.1f}", names.get(code, str(code))))


def _pct(level: float) -> str:
    return f"{level * 100:g} %"


def _level_id(level: float) -> str:
    return f"level-{level * 100:g}".replace(".", "_")


def _lead_text(lead_s: float) -> str:
    hours = lead_s / 3600.0
    return f"{hours:+g} h"


def _kml_description(ens: Ensemble) -> str:
    direction = "back-trajectory" if ens.direction < 0 else "forecast"
    left = int(np.count_nonzero(ens.left_coverage()))
    return (f"{direction}, profile {ens.profile or '-'}, coverage {ens.coverage or '-'}, "
            f"{ens.n_members} members, {left} left the wind data's coverage")


def _kml_coord(p: Position) -> str:
    return f"{p[0]},{p[1]},{p[2]}"


def _kml_region(folder: ET.Element, reg: Region, name: str) -> None:
    mark = ET.SubElement(folder, "Placemark")
    ET.SubElement(mark, "name").text = name
    stamp = ET.SubElement(mark, "TimeStamp")
    ET.SubElement(stamp, "when").text = to_iso(reg.time_s)
    ET.SubElement(mark, "styleUrl").text = "#" + _level_id(reg.level)
    ext = ET.SubElement(mark, "ExtendedData")
    for key, value in (("level", reg.level), ("lead_s", reg.lead_s),
                       ("n_members", reg.n_members), ("area_km2", round(reg.area_km2, 3))):
        data = ET.SubElement(ext, "Data", name=key)
        ET.SubElement(data, "value").text = str(value)
    geom = _oriented(reg.geometry)
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    parent = ET.SubElement(mark, "MultiGeometry") if len(polys) > 1 else mark
    for poly in polys:
        _kml_polygon(parent, poly)


def _kml_polygon(parent: ET.Element, poly: Polygon) -> None:
    el = ET.SubElement(parent, "Polygon")
    ET.SubElement(el, "altitudeMode").text = "clampToGround"
    rings = [("outerBoundaryIs", poly.exterior)] + [("innerBoundaryIs", r) for r in poly.interiors]
    for tag, ring in rings:
        boundary = ET.SubElement(el, tag)
        lr = ET.SubElement(boundary, "LinearRing")
        ET.SubElement(lr, "coordinates").text = " ".join(
            f"{round(x, 6)},{round(y, 6)},0" for x, y in ring.coords)


def _availability(times: np.ndarray, t: float) -> str:
    """From halfway after the previous output time to halfway before the next (chronological)."""
    j = int(np.searchsorted(times, t))
    lo = 0.5 * (times[j - 1] + t) if j > 0 else t
    hi = 0.5 * (t + times[j + 1]) if j + 1 < times.size else t
    return f"{to_iso(float(lo))}/{to_iso(float(hi))}"


def _czml_polygons(pid: str, name: str, reg: Region, availability: str,
                   colour_index: int) -> list[dict[str, Any]]:
    r, g, b = _COLOURS[min(colour_index, len(_COLOURS) - 1)]
    geom = _oriented(reg.geometry)
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    out: list[dict[str, Any]] = []
    for j, poly in enumerate(polys):
        polygon: dict[str, Any] = {
            "positions": {"cartographicDegrees": _czml_ring(poly.exterior.coords)},
            "material": {"solidColor": {"color": {"rgba": [r, g, b, 96]}}},
            "outline": True, "outlineColor": {"rgba": [r, g, b, 255]}, "height": 0,
        }
        if poly.interiors:
            polygon["holes"] = {"cartographicDegrees": [_czml_ring(h.coords)
                                                         for h in poly.interiors]}
        out.append({"id": f"{pid}-{j}", "name": name, "availability": availability,
                    "properties": {"level": reg.level, "lead_s": reg.lead_s,
                                   "n_members": reg.n_members,
                                   "area_km2": round(reg.area_km2, 3)},
                    "polygon": polygon})
    return out


def _czml_ring(coords: Any) -> list[float]:
    flat: list[float] = []
    pts = list(coords)[:-1]  # Cesium closes rings itself
    for x, y in pts:
        flat.extend((round(float(x), 6), round(float(y), 6), 0.0))
    return flat
