"""APRS position reports in TNC2 text (``CALL>PATH:INFO``), as amateur balloons send them.

Position reports without (``!``, ``=``) and with (``/``, ``@``) a time stamp, uncompressed
(``DDMM.mmN/DDDMM.mmW``) and compressed (base-91) positions; altitude from ``/A=NNNNNN`` (feet) or
the compressed altitude; course/speed (knots) from ``CCC/SSS`` or the compressed form. A line may
begin with its receive time (ISO 8601 or epoch seconds, then a space, tab, comma or ``: ``); the
packet time stamp (``DDHHMMz`` or ``HHMMSSh``, UTC) is the latest such time not after the
receive time or ``reference_time`` (give or take an hour of clock skew). Packets that are not
positions (status, messages, telemetry, Mic-E, objects)
are passed over; a line that is no packet, or a position that cannot be read, is a bad row
(rule of :mod:`._rows`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from stratowatch.sensing._rows import RowCollector, RowError, parse_time, read_text
from stratowatch.sensing.observation import Observations
from stratowatch.timeutil import TimeLike, to_epoch_s

FT_M = 0.3048
KT_MPS = 1852.0 / 3600.0
DAY_S = 86400.0
APRS_SIGMA_H_M = 20.0
"""Uncompressed APRS positions are rounded to 0.01 arc-minute (about 18 m)."""
APRS_SIGMA_V_M = 20.0
CLOCK_SKEW_S = 3600.0
"""How far a packet's own time stamp may run ahead of its receive time."""

_PREFIX = re.compile(
    r"^(?P<t>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d| ?UTC)?|\d{9,11}"
    r"(?:\.\d+)?)(?::\s|[\s,])\s*(?P<pkt>\S.*)$")
_HEADER = re.compile(r"^(?P<src>[A-Za-z0-9\-]{1,12})>(?P<path>[^:]*):(?P<info>.*)$")
_UNCOMPRESSED = re.compile(
    r"^(?P<lat>\d{2}[0-9 ]{2}\.[0-9 ]{2})(?P<ns>[NS])(?P<table>.)(?P<lon>\d{3}[0-9 ]{2}\.[0-9 ]{2})"
    r"(?P<ew>[EW])(?P<symbol>.)(?P<rest>.*)$", re.S)
_ALTITUDE = re.compile(r"/A=(-?\d{5,6}|\d{6})")
_COURSE_SPEED = re.compile(r"^(\d{3})/(\d{3})")
_TIME_DHM = re.compile(r"^(\d{2})(\d{2})(\d{2})([zh/])")


def _base91(text: str) -> int:
    value = 0
    for ch in text:
        code = ord(ch) - 33
        if not 0 <= code <= 90:
            raise RowError("bad base-91 character in compressed position", "position")
        value = value * 91 + code
    return value


def _minutes(text: str, degrees: int, hemi: str, limit: float, field: str) -> float:
    text = text.replace(" ", "0")  # position ambiguity: blanked digits
    deg = float(text[:degrees])
    minutes = float(text[degrees:])
    if minutes >= 60.0:
        raise RowError("minutes must be below 60", field)
    value = deg + minutes / 60.0
    if value > limit:
        raise RowError(f"{field} out of range", field)
    return -value if hemi in "SW" else value


def _timestamp(stamp: str, kind: str, near: float | None) -> float:
    """Packet time from DDHHMM (z) or HHMMSS (h): the latest such time not after ``near``
    (plus ``CLOCK_SKEW_S``), since a packet is sent before it is received."""
    if near is None:
        raise RowError("packet time stamp without a receive time or reference_time", "time")
    a, b, c = int(stamp[0:2]), int(stamp[2:4]), int(stamp[4:6])
    base = math.floor(near / DAY_S) * DAY_S
    if kind == "h":
        if a > 23 or b > 59 or c > 59:
            raise RowError("bad HHMMSS time stamp", "time")
        t = base + a * 3600 + b * 60 + c
        return t - DAY_S * math.ceil((t - near - CLOCK_SKEW_S) / DAY_S)
    if kind == "/":
        raise RowError("local-time stamps (DDHHMM/) are not supported", "time")
    if not 1 <= a <= 31 or b > 23 or c > 59:
        raise RowError("bad DDHHMM time stamp", "time")
    import datetime as dt

    ref = dt.datetime.fromtimestamp(near, tz=dt.UTC)
    best: float | None = None
    for dm in (-2, -1, 0, 1):
        year, month = ref.year, ref.month + dm
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
        try:
            cand = dt.datetime(year, month, a, b, c, tzinfo=dt.UTC).timestamp()
        except ValueError:
            continue
        if cand <= near + CLOCK_SKEW_S and (best is None or cand > best):
            best = cand
    if best is None:
        raise RowError("DDHHMM time stamp fits no month near the receive time", "time")
    return best


def parse_position(info: str, near: float | None) -> dict[str, Any] | None:
    """Fields of an APRS information field; None when it is not a position report."""
    if not info or info[0] not in "!=/@":
        return None
    body = info[1:]
    t = near
    if info[0] in "/@":
        m = _TIME_DHM.match(body)
        if m is None:
            raise RowError("position report lacks its 7-character time stamp", "time")
        t = _timestamp(body[:6], m.group(4), near)
        body = body[7:]
    if t is None:
        raise RowError("no time: the line has no receive time and no reference_time", "time")
    row: dict[str, Any] = {"time": t}
    m = _UNCOMPRESSED.match(body)
    if m is not None:
        row["lat"] = _minutes(m.group("lat"), 2, m.group("ns"), 90.0, "lat")
        row["lon"] = _minutes(m.group("lon"), 3, m.group("ew"), 180.0, "lon")
        rest = m.group("rest")
        cs = _COURSE_SPEED.match(rest)
        if cs is not None:
            course, speed = int(cs.group(1)), int(cs.group(2)) * KT_MPS
            if 1 <= course <= 360:
                row["vx_mps"] = speed * math.sin(math.radians(course))
                row["vy_mps"] = speed * math.cos(math.radians(course))
        row["sigma_h_m"] = APRS_SIGMA_H_M
    elif len(body) >= 13 and body[0] in "/\\ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij":
        row["lat"] = 90.0 - _base91(body[1:5]) / 380926.0
        row["lon"] = -180.0 + _base91(body[5:9]) / 190463.0
        if abs(row["lat"]) > 90.0 or abs(row["lon"]) > 180.0:
            raise RowError("compressed position out of range", "position")
        c, s, ctype = body[10], body[11], body[12]
        rest = body[13:]
        if c != " " and 33 <= ord(ctype) <= 123 and 33 <= ord(c) <= 123 and 33 <= ord(s) <= 123:
            if ((ord(ctype) - 33) >> 3) & 3 == 2:
                row["alt_m"] = 1.002 ** ((ord(c) - 33) * 91 + (ord(s) - 33)) * FT_M
            elif ord(c) - 33 <= 89:
                course = (ord(c) - 33) * 4
                speed = (1.08 ** (ord(s) - 33) - 1.0) * KT_MPS
                row["vx_mps"] = speed * math.sin(math.radians(course))
                row["vy_mps"] = speed * math.cos(math.radians(course))
        row["sigma_h_m"] = 1.0
    else:
        raise RowError("unreadable position", "position")
    alt = _ALTITUDE.search(rest)
    if alt is not None:
        row["alt_m"] = int(alt.group(1)) * FT_M
    if row.get("alt_m") is not None:
        row["sigma_v_m"] = APRS_SIGMA_V_M
    return row


def parse_aprs_text(text: str, source: str, *, reference_time: TimeLike | None = None,
                    strict: bool = False) -> Observations:
    """Observations from lines of APRS TNC2 packets (see the module docstring)."""
    rows = RowCollector(source, strict=strict)
    default_near = None if reference_time is None else to_epoch_s(reference_time)
    for number, line in enumerate(text.splitlines(), start=1):
        packet = line.strip()
        if not packet or packet.startswith("#"):
            continue
        near = default_near
        try:
            m = _PREFIX.match(packet)
            if m is not None:
                stamp = m.group("t").replace(" UTC", "Z").replace("UTC", "Z")
                near = parse_time(stamp, "received")
                packet = m.group("pkt")
            h = _HEADER.match(packet)
            if h is None:
                raise RowError("not an APRS packet (CALL>PATH:INFO)")
            row = parse_position(h.group("info"), near)
        except RowError as exc:
            rows.reject(number, exc.reason, exc.field)
            continue
        if row is None:
            rows.not_a_row()
            continue
        call = h.group("src").upper()
        row.update(kind="telemetry", source=source, callsign=call, ref=f"aprs:{call}",
                   sensor_id="aprs")
        rows.add(row)
    return rows.finish()


def read_aprs(path: str | Path, *, reference_time: TimeLike | None = None,
              strict: bool = False) -> Observations:
    """Observations from a file of APRS packets, one per line."""
    return parse_aprs_text(read_text(path), str(path), reference_time=reference_time,
                           strict=strict)
