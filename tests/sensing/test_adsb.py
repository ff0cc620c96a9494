"""ADS-B: real frames recorded by rs1090 (traffic's sample) and constructed balloon messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stratowatch.errors import ParseError
from stratowatch.sensing import LIGHTER_THAN_AIR, emitter_category, read_adsb

DATA = Path(__file__).resolve().parents[1] / "data"

pms = pytest.importorskip("pyModeS")

EVEN = "8D40621D58C382D690C8AC2863A7"  # a classic pair: ICAO 40621D at 38,000 ft near 52.26N
ODD = "8D40621D58C386435CC412692AD6"
CHARS = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"


def crc24(data: bytes) -> int:
    """Mode S parity (generator 0x1FFF409) over the message without its parity field."""
    crc = 0
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc = ((crc << 1) ^ 0xFFF409) if crc & 0x800000 else crc << 1
            crc &= 0xFFFFFF
    return crc


def frame(df_ca_icao: str, me: int) -> str:
    body = bytes.fromhex(df_ca_icao) + me.to_bytes(7, "big")
    return (body + crc24(body).to_bytes(3, "big")).hex().upper()


def identification(icao: str, typecode: int, category: int, callsign: str) -> str:
    me = (typecode << 51) | (category << 48)
    for i, ch in enumerate(callsign.ljust(8)):
        me |= CHARS.index(ch) << (42 - 6 * i)
    return frame("8D" + icao, me)


def with_altitude_code(msg: str, code: int) -> str:
    me = int(msg[8:22], 16)
    me = (me & ~(0xFFF << 36)) | (code << 36)
    return frame(msg[:8], me)


def test_crc_helper_matches_a_real_message() -> None:
    assert frame(EVEN[:8], int(EVEN[8:22], 16)) == EVEN


def test_real_rs1090_frames_decode_to_the_positions_rs1090_found() -> None:
    path = DATA / "adsb_rs1090_airborne.jsonl"
    obs = read_adsb(path)
    ref = [json.loads(line) for line in path.read_text().splitlines()]
    truth = {r["timestamp"]: (r["latitude"], r["longitude"]) for r in ref
             if r.get("bds") == "05" and "latitude" in r}
    assert len(obs) >= 0.9 * len(truth) and obs.skipped == ()
    matched = [(lat, lon, truth[t]) for t, lat, lon in zip(obs.time, obs.lat, obs.lon,
                                                           strict=True) if t in truth]
    assert len(matched) >= 0.9 * len(truth)
    errs = [max(abs(lat - a), abs(lon - b)) for lat, lon, (a, b) in matched]
    assert max(errs) < 1e-3
    assert set(obs.icao24.tolist()) == {"393322"} and obs.callsign[0] == "AFR34ZG"
    assert np.isfinite(obs.vx_mps).mean() > 0.9  # velocity messages interleave with positions


def test_balloon_above_50175_ft_with_lighter_than_air_category(tmp_path: Path) -> None:
    # Q=0 codes are 100 ft Gillham steps, the only coding above 50,175 ft; find 65,600 ft
    codes = [c for c in range(4096) if not c & 0x10
             and pms.decode(with_altitude_code(EVEN, c)).get("altitude") == 65600]
    assert codes
    even, odd = (with_altitude_code(m, codes[0]) for m in (EVEN, ODD))
    ident = identification("40621D", 3, 2, "HBAL1")
    path = tmp_path / "balloon.txt"
    path.write_text(f"timestamp,rawmsg\n1700000000.0,{ident}\n1700000001.0,{even}\n"
                    f"1700000002.0,*{odd};\n")
    obs = read_adsb(path)
    assert len(obs) >= 1
    assert obs.alt_m[-1] == pytest.approx(65600 * 0.3048)
    assert obs.category.tolist() == [LIGHTER_THAN_AIR] * len(obs)
    assert obs.callsign[-1] == "HBAL1" and obs.lat[-1] == pytest.approx(52.2658, abs=1e-3)


def test_top_of_the_25_ft_coding_is_50175_ft(tmp_path: Path) -> None:
    code = 0xFFF  # all data bits set with Q=1
    path = tmp_path / "m.txt"
    path.write_text(f"1700000000.0 {with_altitude_code(EVEN, code)}\n"
                    f"1700000001.0 {with_altitude_code(ODD, code)}\n")
    assert read_adsb(path).alt_m.max() == pytest.approx(50175 * 0.3048)


def test_a_single_frame_resolves_with_a_reference_position(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(f"2023-11-14T22:13:20Z,{EVEN}\n")
    assert len(read_adsb(path)) == 0  # half a CPR pair: no position, and no error
    obs = read_adsb(path, reference=(52.25, 3.9))
    assert obs.lat[0] == pytest.approx(52.2572, abs=1e-3)


def test_emitter_categories_follow_the_type_code_sets() -> None:
    assert emitter_category(4, 3) == "A3" and emitter_category(3, 2) == "B2"
    assert emitter_category(1, 0) == "D0"
    with pytest.raises(ValueError):
        emitter_category(5, 0)


def test_corrupt_and_malformed_lines_are_bad_rows_with_line_numbers(tmp_path: Path) -> None:
    corrupt = EVEN[:-1] + ("0" if EVEN[-1] != "0" else "1")
    path = tmp_path / "mixed.txt"
    path.write_text(f"1700000000,{EVEN}\n1700000001,{corrupt}\nnot a message\n"
                    f"1700000002,{ODD}\n1700000003,XYZ\n")
    obs = read_adsb(path)
    assert [b.line for b in obs.skipped] == [3, 5, 2]
    assert obs.skipped[-1].reason == "CRC check failed"
    with pytest.raises(ParseError, match="line 3"):
        read_adsb(path, strict=True)
