"""Radar sites (SAC/SIC to position) and the conversion of polar plots to WGS84.

A sites table is CSV with columns ``sac, sic, lat, lon, alt_m`` (other columns are ignored); it
is configuration, so any bad row rejects the whole table. Polar to geodetic: the target's height
fixes the elevation on a sphere of the local (Gaussian) radius of curvature at the site, which
gives the ground arc; pyproj's WGS84 geodesic then carries the site along the azimuth by that
arc. Refraction is ignored (the plot's height already comes from the transponder).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ParseError
from stratowatch.sensing._rows import read_text

FloatArray = npt.NDArray[np.float64]

WGS84_A_M = 6378137.0
WGS84_E2 = 6.69437999014e-3


@dataclass(frozen=True)
class SensorSite:
    """One radar: its ASTERIX identity (System Area Code, System Identification Code), position."""

    sac: int
    sic: int
    lat: float
    lon: float
    alt_m: float

    @property
    def key(self) -> tuple[int, int]:
        return (self.sac, self.sic)


SiteTable = Mapping[tuple[int, int], SensorSite]
"""Sites by (SAC, SIC)."""


def _cell_number(text: str, name: str, source: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParseError(f"not a number: {text[:40]!r}", source=source, line=line,
                         field=name) from None
    if not math.isfinite(value):
        raise ParseError("not a finite number", source=source, line=line, field=name)
    return value


def parse_sites_text(text: str, source: str) -> dict[tuple[int, int], SensorSite]:
    """A sites table from CSV text; every row must be valid."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise ParseError("no CSV header", source=source, line=1) from None
    need = ("sac", "sic", "lat", "lon", "alt_m")
    missing = [n for n in need if n not in header]
    if missing:
        raise ParseError(f"sites header lacks {', '.join(missing)}", source=source, line=1)
    sites: dict[tuple[int, int], SensorSite] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise ParseError(f"{len(cells)} cells, header has {len(header)}", source=source,
                                 line=line)
            row = dict(zip(header, (c.strip() for c in cells), strict=True))
            ids = []
            for name in ("sac", "sic"):
                if not row[name].isdigit() or not 0 <= int(row[name]) <= 255:
                    raise ParseError("must be an integer 0..255", source=source, line=line,
                                     field=name)
                ids.append(int(row[name]))
            lat, lon, alt = (_cell_number(row[n], n, source, line) for n in need[2:])
            if abs(lat) > 90 or abs(lon) > 360:
                raise ParseError("position out of range", source=source, line=line)
            site = SensorSite(ids[0], ids[1], lat, (lon + 180.0) % 360.0 - 180.0, alt)
            if site.key in sites:
                raise ParseError(f"SAC/SIC {site.sac}/{site.sic} listed twice", source=source,
                                 line=line)
            sites[site.key] = site
    except csv.Error as exc:
        raise ParseError(f"bad CSV: {exc}", source=source, line=reader.line_num) from None
    return sites


def read_sites(path: str | Path) -> dict[tuple[int, int], SensorSite]:
    """A sites table from a CSV file (see the module docstring)."""
    return parse_sites_text(read_text(path), str(path))


def local_radius_m(lat_deg: float) -> float:
    """Gaussian mean radius of curvature of WGS84 at a latitude, in metres."""
    s2 = math.sin(math.radians(lat_deg)) ** 2
    w = 1.0 - WGS84_E2 * s2
    meridian = WGS84_A_M * (1.0 - WGS84_E2) / w**1.5
    normal = WGS84_A_M / math.sqrt(w)
    return math.sqrt(meridian * normal)


def polar_to_geodetic(site: SensorSite, range_m: npt.ArrayLike, azimuth_deg: npt.ArrayLike,
                      alt_m: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Latitudes and longitudes (degrees) of targets at slant range, azimuth and height.

    ``alt_m`` NaN (a plot without height) is taken as the site's own height for the geometry.
    """
    from pyproj import Geod  # core dependency; imported here to keep import time low

    rho = np.asarray(range_m, dtype=np.float64)
    az = np.asarray(azimuth_deg, dtype=np.float64)
    h = np.asarray(alt_m, dtype=np.float64)
    rho, az, h = np.broadcast_arrays(rho, az, h)
    h = np.where(np.isfinite(h), h, site.alt_m)
    radius = local_radius_m(site.lat)
    rs = radius + site.alt_m
    rt = radius + h
    with np.errstate(divide="ignore", invalid="ignore"):
        sin_el = np.where(rho > 0, (rt**2 - rs**2 - rho**2) / (2.0 * rs * rho), 0.0)
    sin_el = np.clip(sin_el, -1.0, 1.0)
    cos_el = np.sqrt(1.0 - sin_el**2)
    arc = np.arctan2(rho * cos_el, rs + rho * sin_el)
    ground_m = radius * arc
    geod = Geod(ellps="WGS84")
    n = rho.size
    lon, lat, _ = geod.fwd(np.full(n, site.lon), np.full(n, site.lat), az.ravel(),
                           ground_m.ravel())
    lon_arr = (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0
    return np.asarray(lat, dtype=np.float64).reshape(rho.shape), lon_arr.reshape(rho.shape)
