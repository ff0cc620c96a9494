"""UDP payloads out of packet captures (libpcap and pcapng), for radar feeds recorded on a LAN.

Handles Ethernet (with VLAN tags), Linux cooked (SLL, SLL2), raw IP and BSD loopback links,
IPv4 (unfragmented) and IPv6 (no extension headers). Packets that are not UDP are passed over;
a damaged packet is reported by its number (from 1) and the reading goes on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from stratowatch.errors import ParseError

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


@dataclass
class Datagram:
    """One UDP payload and its capture time (seconds since the epoch); ``packet`` from 1."""

    packet: int
    time: float
    payload: bytes


@dataclass
class Capture:
    """The UDP datagrams of a capture and the packets that could not be read."""

    datagrams: list[Datagram] = field(default_factory=list)
    damaged: list[tuple[int, str]] = field(default_factory=list)
    packets: int = 0


def is_capture(data: bytes) -> bool:
    """Whether bytes start like a libpcap or pcapng file."""
    return data[:4] in PCAP_MAGICS or data[:4] == PCAPNG_MAGIC


def _udp_from_ip(data: bytes) -> bytes | str | None:
    """UDP payload from an IP packet; None if not UDP; a string says why it is damaged."""
    if not data:
        return "empty IP packet"
    version = data[0] >> 4
    if version == 4:
        ihl = (data[0] & 0x0F) * 4
        if ihl < 20 or len(data) < ihl:
            return "truncated IPv4 header"
        if data[9] != 17:
            return None
        flags_frag = struct.unpack_from(">H", data, 6)[0]
        if flags_frag & 0x3FFF:
            return "fragmented IPv4 datagram (not reassembled)"
        total = struct.unpack_from(">H", data, 2)[0]
        body = data[ihl:total] if ihl <= total <= len(data) else data[ihl:]
    elif version == 6:
        if len(data) < 40:
            return "truncated IPv6 header"
        if data[6] != 17:
            return None
        body = data[40:]
    else:
        return None
    if len(body) < 8:
        return "truncated UDP header"
    length = struct.unpack_from(">H", body, 4)[0]
    if length < 8 or length > len(body):
        return "UDP length exceeds the packet"
    return body[8:length]


def _udp_from_frame(linktype: int, frame: bytes) -> bytes | str | None:
    if linktype == 1:  # Ethernet
        off, ethertype = 12, -1
        while off + 2 <= len(frame):
            ethertype = struct.unpack_from(">H", frame, off)[0]
            if ethertype in (0x8100, 0x88A8):
                off += 4
                continue
            break
        if ethertype not in (0x0800, 0x86DD):
            return None
        return _udp_from_ip(frame[off + 2:])
    if linktype == 113:  # Linux cooked v1
        return _udp_from_ip(frame[16:]) if len(frame) > 16 else "truncated SLL header"
    if linktype == 276:  # Linux cooked v2
        return _udp_from_ip(frame[20:]) if len(frame) > 20 else "truncated SLL2 header"
    if linktype in (101, 228, 229, 12, 14):  # raw IP
        return _udp_from_ip(frame)
    if linktype == 0:  # BSD loopback
        return _udp_from_ip(frame[4:]) if len(frame) > 4 else "truncated loopback header"
    return f"unsupported link type {linktype}"


def _read_pcap(data: bytes, source: str, capture: Capture) -> None:
    endian, unit = PCAP_MAGICS[data[:4]]
    if len(data) < 24:
        raise ParseError("truncated pcap header", source=source)
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    off, number = 24, 0
    while off < len(data):
        number += 1
        if off + 16 > len(data):
            capture.damaged.append((number, "truncated packet header"))
            break
        sec, frac, incl, _orig = struct.unpack_from(endian + "IIII", data, off)
        off += 16
        if incl > len(data) - off:
            capture.damaged.append((number, "packet runs past the end of the file"))
            break
        _add(capture, number, sec + frac * unit, linktype, data[off:off + incl])
        off += incl


def _read_pcapng(data: bytes, source: str, capture: Capture) -> None:
    off, number = 0, 0
    endian = "<"
    interfaces: list[tuple[int, float]] = []
    while off + 12 <= len(data):
        btype_raw = data[off:off + 4]
        if btype_raw == PCAPNG_MAGIC:
            bom = data[off + 8:off + 12]
            endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            if bom not in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
                raise ParseError("bad pcapng byte-order magic", source=source)
            interfaces = []
        btype, blen = struct.unpack_from(endian + "II", data, off)
        if blen < 12 or blen % 4 or off + blen > len(data):
            capture.damaged.append((number + 1, f"bad pcapng block length {blen}"))
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            linktype = struct.unpack_from(endian + "H", body, 0)[0]
            interfaces.append((linktype, _tsresol(body[8:], endian)))
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            number += 1
            iface, hi, lo, incl, _orig = struct.unpack_from(endian + "IIIII", body, 0)
            if iface >= len(interfaces) or incl > len(body) - 20:
                capture.damaged.append((number, "bad interface or packet length"))
            else:
                linktype, resol = interfaces[iface]
                _add(capture, number, ((hi << 32) | lo) * resol, linktype, body[20:20 + incl])
        elif btype == 3 and len(body) >= 4:  # simple packet: no time stamp
            number += 1
            capture.damaged.append((number, "simple packet block has no time stamp"))
        off += blen
    if off < len(data):
        capture.damaged.append((number + 1, "truncated pcapng block"))


def _tsresol(options: bytes, endian: str) -> float:
    off = 0
    while off + 4 <= len(options):
        code, length = struct.unpack_from(endian + "HH", options, off)
        if code == 0:
            break
        if code == 9 and length >= 1 and off + 5 <= len(options):
            value = options[off + 4]
            exponent = value & 0x7F
            if exponent > 60:
                return 1e-6
            return float(2.0 ** -exponent if value & 0x80 else 10.0 ** -exponent)
        off += 4 + length + (-length % 4)
    return 1e-6


def _add(capture: Capture, number: int, time: float, linktype: int, frame: bytes) -> None:
    capture.packets += 1
    result = _udp_from_frame(linktype, frame)
    if isinstance(result, str):
        capture.damaged.append((number, result))
    elif result is not None:
        capture.datagrams.append(Datagram(number, time, result))


def read_capture(data: bytes, source: str) -> Capture:
    """The UDP datagrams in libpcap or pcapng bytes; a file that is neither is a ParseError."""
    capture = Capture()
    if data[:4] in PCAP_MAGICS:
        _read_pcap(data, source, capture)
    elif data[:4] == PCAPNG_MAGIC:
        _read_pcapng(data, source, capture)
    else:
        raise ParseError("not a pcap or pcapng capture", source=source)
    return capture
