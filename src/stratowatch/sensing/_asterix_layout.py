"""The byte layout of ASTERIX records, checked before the C decoder of asterix_decoder sees them.

asterix_decoder reads past its buffer (and crashes the interpreter) on some malformed input, so
every record is first walked here: the FSPEC, then each present item by the format that the
decoder's own XML category definition gives (fixed, variable with FX extents, repetitive,
explicit, compound). Only records whose items exactly fill the declared space are decoded.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from typing import Any

Fmt = tuple[str, Any]
"""("fixed" | "repetitive" | "explicit", octets), ("variable", part octets),
("compound" | "explicit_compound", subfield formats or None)."""

MAX_EXTENTS = 32
"""More FX extents than this in one item or FSPEC is taken as damage, not data."""


class LayoutError(Exception):
    """A record whose bytes do not fit its category's layout."""


@dataclass(frozen=True)
class CategoryLayout:
    """FSPEC bit (FX bits excluded, from 0) to item id, and each item's format."""

    category: int
    uap: tuple[str | None, ...]
    items: dict[str, Fmt]


def _fixed_len(node: ET.Element) -> int:
    length = int(node.get("length", "0"))
    if length <= 0:
        raise ValueError("fixed length must be positive")
    return length


def _format(node: ET.Element) -> Fmt | None:
    tag = node.tag
    children = list(node)
    if tag == "Fixed":
        return ("fixed", _fixed_len(node))
    if tag == "BDS":
        return ("fixed", 8)
    if tag == "Variable":
        return ("variable", tuple(_fixed_len(c) for c in children if c.tag == "Fixed"))
    if tag == "Repetitive":
        inner = children[0]
        return ("repetitive", 8 if inner.tag == "BDS" else _fixed_len(inner))
    if tag == "Explicit":
        if children and children[0].tag == "Compound":
            sub = _format(children[0])
            if sub is None or sub[0] != "compound":
                return None
            return ("explicit_compound", sub[1])
        unit = _fixed_len(children[0]) if children and children[0].tag == "Fixed" else 1
        return ("explicit", unit)
    if tag == "Compound":
        subs = tuple(_format(c) for c in children[1:])
        return ("compound", subs)
    return None


@cache
def load_layout(category: int) -> CategoryLayout | None:
    """The layout of a category from asterix_decoder's XML definitions (None if it has none)."""
    import asterix

    name = f"cat{category:03d}"
    try:
        path = asterix.get_configuration_file(name)
    except Exception:
        return None
    if not path:
        return None
    root = ET.parse(path).getroot()
    cat_node = root if root.tag == "Category" else root.find("Category")
    if cat_node is None:
        return None
    items: dict[str, Fmt] = {}
    for item in cat_node.iter("DataItem"):
        fmt_node = item.find("DataItemFormat")
        if fmt_node is None or not list(fmt_node):
            continue
        fmt = _format(next(iter(fmt_node)))
        if fmt is not None:
            items[item.get("id", "")] = fmt
    uap_node = cat_node.find("UAP")
    if uap_node is None:
        return None
    by_bit: dict[int, str | None] = {}
    for u in uap_node.iter("UAPItem"):
        bit = int(u.get("bit", "-1"))
        if u.get("frn") == "FX":
            continue
        text = (u.text or "").strip()
        by_bit[bit] = None if text in ("-", "") else text
    size = max(by_bit) + 1 if by_bit else 0
    uap = tuple(by_bit.get(b) if b % 8 != 7 else None for b in range(size))
    return CategoryLayout(category, uap, items)


def _need(data: bytes, end: int, limit: int) -> None:
    if end > limit:
        raise LayoutError("item runs past the end of the record space")


def _extents(data: bytes, off: int, limit: int) -> tuple[list[int], int]:
    """Bytes of an FX-extended field (7 data bits each); returns them and the new offset."""
    octets = []
    while True:
        _need(data, off + 1, limit)
        octets.append(data[off])
        off += 1
        if not data[off - 1] & 1:
            return octets, off
        if len(octets) > MAX_EXTENTS:
            raise LayoutError("too many FX extents")


def _skip(fmt: Fmt, data: bytes, off: int, limit: int) -> int:
    kind, arg = fmt
    if kind == "fixed":
        assert isinstance(arg, int)
        _need(data, off + arg, limit)
        return off + arg
    if kind == "variable":
        assert isinstance(arg, tuple)
        parts = [int(p) for p in arg if isinstance(p, int)] or [1]
        for count in range(MAX_EXTENTS + 1):
            size = parts[min(count, len(parts) - 1)]
            _need(data, off + size, limit)
            off += size
            if not data[off - 1] & 1:
                return off
        raise LayoutError("too many FX extents")
    if kind == "repetitive":
        assert isinstance(arg, int)
        _need(data, off + 1, limit)
        end = off + 1 + data[off] * arg
        _need(data, end, limit)
        return end
    if kind == "explicit":
        assert isinstance(arg, int)
        _need(data, off + 1, limit)
        length = data[off]
        if length < 1 or (length - 1) % arg:
            raise LayoutError("bad explicit length")
        _need(data, off + length, limit)
        return off + length
    if kind == "explicit_compound":
        _need(data, off + 1, limit)
        length = data[off]
        if length < 2:
            raise LayoutError("bad explicit length")
        _need(data, off + length, limit)
        end = _skip(("compound", arg), data, off + 1, off + length)
        if end != off + length:
            raise LayoutError("explicit item length disagrees with its content")
        return end
    if kind == "compound":
        assert isinstance(arg, tuple)
        octets, off = _extents(data, off, limit)
        for index in _present(octets):
            sub = arg[index] if index < len(arg) else None
            if sub is None:
                raise LayoutError(f"undefined compound subfield {index + 1}")
            off = _skip(sub, data, off, limit)
        return off
    raise LayoutError(f"unknown format {kind}")


def _present(octets: list[int]) -> list[int]:
    """Indexes (from 0, FX bits excluded) of the bits set in an FSPEC-like field."""
    out = []
    for k, octet in enumerate(octets):
        for j in range(7):
            if octet & (0x80 >> j):
                out.append(7 * k + j)
    return out


def record_items(layout: CategoryLayout, data: bytes, off: int, limit: int) -> tuple[
        list[str], int]:
    """Walk one record from ``off``: the ids of its items and the offset after it."""
    octets, pos = _extents(data, off, limit)
    items = []
    for index in _present(octets):
        bit = 8 * (index // 7) + index % 7
        item_id = layout.uap[bit] if bit < len(layout.uap) else None
        if item_id is None or item_id not in layout.items:
            raise LayoutError(f"FSPEC names undefined item (FRN bit {bit})")
        pos = _skip(layout.items[item_id], data, pos, limit)
        items.append(item_id)
    if not items:
        raise LayoutError("record with an empty FSPEC")
    return items, pos
