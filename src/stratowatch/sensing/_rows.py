"""Row collection and the partly-bad-file rule shared by every reader.

The rule: a reader keeps every good row and lists each bad one (file, line, reason) in
``Observations.skipped``. It raises a :class:`ParseError` listing the bad rows instead when
``strict=True`` and any row is bad, or when the input has rows and *all* of them are bad. An
input with no data rows at all (an empty file, a header only) gives an empty batch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stratowatch.errors import ParseError, StratowatchError
from stratowatch.sensing.observation import (
    FIELDS,
    FLOAT_FIELDS,
    BadRow,
    Observations,
)
from stratowatch.timeutil import to_epoch_s

MAX_LISTED = 20
"""How many bad rows an error message lists before it says 'and N more'."""


class RowError(Exception):
    """A single row is bad; raised inside a reader's row parser and caught by the collector."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def describe_bad_rows(bad: list[BadRow]) -> str:
    """The bad rows as one message, the first ``MAX_LISTED`` of them spelled out."""
    lines = [str(b) for b in bad[:MAX_LISTED]]
    if len(bad) > MAX_LISTED:
        lines.append(f"... and {len(bad) - MAX_LISTED} more")
    return "; ".join(lines)


def check_lat_lon(lat: float, lon: float) -> None:
    """Raise RowError unless lat is in [-90, 90] and lon is finite (it is wrapped later)."""
    if not math.isfinite(lat) or abs(lat) > 90.0:
        raise RowError(f"latitude {lat!r} outside [-90, 90]", "lat")
    if not math.isfinite(lon) or abs(lon) > 1e6:
        raise RowError(f"longitude {lon!r} is not a usable number", "lon")


class RowCollector:
    """Collects good rows as dicts and bad rows as :class:`BadRow`, then applies the rule."""

    def __init__(self, source: str | Path, *, strict: bool = False) -> None:
        self.source = str(source)
        self.strict = strict
        self.rows: list[dict[str, Any]] = []
        self.bad: list[BadRow] = []
        self.seen = 0

    def add(self, row: dict[str, Any]) -> None:
        """One good row (a dict of field values)."""
        self.seen += 1
        self.rows.append(row)

    def reject(self, line: int | None, reason: str, field: str | None = None) -> None:
        """One bad row at ``line`` (counted from 1), with the reason."""
        self.seen += 1
        self.bad.append(BadRow(self.source, line, reason, field))

    def not_a_row(self) -> None:
        """An input unit that is neither a report nor an error (it still counts as input)."""
        self.seen += 1

    def finish(self) -> Observations:
        """Apply the partly-bad-file rule and build the batch."""
        if self.bad and (self.strict or not self.rows):
            first = self.bad[0]
            why = "bad rows" if self.rows else "no usable rows"
            raise ParseError(f"{why} ({len(self.bad)}): {describe_bad_rows(self.bad)}",
                             source=self.source, line=first.line, field=first.field)
        n = len(self.rows)
        columns: dict[str, Any] = {}
        for name in FIELDS:
            values = [r.get(name) for r in self.rows]
            if all(v is None for v in values) and name not in ("time", "lat", "lon"):
                continue
            if name in FLOAT_FIELDS:
                columns[name] = [math.nan if v is None else float(v) for v in values]
            else:
                columns[name] = ["" if v is None else str(v) for v in values]
        if n == 0:
            return Observations.empty().with_skipped(self.bad)
        return Observations.from_columns(columns, skipped=self.bad)


def read_text(path: str | Path) -> str:
    """A file's text as UTF-8 (BOM tolerated); an unreadable file is a ParseError."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}", source=str(path)) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text (byte {exc.start})", source=str(path)) from exc


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes; an unreadable file is a ParseError."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}", source=str(path)) from exc


def parse_float(text: str, field: str, *, required: bool = False) -> float | None:
    """A decimal number from a text cell; empty is None (or a RowError when required)."""
    text = text.strip()
    if not text:
        if required:
            raise RowError("missing value", field)
        return None
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"not a number: {text[:40]!r}", field) from None
    if math.isinf(value) or (required and math.isnan(value)):
        raise RowError(f"not a finite number: {text[:40]!r}", field)
    return value


def parse_time(value: object, field: str = "time") -> float:
    """Seconds since the epoch from ISO 8601 text (UTC if no offset) or a number of seconds."""
    if isinstance(value, bool) or value is None:
        raise RowError(f"not a time: {value!r}", field)
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:
            raise RowError("time out of range", field) from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise RowError("missing time", field)
        try:
            seconds = float(text)
        except ValueError:
            try:
                seconds = to_epoch_s(text)
            except (StratowatchError, ValueError, OverflowError):
                raise RowError(f"not an ISO 8601 time: {text[:40]!r}", field) from None
    else:
        raise RowError(f"not a time: {str(value)[:40]!r}", field)
    if not math.isfinite(seconds) or not MIN_EPOCH_S <= seconds <= MAX_EPOCH_S:
        raise RowError(f"time out of range: {str(value)[:40]!r}", field)
    return seconds


MIN_EPOCH_S = -62135596800.0
MAX_EPOCH_S = 253402300799.0
"""0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z: outside, a time has no ISO 8601 form."""


def json_lines(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object or RowError) for each non-blank line of JSON-lines text."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except (ValueError, RecursionError):
            yield number, RowError("not JSON")
