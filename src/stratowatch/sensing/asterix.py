"""EUROCONTROL ASTERIX radar data: CAT048 plots and CAT062 system tracks, raw or in a capture.

Decoding goes through the asterix_decoder package (extra ``[asterix]``), after each record's
layout is checked (:mod:`._asterix_layout`) and inside a child process (:mod:`._isolated`), since
the C decoder can crash on malformed input.

- CAT048 plots are polar (range, azimuth) from a radar named by SAC/SIC: a sites table gives the
  radar's position (:mod:`.sites`); a plot from a radar not in it is an error that names every
  missing SAC/SIC. The height is the Mode C flight level (pressure altitude, FL x 30.48 m);
  without one the altitude is NaN. Records without a position (track-end messages) are not plots.
- CAT062 tracks carry WGS84 positions (I105); altitude is the geometric altitude (I130) or else
  the barometric one (I135), feet to metres.
- Times are the time of day in the records (UTC). In a capture the day comes from the capture
  time stamp (the nearest day to it); a raw file needs ``date``.
- Other categories are passed over. A damaged packet, block or record is a bad row named by its
  packet number (in a capture) or block number (raw file), under the rule of :mod:`._rows`.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stratowatch.errors import ConfigError, ParseError
from stratowatch.sensing._extras import require
from stratowatch.sensing._isolated import decode_direct, decode_isolated
from stratowatch.sensing._rows import RowCollector, RowError, read_bytes
from stratowatch.sensing.observation import Observations
from stratowatch.sensing.pcap import is_capture, read_capture
from stratowatch.sensing.sites import SensorSite, polar_to_geodetic, read_sites

FT_M = 0.3048
NM_M = 1852.0
KT_MPS = NM_M / 3600.0
DAY_S = 86400.0
CATEGORIES = (48, 62)

RADAR_RANGE_SIGMA_M = 70.0
RADAR_AZIMUTH_SIGMA_DEG = 0.08
RADAR_SIGMA_V_M = 150.0
"""Plot accuracy of a Mode S radar: range and azimuth noise; height from pressure altitude,
which departs from geometric altitude by up to a few hundred metres."""
TRACK_SIGMA_H_M = 150.0
TRACK_SIGMA_V_M = 100.0


def _val(record: Mapping[str, Any], item: str, field: str) -> Any:
    value = record.get(item)
    if isinstance(value, dict):
        sub = value.get(field)
        if isinstance(sub, dict):
            return sub.get("val")
    return None


def _sub(record: Mapping[str, Any], item: str, sub: str, field: str) -> Any:
    value = record.get(item)
    if isinstance(value, dict):
        return _val(value, sub, field)
    return None


def _num(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _time_of_day(tod: float | None, day_start: float, near: float | None) -> float:
    if tod is None or not 0.0 <= tod < DAY_S + 1.0:
        raise RowError("missing or invalid time of day", "ToD")
    t = day_start + tod
    if near is not None:
        t += DAY_S * round((near - t) / DAY_S)
    return t


class _Unit:
    """One decodable record with where it came from."""

    __slots__ = ("category", "near", "number", "record")

    def __init__(self, number: int, near: float | None, category: int, record: bytes) -> None:
        self.number = number
        self.near = near
        self.category = category
        self.record = record


def _split(payload: bytes, number: int, near: float | None, rows: RowCollector,
           units: list[_Unit], others: Counter[int]) -> None:
    """Blocks of a datagram into records of the categories read here."""
    from stratowatch.sensing._asterix_layout import LayoutError, load_layout, record_items

    off = 0
    while off < len(payload):
        if len(payload) - off < 3:
            rows.reject(number, f"truncated ASTERIX block at byte {off}")
            return
        cat = payload[off]
        length = struct.unpack_from(">H", payload, off + 1)[0]
        if length < 3 or off + length > len(payload):
            rows.reject(number, f"ASTERIX block at byte {off} declares {length} bytes, "
                        f"{len(payload) - off} remain")
            return
        end = off + length
        layout = load_layout(cat) if cat in CATEGORIES else None
        if layout is None:
            others[cat] += 1
            off = end
            continue
        pos = off + 3
        while pos < end:
            try:
                _items, after = record_items(layout, payload, pos, end)
            except LayoutError as exc:
                rows.reject(number, f"CAT{cat:03d} record at byte {pos}: {exc}")
                break
            record = bytes([cat]) + struct.pack(">H", 3 + after - pos) + payload[pos:after]
            units.append(_Unit(number, near, cat, record))
            pos = after
        off = end


def _cat048_row(rec: Mapping[str, Any], t: float, sites: Mapping[tuple[int, int], SensorSite],
                missing: Counter[tuple[int, int]], source: str) -> dict[str, Any] | None:
    sac, sic = _val(rec, "I010", "SAC"), _val(rec, "I010", "SIC")
    if not isinstance(sac, int) or not isinstance(sic, int):
        raise RowError("no SAC/SIC (I010)", "I010")
    rho, theta = _num(_val(rec, "I040", "RHO")), _num(_val(rec, "I040", "THETA"))
    if rho is None or theta is None:
        return None  # no detection: a track-end or status record, not a plot
    site = sites.get((sac, sic))
    if site is None:
        missing[(sac, sic)] += 1
        return None
    fl = _num(_val(rec, "I090", "FL"))
    alt = fl * 100.0 * FT_M if fl is not None else math.nan
    range_m = rho * NM_M
    lat, lon = polar_to_geodetic(site, range_m, theta, alt)
    row: dict[str, Any] = {
        "time": t, "lat": float(lat), "lon": float(lon), "alt_m": alt,
        "sensor_id": f"{sac}/{sic}", "source": source, "kind": "radar",
        "sigma_h_m": math.hypot(RADAR_RANGE_SIGMA_M,
                                range_m * math.radians(RADAR_AZIMUTH_SIGMA_DEG)),
        "sigma_v_m": RADAR_SIGMA_V_M if fl is not None else None,
    }
    gs, hdg = _num(_val(rec, "I200", "CGS")), _num(_val(rec, "I200", "CHdg"))
    if gs is not None and hdg is not None:
        row["vx_mps"] = gs * KT_MPS * math.sin(math.radians(hdg))
        row["vy_mps"] = gs * KT_MPS * math.cos(math.radians(hdg))
    addr = _val(rec, "I220", "ACAddr")
    if isinstance(addr, str):
        row["icao24"] = addr.strip().lower()
    ident = _val(rec, "I240", "TId")
    if isinstance(ident, str):
        row["callsign"] = ident.strip()
    tn = _val(rec, "I161", "Tn")
    if isinstance(tn, int):
        row["ref"] = f"asterix:{sac}/{sic}:{tn}"
    return row


def _cat062_row(rec: Mapping[str, Any], t: float, source: str) -> dict[str, Any]:
    sac, sic = _val(rec, "I010", "SAC"), _val(rec, "I010", "SIC")
    lat, lon = _num(_val(rec, "I105", "Lat")), _num(_val(rec, "I105", "Lon"))
    if lat is None or lon is None:
        raise RowError("track without a WGS84 position (I105)", "I105")
    if abs(lat) > 90.0 or abs(lon) > 360.0:
        raise RowError("position out of range", "I105")
    geo = _num(_val(rec, "I130", "Alt"))
    baro = _num(_val(rec, "I135", "CTBA"))
    alt_ft = geo if geo is not None else baro
    row: dict[str, Any] = {
        "time": t, "lat": lat, "lon": lon,
        "alt_m": alt_ft * FT_M if alt_ft is not None else None,
        "sensor_id": f"{sac}/{sic}", "source": source, "kind": "radar",
        "sigma_h_m": TRACK_SIGMA_H_M, "sigma_v_m": TRACK_SIGMA_V_M,
        "vx_mps": _num(_val(rec, "I185", "Vx")), "vy_mps": _num(_val(rec, "I185", "Vy")),
    }
    roc = _num(_val(rec, "I220", "RoC"))
    if roc is not None:
        row["vz_mps"] = roc * FT_M / 60.0
    addr = _sub(rec, "I380", "ADR", "ADR")
    if isinstance(addr, str):
        row["icao24"] = addr.strip().lower()
    ident = _sub(rec, "I380", "ID", "ACID")
    if not isinstance(ident, str):
        ident = _sub(rec, "I390", "CSN", "CS")
    if isinstance(ident, str):
        row["callsign"] = ident.strip()
    trk = _val(rec, "I040", "TrkN")
    if isinstance(trk, int):
        row["ref"] = f"asterix:{sac}/{sic}:{trk}"
    return row


def _day_start(date: str | dt.date | None) -> float | None:
    if date is None:
        return None
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip()[:10])
        except ValueError:
            raise ConfigError(f"date must be YYYY-MM-DD, got {date!r}") from None
    if isinstance(date, dt.datetime):
        date = date.date()
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp()


def parse_asterix(data: bytes, source: str, *,
                  sites: Mapping[tuple[int, int], SensorSite] | None = None,
                  date: str | dt.date | None = None, strict: bool = False,
                  isolate: bool = True) -> Observations:
    """Observations from ASTERIX bytes (a capture or raw blocks); see the module docstring."""
    require("asterix", "Reading ASTERIX")
    rows = RowCollector(source, strict=strict)
    units: list[_Unit] = []
    others: Counter[int] = Counter()
    day0 = _day_start(date)
    if is_capture(data):
        capture = read_capture(data, source)
        for number, reason in capture.damaged:
            rows.reject(number, f"packet {number}: {reason}")
        for gram in capture.datagrams:
            _split(gram.payload, gram.packet, gram.time, rows, units, others)
    else:
        if day0 is None:
            raise ConfigError(f"{source}: raw ASTERIX gives only the time of day; pass the "
                              "date (date='YYYY-MM-DD', or --date)")
        _split(data, 1, None, rows, units, others)
    decode = decode_isolated if isolate else decode_direct
    results = decode([u.record for u in units])
    sites = sites or {}
    missing: Counter[tuple[int, int]] = Counter()
    for unit, (status, parsed) in zip(units, results, strict=True):
        if status != "ok" or not isinstance(parsed, list) or len(parsed) != 1:
            why = parsed if status != "ok" else "undecodable record"
            rows.reject(unit.number, f"CAT{unit.category:03d}: {why}")
            continue
        rec = parsed[0]
        try:
            if unit.near is not None:
                start = math.floor(unit.near / DAY_S) * DAY_S
            else:
                assert day0 is not None
                start = day0
            if unit.category == 48:
                t = _time_of_day(_num(_val(rec, "I140", "ToD")), start, unit.near)
                row = _cat048_row(rec, t, sites, missing, source)
            else:
                t = _time_of_day(_num(_val(rec, "I070", "ToT")), start, unit.near)
                row = _cat062_row(rec, t, source)
        except RowError as exc:
            rows.reject(unit.number, f"CAT{unit.category:03d}: {exc.reason}", exc.field)
            continue
        if row is None:
            rows.not_a_row()
        else:
            rows.add(row)
    if missing:
        listed = ", ".join(f"SAC {sac} SIC {sic} ({n} plots)"
                           for (sac, sic), n in sorted(missing.items()))
        raise ParseError(f"CAT048 plots from radar sites not in the sites table: {listed}; "
                         "add them to the sites table (columns sac, sic, lat, lon, alt_m)",
                         source=source)
    return rows.finish()


def read_asterix(path: str | Path, *,
                 sites: Mapping[tuple[int, int], SensorSite] | str | Path | None = None,
                 date: str | dt.date | None = None, strict: bool = False,
                 isolate: bool = True) -> Observations:
    """Observations from an ASTERIX file: pcap/pcapng capture or raw blocks.

    ``sites`` is a sites table (mapping or CSV path) for CAT048; ``date`` (UTC) is needed for
    raw files; ``isolate=False`` decodes in-process (faster, for trusted input only).
    """
    table = read_sites(sites) if isinstance(sites, str | Path) else sites
    return parse_asterix(read_bytes(path), str(path), sites=table, date=date, strict=strict,
                         isolate=isolate)
