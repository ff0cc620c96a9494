"""Which reader a file needs, from its content first and its suffix second, and one entry point.

Detection looks at the first bytes: pcap/pcapng magic (ASTERIX), Parquet magic, gzip (traffic
trajectories), JSON (GeoJSON, SondeHub, traffic records, Mode S JSON lines, by their keys), then
text lines (interchange CSV header, APRS packets, time-stamped hex messages, trajectory CSV).
Raw ASTERIX has no signature: it is recognised by the suffixes ``.ast``, ``.asterix``, ``.raw``
and ``.ff``, or named with ``format='asterix'``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stratowatch.errors import ConfigError, ParseError
from stratowatch.sensing._rows import read_bytes
from stratowatch.sensing.observation import Observations

FORMATS: tuple[str, ...] = ("asterix", "adsb", "sondehub", "aprs", "csv", "geojson", "parquet",
                            "traffic", "visual", "optical")
"""Names accepted by :func:`read_observations` (and ``stratowatch ingest --format``)."""

_RAW_ASTERIX_SUFFIXES = (".ast", ".asterix", ".raw", ".ff")
_APRS = re.compile(r"^(?:\S+[\s,]\s*)?[A-Za-z0-9\-]{1,12}>[^:\s]*:[!=/@]")
_HEXLINE = re.compile(r"(^|[\s,;])[*@]?[0-9A-Fa-f]{14}([0-9A-Fa-f]{14})?;?($|[\s,;])")


def _first_lines(head: str, n: int = 5) -> list[str]:
    lines = [ln.strip() for ln in head.splitlines() if ln.strip() and not ln.startswith("#")]
    return lines[:n]


def detect_format(path: str | Path, head: bytes | None = None) -> str:
    """The format name of a file (one of :data:`FORMATS`); ParseError if it is not recognised."""
    from stratowatch.sensing.pcap import is_capture

    p = Path(path)
    if head is None:
        head = read_bytes(p)[:65536]
    suffix = p.suffix.lower()
    if is_capture(head) or suffix in _RAW_ASTERIX_SUFFIXES:
        return "asterix"
    if head[:4] == b"PAR1":
        footer = read_bytes(p)[-65536:] if p.exists() else head
        return "traffic" if b"latitude" in footer and b"alt_m" not in footer else "parquet"
    if head[:2] == b"\x1f\x8b":
        return "traffic"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        if '"FeatureCollection"' in text or '"Feature"' in text:
            return "geojson"
        if '"payload_callsign"' in text or '"serial"' in text or '"vel_v"' in text:
            return "sondehub"
        if '"frame"' in text or '"rawmsg"' in text:
            return "adsb"
        if '"latitude"' in text:
            return "traffic"
        raise ParseError("JSON of no known kind (GeoJSON, SondeHub, traffic, Mode S)",
                         source=str(p))
    lines = _first_lines(text)
    if not lines:
        raise ParseError("empty file: cannot tell its format", source=str(p))
    header = [h.strip().lower() for h in lines[0].split(",")]
    if {"time", "lat", "lon", "alt_m"} <= set(header):
        return "csv"
    if {"timestamp", "latitude", "longitude"} <= set(header):
        return "traffic"
    if any(_APRS.match(ln) for ln in lines):
        return "aprs"
    if any(_HEXLINE.search(ln) for ln in lines):
        return "adsb"
    by_suffix = {".csv": "csv", ".geojson": "geojson", ".parquet": "parquet", ".aprs": "aprs"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    raise ParseError("cannot tell the format from the content; name it (format=...)",
                     source=str(p))


def _readers() -> dict[str, Callable[..., Observations]]:
    from stratowatch.sensing.adsb import read_adsb
    from stratowatch.sensing.aprs import read_aprs
    from stratowatch.sensing.asterix import read_asterix
    from stratowatch.sensing.csvio import read_csv
    from stratowatch.sensing.geojsonio import read_geojson
    from stratowatch.sensing.parquetio import read_parquet
    from stratowatch.sensing.sondehub import read_sondehub
    from stratowatch.sensing.trafficfmt import read_traffic
    from stratowatch.sensing.visual import read_visual

    return {
        "asterix": read_asterix, "adsb": read_adsb, "sondehub": read_sondehub,
        "aprs": read_aprs, "csv": read_csv, "geojson": read_geojson, "parquet": read_parquet,
        "traffic": read_traffic,
        "visual": lambda p, **kw: read_visual(p, kind="visual", **kw),
        "optical": lambda p, **kw: read_visual(p, kind="optical", **kw),
    }


_OPTIONS: dict[str, tuple[str, ...]] = {
    "asterix": ("sites", "date", "isolate"),
    "adsb": ("reference",),
    "aprs": ("reference_time",),
}


def read_observations(path: str | Path, format: str = "auto", *, strict: bool = False,
                      **options: Any) -> Observations:
    """Observations from any supported file; ``options`` go to the readers that take them
    (``sites``, ``date``, ``isolate`` for ASTERIX, ``reference`` for ADS-B, ``reference_time``
    for APRS) and are ignored by the others."""
    name = detect_format(path) if format == "auto" else format
    readers = _readers()
    if name not in readers:
        raise ConfigError(f"unknown format {format!r}; expected auto or one of {FORMATS}")
    kwargs = {k: v for k, v in options.items() if k in _OPTIONS.get(name, ()) and v is not None}
    return readers[name](path, strict=strict, **kwargs)


def write_observations(obs: Observations, path: str | Path) -> None:
    """Write a batch in the format its suffix names: .parquet, .csv, .geojson (or .json)."""
    from stratowatch.sensing.csvio import write_csv
    from stratowatch.sensing.geojsonio import write_geojson
    from stratowatch.sensing.parquetio import write_parquet

    suffix = Path(path).suffix.lower()
    writers = {".parquet": write_parquet, ".csv": write_csv, ".geojson": write_geojson,
               ".json": write_geojson}
    if suffix not in writers:
        raise ConfigError(f"cannot tell the output format from {suffix or 'no suffix'!r}; "
                          "use .parquet, .csv or .geojson")
    writers[suffix](obs, path)
