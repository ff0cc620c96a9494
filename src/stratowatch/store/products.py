"""Tracks and forecasts: a JSON payload each, with the few keys the node looks them up by.

They are the node's own working state, replaced whole on update. Like everything else they
carry audience tokens, and reads take the reader's tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, exists, insert, literal, select, update
from sqlalchemy.engine import Connection, Engine

from stratowatch.store.engine import read_transaction, write_transaction
from stratowatch.store.schema import forecast_tokens, forecasts, track_tokens, tracks
from stratowatch.store.stamps import now_us
from stratowatch.store.tokens import Reader, audience, reader_tokens


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """A stored track."""

    id: str
    created_us: int
    updated_us: int
    classification: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TrackEntry:
    """One track to store with ``Tracks.put_many``."""

    track_id: str
    payload: Mapping[str, Any]
    tokens: Iterable[str]
    classification: str | None = None
    updated_us: int | None = None


@dataclass(frozen=True, slots=True)
class ForecastRecord:
    """A stored forecast."""

    id: str
    track_id: str | None
    issued_us: int
    valid_from_us: int | None
    valid_to_us: int | None
    payload: dict[str, Any]


class Tracks:
    """Tracks by id, newest update last."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, track_id: str, payload: Mapping[str, Any], tokens: Iterable[str], *,
            classification: str | None = None, updated_us: int | None = None) -> None:
        """Insert or replace a track and its audience."""
        self.put_many([TrackEntry(track_id, payload, tokens, classification, updated_us)])

    def put_many(self, items: Iterable[TrackEntry]) -> None:
        """Insert or replace several tracks in one transaction (one durable commit), so a
        pipeline batch that touches many tracks stores all of them or none."""
        entries = list(items)
        if not entries:
            return
        with write_transaction(self._engine) as conn:
            for item in entries:
                when = now_us() if item.updated_us is None else item.updated_us
                values = {"updated_us": when, "classification": item.classification,
                          "payload": json.dumps(item.payload, separators=(",", ":"))}
                _upsert_in(conn, tracks, track_tokens, "track_id", item.track_id, values,
                           {"created_us": when}, audience(item.tokens))

    def get(self, track_id: str, tokens: Reader) -> TrackRecord | None:
        """The track if the reader may see it."""
        found = self.list(tokens, ids=[track_id])
        return found[0] if found else None

    def list(self, tokens: Reader, *, since_us: int | None = None, ids: Iterable[str] = (),
             limit: int = 10_000) -> list[TrackRecord]:
        """Tracks the reader may see, updated at or after ``since_us``, oldest update first."""
        t = tracks
        query = select(t).order_by(t.c.updated_us, t.c.id).limit(limit)
        if since_us is not None:
            query = query.where(t.c.updated_us >= since_us)
        if ids := list(ids):
            query = query.where(t.c.id.in_(ids))
        rows = _read(self._engine, query, t, track_tokens, "track_id", tokens)
        return [TrackRecord(r.id, r.created_us, r.updated_us, r.classification,
                            json.loads(r.payload)) for r in rows]


class Forecasts:
    """Forecasts by id and by track."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, forecast_id: str, payload: Mapping[str, Any], tokens: Iterable[str], *,
            track_id: str | None = None, issued_us: int | None = None,
            valid_from_us: int | None = None, valid_to_us: int | None = None) -> None:
        """Insert or replace a forecast and its audience."""
        values = {"track_id": track_id, "issued_us": now_us() if issued_us is None else issued_us,
                  "valid_from_us": valid_from_us, "valid_to_us": valid_to_us,
                  "payload": json.dumps(payload, separators=(",", ":"))}
        _upsert(self._engine, forecasts, forecast_tokens, "forecast_id", forecast_id, values, {},
                audience(tokens))

    def get(self, forecast_id: str, tokens: Reader) -> ForecastRecord | None:
        """The forecast if the reader may see it."""
        found = self.list(tokens, ids=[forecast_id])
        return found[0] if found else None

    def list(self, tokens: Reader, *, track_id: str | None = None, since_us: int | None = None,
             ids: Iterable[str] = (), limit: int = 10_000) -> list[ForecastRecord]:
        """Forecasts the reader may see, oldest issue first."""
        f = forecasts
        query = select(f).order_by(f.c.issued_us, f.c.id).limit(limit)
        if track_id is not None:
            query = query.where(f.c.track_id == track_id)
        if since_us is not None:
            query = query.where(f.c.issued_us >= since_us)
        if ids := list(ids):
            query = query.where(f.c.id.in_(ids))
        rows = _read(self._engine, query, f, forecast_tokens, "forecast_id", tokens)
        return [ForecastRecord(r.id, r.track_id, r.issued_us, r.valid_from_us, r.valid_to_us,
                               json.loads(r.payload)) for r in rows]


def _upsert(engine: Engine, table: Table, token_table: Table, key: str, item_id: str,
            values: dict[str, Any], on_insert: dict[str, Any], tokens: frozenset[str]) -> None:
    with write_transaction(engine) as conn:
        _upsert_in(conn, table, token_table, key, item_id, values, on_insert, tokens)


def _upsert_in(conn: Connection, table: Table, token_table: Table, key: str, item_id: str,
               values: dict[str, Any], on_insert: dict[str, Any], tokens: frozenset[str]
               ) -> None:
    done = conn.execute(update(table).where(table.c.id == item_id).values(values))
    if done.rowcount == 0:
        conn.execute(insert(table).values(id=item_id, **values, **on_insert))
    conn.execute(delete(token_table).where(token_table.c[key] == item_id))
    conn.execute(insert(token_table), [{key: item_id, "token": t} for t in sorted(tokens)])


def _read(engine: Engine, query: Any, table: Table, token_table: Table, key: str,
          tokens: Reader) -> list[Any]:
    held = reader_tokens(tokens)
    if held == ():
        return []
    if held is not None:
        query = query.where(exists(select(literal(1)).where(
            token_table.c[key] == table.c.id, token_table.c.token.in_(held))))
    with read_transaction(engine) as conn:
        return list(conn.execute(query).all())
