"""ASTERIX: the real radar recording that asterix_decoder ships, counted independently."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from stratowatch.errors import ConfigError, ParseError
from stratowatch.sensing import read_asterix, read_sites

DATA = Path(__file__).resolve().parents[1] / "data"

pytest.importorskip("asterix")

# CAT048 UAP (EUROCONTROL CAT048 edition 1.21), FRN order: how long each item is.
_FIXED = {1: 2, 2: 3, 4: 4, 5: 2, 6: 2, 8: 3, 9: 6, 11: 2, 12: 4, 13: 4, 15: 4, 17: 2, 18: 4,
          19: 2, 21: 2, 22: 7, 23: 1, 24: 2, 25: 1, 26: 2}
_VARIABLE = {3, 14, 16}


def _fx_octets(data: bytes, pos: int) -> tuple[list[int], int]:
    out = []
    while True:
        out.append(data[pos])
        pos += 1
        if not out[-1] & 1:
            return out, pos


def _bits(octets: list[int]) -> list[int]:
    return [7 * k + j + 1 for k, o in enumerate(octets) for j in range(7) if o & (0x80 >> j)]


def _cat048_record(data: bytes, pos: int) -> tuple[set[int], int]:
    """FRNs present in one CAT048 record and the offset after it (hand-written, no decoder)."""
    fspec, pos = _fx_octets(data, pos)
    frns = _bits(fspec)
    for frn in frns:
        if frn in _FIXED:
            pos += _FIXED[frn]
        elif frn in _VARIABLE:
            pos = _fx_octets(data, pos)[1]
        elif frn == 7:  # I130: compound of one-octet subfields
            primary, pos = _fx_octets(data, pos)
            pos += len(_bits(primary))
        elif frn == 10:  # I250: repetitive 8-octet BDS registers
            pos += 1 + 8 * data[pos]
        elif frn == 20:  # I120: compound, 2-octet CAL and repetitive 6-octet RDS
            primary, pos = _fx_octets(data, pos)
            for sub in _bits(primary):
                pos += 2 if sub == 1 else 1 + 6 * data[pos]
        elif frn in (27, 28):
            pos += data[pos]
        else:
            raise AssertionError(f"FRN {frn}")
    return set(frns), pos


def count_cat048_plots(path: Path) -> tuple[int, int]:
    """(records, records with a polar position I040) in a libpcap file of UDP datagrams."""
    data = path.read_bytes()
    assert data[:4] == b"\xd4\xc3\xb2\xa1"
    off, records, plots = 24, 0, 0
    while off < len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = frame[14:]
        udp = ip[(ip[0] & 0x0F) * 4:]
        payload = udp[8:struct.unpack_from(">H", udp, 4)[0]]  # UDP length: no frame padding
        p = 0
        while p < len(payload):
            cat, length = payload[p], struct.unpack_from(">H", payload, p + 1)[0]
            q = p + 3
            while cat == 48 and q < p + length:
                frns, q = _cat048_record(payload, q)
                records += 1
                plots += 4 in frns
            p += length
    return records, plots


def test_every_cat048_plot_of_the_real_recording_becomes_an_observation(
        asterix_samples: Path) -> None:
    pcap = asterix_samples / "cat_034_048.pcap"
    records, plots = count_cat048_plots(pcap)
    assert (records, plots) == (128, 126)  # two records are track ends without a detection
    obs = read_asterix(pcap, sites=DATA / "asterix_sites.csv")
    assert len(obs) == plots and obs.skipped == ()
    assert set(obs.kind.tolist()) == {"radar"}
    assert set(obs.sensor_id.tolist()) == {f"25/{s}" for s in (11, 12, 13, 14, 201, 204, 205)}
    # the capture was made on 2016-05-05 around 07:35 UTC; the plots' time of day agrees
    assert obs.time.min() >= 1462433700 and obs.time.max() <= 1462433760
    first = obs.records()[0]
    assert first["icao24"] == "3c660c" and first["callsign"] == "DLH65A"
    assert first["alt_m"] == pytest.approx(330 * 100 * 0.3048)
    assert first["ref"] == "asterix:25/201:3563"


def test_without_a_sites_table_the_error_names_every_missing_radar(asterix_samples: Path) -> None:
    pcap = asterix_samples / "cat_034_048.pcap"
    with pytest.raises(ParseError) as info:
        read_asterix(pcap)
    message = str(info.value)
    for sic in (11, 12, 13, 14, 201, 204, 205):
        assert f"SAC 25 SIC {sic} " in message
    sites = read_sites(DATA / "asterix_sites.csv")
    del sites[(25, 204)]
    with pytest.raises(ParseError, match=r"SAC 25 SIC 204 \(28 plots\)") as info:
        read_asterix(pcap, sites=sites)
    assert "SIC 201" not in str(info.value)


def test_cat062_system_tracks_carry_their_own_wgs84_positions(asterix_samples: Path) -> None:
    obs = read_asterix(asterix_samples / "cat_062_065.pcap")
    assert len(obs) == 2
    assert obs.callsign.tolist() == ["RYR174C", "ISS2007"]
    assert obs.lat[0] == pytest.approx(41.1671, abs=1e-3)
    assert obs.vx_mps[0] == 228.75 and obs.vz_mps[0] == 0.0


def test_raw_asterix_needs_the_date(asterix_samples: Path) -> None:
    raw = asterix_samples / "cat048.raw"
    with pytest.raises(ConfigError, match="date"):
        read_asterix(raw, sites=DATA / "asterix_sites.csv")
    obs = read_asterix(raw, sites=DATA / "asterix_sites.csv", date="2016-05-05")
    assert len(obs) == 1 and obs.time[0] == pytest.approx(1462406400 + 27354.6015625)


def test_a_record_that_crashes_the_c_decoder_is_a_bad_row(tmp_path: Path) -> None:
    # A CAT062 track whose layout is valid but whose departure airport holds byte 0xBF: the C
    # decoder of asterix_decoder 0.7 dies on it with a segmentation fault.
    good = bytes.fromhex(
        "BFDFFF021964043C5FEA008123DC002B0BA6FDC917FEE5EB0236FD550000055DC1203C0A554D8134DF2CE0"
        "20F61F290D13010870040000009000000578161205780000FFE10019645358443437323341BE122D444237"
        "33384D4544444C48454C582000200578DC190D5D32C10B0578055DA0")
    bad = bytearray(good)
    bad[96] = 0xBF
    block = bytes([62]) + struct.pack(">H", 3 + 2 * len(good)) + good + bytes(bad)
    path = tmp_path / "tracks.ast"
    path.write_bytes(block)
    obs = read_asterix(path, date="2014-02-25")
    assert len(obs) == 1
    assert len(obs.skipped) == 1 and "decoder" in obs.skipped[0].reason


def test_damaged_capture_reports_packets_by_number(tmp_path: Path, asterix_samples: Path) -> None:
    data = (asterix_samples / "cat_034_048.pcap").read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:-30])
    obs = read_asterix(path, sites=DATA / "asterix_sites.csv")
    assert len(obs) > 100
    assert obs.skipped[-1].line == 100 and "past the end" in obs.skipped[-1].reason
