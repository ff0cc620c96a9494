"""Opaque, tamper-evident ``next`` cursors for paging by ingest sequence.

A cursor is the last ingest sequence a page returned, bound to the collection and filters that
produced it and signed with a key kept in the database (HMAC-SHA256, truncated to 128 bits), so
a client cannot forge a position or carry a cursor over to another query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from stratowatch.errors import ConfigError

_VERSION = 1
_HEAD = struct.Struct(">BQ")
_MAC_LEN = 16


class CursorError(ConfigError):
    """A ``next`` cursor that is malformed, forged, or from another collection or query."""


class CursorCodec:
    """Encodes and checks cursors with one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigError("cursor key must have at least 16 bytes")
        self._key = key

    def encode(self, scope: str, seq: int) -> str:
        """The cursor for "after sequence ``seq``" within ``scope`` (collection and filters)."""
        head = _HEAD.pack(_VERSION, seq)
        return base64.urlsafe_b64encode(head + self._mac(scope, head)).decode().rstrip("=")

    def decode(self, scope: str, cursor: str) -> int:
        """The sequence a cursor points after; CursorError unless it was made for ``scope``."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError, TypeError) as exc:
            raise CursorError(f"next: not a cursor: {cursor!r}") from exc
        if len(raw) != _HEAD.size + _MAC_LEN:
            raise CursorError(f"next: not a cursor: {cursor!r}")
        head, mac = raw[: _HEAD.size], raw[_HEAD.size :]
        if not hmac.compare_digest(mac, self._mac(scope, head)):
            raise CursorError("next: cursor does not belong to this collection and query")
        version, seq = _HEAD.unpack(head)
        if version != _VERSION:
            raise CursorError(f"next: unknown cursor version {version}")
        return int(seq)

    def _mac(self, scope: str, head: bytes) -> bytes:
        digest = hmac.new(self._key, scope.encode() + b"\0" + head, hashlib.sha256).digest()
        return digest[:_MAC_LEN]
