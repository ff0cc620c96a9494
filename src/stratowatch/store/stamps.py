"""STIX timestamps as integer microseconds since the epoch, the form the store compares and indexes.

Integers sort and compare exactly on every database, where text timestamps with mixed precision
(``.1Z`` vs ``.100Z``) would not. Digits beyond the microsecond are truncated.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time

from stratowatch.errors import ConfigError

_STAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|\+00:?00)$"
)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def parse_us(value: str | int | dt.datetime, *, field: str = "timestamp") -> int:
    """Microseconds since the epoch of a STIX timestamp (UTC, Z), an aware datetime or an int."""
    if isinstance(value, bool):
        raise ConfigError(f"{field}: not a timestamp: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ConfigError(f"{field}: naive datetime {value!r}; give it tzinfo=UTC")
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if not isinstance(value, str):
        raise ConfigError(f"{field}: not a timestamp: {value!r}")
    match = _STAMP.match(value)
    if match is None:
        raise ConfigError(f"{field}: not a UTC timestamp like 2024-01-31T12:00:00.000Z: {value!r}")
    year, month, day, hour, minute, second, frac = match.groups()
    try:
        days = _days(int(year), int(month), int(day))
    except ValueError as exc:
        raise ConfigError(f"{field}: {exc}: {value!r}") from exc
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 59:
        raise ConfigError(f"{field}: time of day out of range: {value!r}")
    micro = int(frac[:6].ljust(6, "0")) if frac else 0
    return (((days * 24 + h) * 60 + m) * 60 + s) * 1_000_000 + micro


def format_us(value_us: int, *, precision: str = "auto") -> str:
    """ISO 8601 UTC with ``Z``: milliseconds when they suffice (``auto``), else microseconds.

    ``precision="us"`` always writes six digits, as date_added needs: the store spaces ingest
    times one microsecond apart, and a client that echoes them back must not lose that.
    """
    seconds, micro = divmod(int(value_us), 1_000_000)
    days, of_day = divmod(seconds, 86_400)
    hour, rest = divmod(of_day, 3600)
    minute, second = divmod(rest, 60)
    head = f"{_date(days)}T{hour:02d}:{minute:02d}:{second:02d}"
    if precision == "auto" and micro % 1000 == 0:
        return f"{head}.{micro // 1000:03d}Z"
    return f"{head}.{micro:06d}Z"


# Stamps of one batch share a handful of dates: the calendar arithmetic is done once per date.
@functools.lru_cache(maxsize=1024)
def _days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 (ValueError for a date that does not exist)."""
    return dt.date(year, month, day).toordinal() - _EPOCH_ORDINAL


@functools.lru_cache(maxsize=1024)
def _date(days: int) -> str:
    """``YYYY-MM-DD`` of a day count since the epoch (ValueError outside years 1 to 9999)."""
    return dt.date.fromordinal(days + _EPOCH_ORDINAL).isoformat()


def now_us() -> int:
    """The current UTC time in microseconds since the epoch."""
    return time.time_ns() // 1000
