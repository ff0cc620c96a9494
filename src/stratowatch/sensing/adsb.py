"""Raw Mode S / ADS-B messages (hex) decoded with pyModeS (extra ``[adsb]``).

Input is text, one message per line, each with a time stamp:

- ``TIME,HEX`` or ``TIME HEX`` (also ``;``/tab separated, either order), TIME being seconds since
  the epoch or ISO 8601; ``HEX`` may be wrapped as ``*HEX;`` or ``@TTTTTTTTTTTTHEX;`` (AVR);
- JSON lines with ``timestamp`` and ``frame``, ``rawmsg``, ``msg`` or ``hex`` (as written by
  jet1090/rs1090 and traffic).

A header line, blank lines and ``#`` comments are passed over. One observation per airborne
position (DF17/18, BDS 0,5) whose position resolves, from even/odd CPR pairs or else from the
``reference`` (lat, lon) within 180 NM; each frame is then decoded locally so it has its own
position, not its partner's. Altitudes are barometric or GNSS feet (25 ft and, above
50,175 ft, 100 ft Gillham steps) in metres. The last ground velocity of the aircraft within
``VELOCITY_MAX_AGE_S`` gives vx, vy, vz; the identification message gives callsign and emitter
category as ``A0``..``D7`` (TC 4..1 = set A..D; ``B2`` is lighter-than-air). A line that is not a
message, or a DF17/18 message failing its CRC, is a bad row (rule of :mod:`._rows`).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from stratowatch.sensing._extras import require
from stratowatch.sensing._rows import RowCollector, RowError, parse_time, read_text
from stratowatch.sensing.observation import Observations

FT_M = 0.3048
KT_MPS = 1852.0 / 3600.0
FPM_MPS = FT_M / 60.0
VELOCITY_MAX_AGE_S = 10.0
LIGHTER_THAN_AIR = "B2"
"""Emitter category of a balloon: set B (type code 3), category 2."""

ADSB_SIGMA_H_M = 50.0
ADSB_SIGMA_V_M = 30.0

_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_SPLIT = re.compile(r"[,;\t ]+")
_JSON_KEYS = ("frame", "rawmsg", "msg", "hex", "message")


def emitter_category(typecode: int, category: int) -> str:
    """ADS-B emitter category code: set letter from the type code (4..1 = A..D), then CA."""
    if not 1 <= typecode <= 4 or not 0 <= category <= 7:
        raise ValueError(f"no emitter category for TC={typecode} CA={category}")
    return "DCBA"[typecode - 1] + str(category)


def _clean_hex(token: str) -> str | None:
    token = token.strip().strip('"').rstrip(";")
    if token.startswith("@"):
        token = token[13:]
    elif token.startswith("*"):
        token = token[1:]
    if len(token) in (14, 28) and _HEX.match(token):
        return token.upper()
    return None


def parse_line(line: str) -> tuple[float, str] | None:
    """(time, hex) of one input line; None for a line without content; RowError if bad."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):
            raise RowError("not a JSON object") from None
        if not isinstance(obj, dict):
            raise RowError("not a JSON object")
        raw = next((obj[k] for k in _JSON_KEYS if isinstance(obj.get(k), str)), None)
        msg = _clean_hex(raw) if raw is not None else None
        if msg is None:
            raise RowError("no Mode S message (frame/rawmsg)", "frame")
        return parse_time(obj.get("timestamp", obj.get("time")), "timestamp"), msg
    tokens = [t for t in _SPLIT.split(text) if t]
    if len(tokens) != 2:
        raise RowError(f"expected a time and a hex message, got {len(tokens)} fields")
    for i in (1, 0):
        msg = _clean_hex(tokens[i])
        if msg is not None:
            return parse_time(tokens[1 - i]), msg
    raise RowError("no 14- or 28-digit hex Mode S message", "message")


def _looks_like_header(line: str) -> bool:
    low = line.lower()
    return any(k in low for k in ("timestamp", "time", "rawmsg", "frame", "msg")) and \
        not low.lstrip().startswith("{")


def parse_adsb_text(text: str, source: str, *, reference: tuple[float, float] | None = None,
                    strict: bool = False) -> Observations:
    """Observations from lines of time-stamped Mode S messages (see the module docstring)."""
    pms = require("pyModeS", "Decoding ADS-B")
    rows = RowCollector(source, strict=strict)
    entries: list[tuple[float, int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            parsed = parse_line(line)
        except RowError as exc:
            if number == 1 and _looks_like_header(line):
                continue
            rows.reject(number, exc.reason, exc.field)
            continue
        if parsed is not None:
            entries.append((parsed[0], number, parsed[1]))
    entries.sort()
    if entries:
        decoded = pms.decode([e[2] for e in entries], timestamps=[e[0] for e in entries])
    else:
        decoded = []
    velocity: dict[str, tuple[float, float, float, float | None]] = {}
    idents: dict[str, tuple[str, str]] = {}
    pending: list[tuple[dict[str, Any], int, str, Any]] = []
    for (t, number, msg), result in zip(entries, decoded, strict=True):
        if "error" in result:
            rows.reject(number, f"undecodable message: {str(result['error'])[:80]}", "message")
            continue
        df = result.get("df")
        if df not in (17, 18):
            rows.not_a_row()
            continue
        if result.get("crc_valid") is False:
            rows.reject(number, "CRC check failed", "message")
            continue
        icao = str(result.get("icao", "")).lower()
        bds = result.get("bds")
        if bds == "0,8":
            tc, ca = result.get("typecode"), result.get("category")
            if isinstance(tc, int) and isinstance(ca, int) and 1 <= tc <= 4:
                call = str(result.get("callsign") or "").strip("_ #").strip()
                idents[icao] = (call, emitter_category(tc, ca))
            rows.not_a_row()
        elif bds == "0,9" and result.get("groundspeed") is not None:
            gs = float(result["groundspeed"]) * KT_MPS
            trk = math.radians(float(result.get("track") or 0.0))
            vr = result.get("vertical_rate")
            velocity[icao] = (t, gs * math.sin(trk), gs * math.cos(trk),
                              None if vr is None else float(vr) * FPM_MPS)
            rows.not_a_row()
        elif bds == "0,5":
            vel = velocity.get(icao)
            pending.append((result, number, msg, (t, icao, vel)))
        else:
            rows.not_a_row()
    for result, _number, msg, (t, icao, vel) in pending:
        lat, lon = result.get("latitude"), result.get("longitude")
        anchor = (lat, lon) if lat is not None and lon is not None else reference
        if anchor is not None:
            # pyModeS gives both halves of a CPR pair the position of the later one; decoding
            # each frame locally against that position gives the frame its own position
            single = pms.decode(msg, reference=(float(anchor[0]), float(anchor[1])))
            lat, lon = single.get("latitude"), single.get("longitude")
        if lat is None or lon is None:
            rows.not_a_row()  # a CPR half that never paired: no position, not an error
            continue
        alt = result.get("altitude")
        row: dict[str, Any] = {
            "time": t, "lat": float(lat), "lon": float(lon),
            "alt_m": None if alt is None else float(alt) * FT_M,
            "sensor_id": "adsb", "source": source, "kind": "adsb", "icao24": icao,
            "sigma_h_m": ADSB_SIGMA_H_M, "sigma_v_m": ADSB_SIGMA_V_M, "ref": f"icao:{icao}",
        }
        if vel is not None and 0.0 <= t - vel[0] <= VELOCITY_MAX_AGE_S:
            row.update(vx_mps=vel[1], vy_mps=vel[2], vz_mps=vel[3])
        if icao in idents:
            row["callsign"], row["category"] = idents[icao]
        rows.add(row)
    return rows.finish()


def read_adsb(path: str | Path, *, reference: tuple[float, float] | None = None,
              strict: bool = False) -> Observations:
    """Observations from a file of time-stamped Mode S / ADS-B messages."""
    return parse_adsb_text(read_text(path), str(path), reference=reference, strict=strict)
