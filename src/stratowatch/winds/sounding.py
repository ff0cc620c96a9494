"""A radiosonde sounding (University of Wyoming TEXT:LIST) as a one-column, steady wind field.

The measured profile stands for every place and time (stated in the coverage), which is how a
sounding is used for a quick forecast near the launch site. Rows without a height, a pressure
or a wind are skipped; heights must increase with the row, and rows that do not are dropped
(soundings repeat significant levels). HGHT is geopotential height and is converted to
geometric altitude like gridded data.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from stratowatch.errors import ConfigError, ParseError
from stratowatch.geo.sphere import EARTH_RADIUS_M
from stratowatch.timeutil import to_iso
from stratowatch.winds import _kernel as K
from stratowatch.winds.base import Coverage
from stratowatch.winds.gridded import GriddedWindField

KNOT_MPS = 0.514444
_COLUMN_WIDTH = 7
_INFO = re.compile(r"^\s*([A-Za-z][^:]*):\s*(\S.*)$")


def read_wyoming(path: str | Path) -> GriddedWindField:
    """Read a Wyoming TEXT:LIST sounding file into a steady one-column GriddedWindField."""
    p = Path(path)
    try:
        text = p.read_text(encoding="latin-1")
    except OSError as exc:
        raise ConfigError(f"cannot read sounding {p}: {exc}") from exc
    return parse_wyoming(text, source=str(p))


def parse_wyoming(text: str, source: str = "<sounding>") -> GriddedWindField:
    lines = re.sub(r"<[^>]+>", "", text).replace("\r", "").split("\n")
    header_at = next((i for i, line in enumerate(lines) if line.split()[:2] == ["PRES", "HGHT"]),
                     None)
    if header_at is None:
        raise ParseError("no 'PRES HGHT ...' column header: not a Wyoming TEXT:LIST sounding",
                         source=source)
    names = lines[header_at].split()
    for needed in ("PRES", "HGHT", "DRCT", "SKNT"):
        if needed not in names:
            raise ParseError(f"column {needed} missing from the header", source=source,
                             line=header_at + 1)
    start = header_at + 1
    while start < len(lines) and not lines[start].lstrip().startswith("-"):
        start += 1
    rows: list[tuple[float, float, float, float]] = []
    info: dict[str, str] = {}
    i = start + 1
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            if rows:
                break
            continue
        cells = [line[c * _COLUMN_WIDTH:(c + 1) * _COLUMN_WIDTH].strip()
                 for c in range(len(names))]
        values = dict(zip(names, cells, strict=True))
        try:
            pres = float(values["PRES"]) if values["PRES"] else np.nan
            hght = float(values["HGHT"]) if values["HGHT"] else np.nan
            drct = float(values["DRCT"]) if values["DRCT"] else np.nan
            sknt = float(values["SKNT"]) if values["SKNT"] else np.nan
        except ValueError as exc:
            raise ParseError(f"not a number: {exc}", source=source, line=i + 1) from exc
        if np.isfinite([pres, hght, drct, sknt]).all():
            if not (0.0 <= drct <= 360.0) or sknt < 0 or pres <= 0:
                raise ParseError("wind direction, speed or pressure out of range", source=source,
                                 line=i + 1)
            rows.append((pres, hght, drct, sknt))
        i += 1
    for line in lines[i:]:
        m = _INFO.match(line)
        if m:
            info[m.group(1).strip()] = m.group(2).strip()
    if len(rows) < 2:
        raise ParseError("fewer than two levels with pressure, height and wind", source=source)
    kept: list[tuple[float, float, float, float]] = []
    for row in rows:
        if not kept or (row[1] > kept[-1][1] and row[0] < kept[-1][0]):
            kept.append(row)
    arr = np.array(kept)
    pres_hpa, gh = arr[:, 0], arr[:, 1]
    drct, speed = np.radians(arr[:, 2]), arr[:, 3] * KNOT_MPS
    u = -speed * np.sin(drct)
    v = -speed * np.cos(drct)
    alt = EARTH_RADIUS_M * gh / (EARTH_RADIUS_M - gh)
    data = np.zeros((1, 1, 1, 1, len(kept), 3), dtype=np.float32)
    data[0, 0, 0, 0, :, 0] = alt
    data[0, 0, 0, 0, :, 1] = u
    data[0, 0, 0, 0, :, 2] = v
    data = np.repeat(data, 2, axis=1)
    params = np.zeros(K.N_GRID_PARAMS)
    params[K.P_NLAT] = params[K.P_NLON] = 1.0
    params[K.P_DLAT] = params[K.P_DLON] = 1.0
    params[K.P_UNIFORM_H] = 1.0
    params[K.P_STEADY] = 1.0
    observed = _observation_time(info.get("Observation time"))
    station = info.get("Station number", "?")
    where = ""
    if "Station latitude" in info and "Station longitude" in info:
        where = f" at {info['Station latitude']}, {info['Station longitude']}"
    when = f" observed {to_iso(observed)}" if observed is not None else ""
    kernel = K.kernel_field(K.GRIDDED, params, np.zeros(2), pres_hpa.astype(np.float64), data)
    coverage = Coverage(
        pressure_range_hpa=(float(pres_hpa[0]), float(pres_hpa[-1])),
        alt_range_m=(float(alt[0]), float(alt[-1])),
        note=f"one radiosonde column (station {station}{where}{when}) applied everywhere",
    )
    field = GriddedWindField(kernel, coverage, source)
    field.attrs.update(info)
    return field


def _observation_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        moment = dt.datetime.strptime(value, "%y%m%d/%H%M").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return moment.timestamp()
