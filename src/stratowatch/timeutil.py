"""UTC time at the edges (ISO 8601 with Z) and float seconds since the epoch inside kernels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError

TimeLike = str | float | int | dt.datetime | np.datetime64


def to_epoch_s(value: TimeLike) -> float:
    """Seconds since 1970-01-01T00:00Z of an ISO string, datetime (aware), datetime64 or number.

    A naive datetime or an ISO string without an offset is read as UTC, since this field works in
    UTC throughout; any other offset is honoured.
    """
    if isinstance(value, bool):
        raise ConfigError(f"not a time: {value!r}")
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, np.datetime64):
        return float(value.astype("datetime64[ns]").astype(np.int64)) / 1e9
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise ConfigError(f"not an ISO 8601 time: {value!r}") from exc
        value = parsed
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    raise ConfigError(f"not a time: {value!r}")


def to_iso(epoch_s: float) -> str:
    """ISO 8601 UTC with a Z suffix, to the second (or millisecond when fractional)."""
    moment = dt.datetime.fromtimestamp(float(epoch_s), tz=dt.UTC)
    if moment.microsecond:
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def datetime64_to_epoch_s(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Vectorised datetime64 -> float seconds since the epoch."""
    arr = np.asarray(values).astype("datetime64[ns]").astype(np.int64)
    return arr.astype(np.float64) / 1e9


def epoch_s_to_datetime64(values: npt.ArrayLike) -> npt.NDArray[np.datetime64]:
    """Vectorised float seconds since the epoch -> datetime64[ns]."""
    arr = np.round(np.asarray(values, dtype=np.float64) * 1e9).astype(np.int64)
    return arr.astype("datetime64[ns]")
