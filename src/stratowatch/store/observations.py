"""Observations in the interchange fields (DESIGN.md: time, lat, lon, alt_m, optional rest).

Each batch carries the audience tokens of its source; reads take the reader's tokens like every
other path out of the store. Times are stored in microseconds and returned as float seconds
since the epoch, the form the numerical layers use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import exists, insert, literal, select
from sqlalchemy.engine import Engine

from stratowatch.errors import ParseError, StratowatchError
from stratowatch.store.engine import read_transaction, write_transaction
from stratowatch.store.schema import observation_tokens, observations
from stratowatch.store.stamps import now_us
from stratowatch.store.tokens import Reader, audience, reader_tokens
from stratowatch.timeutil import TimeLike, to_epoch_s

REQUIRED = ("time", "lat", "lon", "alt_m")
FLOATS = ("sigma_h_m", "sigma_v_m", "vx_mps", "vy_mps", "vz_mps", "rcs_dbsm")
TEXTS = ("sensor_id", "source", "kind", "icao24", "callsign", "category", "ref")


class Observations:
    """Stored sensor reports."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, rows: Iterable[Mapping[str, Any]], tokens: Iterable[str]) -> list[int]:
        """Store a batch (all or nothing) labelled with ``tokens``; their ids, in order."""
        audience_set = audience(tokens)
        added = now_us()
        values = [_row(i, row, added) for i, row in enumerate(rows)]
        if not values:
            return []
        with write_transaction(self._engine) as conn:
            result = conn.execute(
                insert(observations).returning(observations.c.id,
                                               sort_by_parameter_order=True), values)
            ids = [int(r[0]) for r in result]
            conn.execute(insert(observation_tokens),
                         [{"observation_id": i, "token": t} for i in ids for t in audience_set])
        return ids

    def query(self, tokens: Reader, *, since: TimeLike | None = None,
              until: TimeLike | None = None, sensor_id: str | None = None,
              limit: int = 100_000) -> list[dict[str, Any]]:
        """Observations the reader may see, by time, as dicts in the interchange fields."""
        held = reader_tokens(tokens)
        if held == ():
            return []
        o, t = observations, observation_tokens
        query = select(o).order_by(o.c.time_us, o.c.id).limit(limit)
        if since is not None:
            query = query.where(o.c.time_us >= _us(to_epoch_s(since)))
        if until is not None:
            query = query.where(o.c.time_us <= _us(to_epoch_s(until)))
        if sensor_id is not None:
            query = query.where(o.c.sensor_id == sensor_id)
        if held is not None:
            query = query.where(exists(select(literal(1)).where(
                t.c.observation_id == o.c.id, t.c.token.in_(held))))
        with read_transaction(self._engine) as conn:
            rows = conn.execute(query).all()
        result = []
        for r in rows:
            item = {k: v for k, v in r._mapping.items() if k not in ("time_us", "added_us")}
            item["time"] = r.time_us / 1e6
            result.append(item)
        return result


def _us(epoch_s: float) -> int:
    return round(epoch_s * 1_000_000)


def _row(index: int, row: Mapping[str, Any], added_us: int) -> dict[str, Any]:
    """One validated row. NaN in an optional number means "not reported" (as in
    ``stratowatch.sensing``) and is stored as NULL; the position needs finite numbers."""
    where = f"observations[{index}]"
    for name in REQUIRED:
        if row.get(name) is None:
            raise ParseError("missing; batch rejected", field=f"{where}.{name}")
    try:
        value: dict[str, Any] = {"time_us": _us(to_epoch_s(row["time"])), "added_us": added_us}
    except (ValueError, TypeError, StratowatchError) as exc:
        raise ParseError(f"{exc}; batch rejected", field=f"{where}.time") from exc
    for name in ("lat", "lon", "alt_m", *FLOATS):
        raw = row.get(name)
        try:
            number = None if raw is None else float(raw)
        except (ValueError, TypeError) as exc:
            raise ParseError(f"not a number: {raw!r}; batch rejected",
                             field=f"{where}.{name}") from exc
        if number is not None and not math.isfinite(number):
            if name in REQUIRED:
                raise ParseError(f"not finite: {raw!r}; batch rejected", field=f"{where}.{name}")
            number = None
        value[name] = number
    if not -90 <= value["lat"] <= 90 or not -180 <= value["lon"] <= 360:
        raise ParseError(f"position out of range: {value['lat']}, {value['lon']}", field=where)
    value["lon"] = (value["lon"] + 180.0) % 360.0 - 180.0
    for name in TEXTS:
        raw = row.get(name)
        value[name] = None if raw is None or raw == "" else str(raw)
    return value
