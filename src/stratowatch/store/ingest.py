"""Adding STIX objects: one transaction per batch, idempotent by (collection, id, version).

A batch is checked whole before anything is written (one bad object rejects the batch, naming
it), then written in one transaction under the ingest lock: either every new version of the
batch is stored with its audience tokens, or none is. Under the lock the batch gets the next
ingest sequence numbers and ``date_added`` times that rise by at least one microsecond per
object, so ``added_after`` (a time) and ``next`` (a sequence) page the same order, and no two
objects share a ``date_added`` that a client could page past.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine

from stratowatch.errors import ConfigError, ParseError
from stratowatch.store.engine import insert_tuples, is_sqlite, write_transaction
from stratowatch.store.records import AddResult, ObjectRef
from stratowatch.store.removal import floors
from stratowatch.store.schema import collections, object_tokens, objects
from stratowatch.store.stamps import now_us, parse_us
from stratowatch.store.tokens import audience

# Lazy type part: it stops at the first "--" instead of backtracking from 62 characters on.
_ID = re.compile(r"([a-z0-9][a-z0-9-]{0,62}?)--"
                 r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_LOOKUP_CHUNK = 500
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_OBJECT_COLUMNS = ("added_seq", "collection_id", "stix_id", "type", "spec_version", "created_us",
                   "version_us", "created_by_ref", "owner", "date_added_us", "is_latest",
                   "is_first", "json", "signature")
_TOKEN_COLUMNS = ("added_seq", "token", "collection_id", "type", "is_latest", "is_first")
#: The version of an object with neither ``modified`` nor ``created`` (most SCOs): one version.
UNVERSIONED_US = 0


@dataclass(frozen=True, slots=True)
class NewObject:
    """An object to store, the audiences it may reach, and optionally its signature.

    ``json_text`` stores exactly these bytes (say, the signed serialisation) instead of a
    compact dump of ``obj``; it must encode the same object.
    """

    obj: Mapping[str, Any]
    tokens: frozenset[str]
    signature: str | None = None
    json_text: str | None = None


ObjectItem = NewObject | tuple[Mapping[str, Any], Iterable[str]] | tuple[
    Mapping[str, Any], Iterable[str], str | None]


@dataclass(slots=True)
class _Row:
    stix_id: str
    type: str
    spec_version: str
    created_us: int | None
    version_us: int
    created_by_ref: str | None
    json: str
    signature: str | None
    tokens: frozenset[str]


def add_objects(engine: Engine, collection_id: str, items: Iterable[ObjectItem],
                owner: str | None) -> AddResult:
    """Store a batch; returns the versions added and those already present (skipped)."""
    rows = [_prepare(index, item) for index, item in enumerate(items)]
    fresh: list[_Row] = []
    duplicates: list[ObjectRef] = []
    seen: set[tuple[str, int]] = set()
    for row in rows:
        key = (row.stix_id, row.version_us)
        if key in seen:
            duplicates.append(ObjectRef(*key))
        else:
            seen.add(key)
            fresh.append(row)
    with write_transaction(engine, ingest_lock=True) as conn:
        _require_collection(conn, collection_id)
        stored = _stored_versions(conn, collection_id, sorted({r.stix_id for r in fresh}))
        new = [r for r in fresh if r.version_us not in stored.get(r.stix_id, {})]
        duplicates.extend(ObjectRef(r.stix_id, r.version_us) for r in fresh
                          if r.version_us in stored.get(r.stix_id, {}))
        if not new:
            return AddResult([], duplicates, None, None)
        first_date, last_date = _insert(conn, collection_id, owner, new, stored)
    added = [ObjectRef(r.stix_id, r.version_us) for r in new]
    return AddResult(added, duplicates, first_date, last_date)


#: stix_id -> {version_us: (added_seq, is_latest, is_first)} of the versions already stored.
_Stored = dict[str, dict[int, tuple[int, bool, bool]]]


def _stored_versions(conn: Connection, collection_id: str, ids: list[str]) -> _Stored:
    o = objects
    stored: _Stored = {}
    # SQLite: chunks of IN (...); PostgreSQL: one array parameter (= ANY), far cheaper to send.
    chunk_size = _LOOKUP_CHUNK if is_sqlite(conn) else max(1, len(ids))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        match = (o.c.stix_id.in_(chunk) if is_sqlite(conn)
                 else o.c.stix_id == any_(bindparam("ids", chunk, type_=ARRAY(String))))
        result = conn.execute(
            select(o.c.stix_id, o.c.version_us, o.c.added_seq, o.c.is_latest, o.c.is_first)
            .where(o.c.collection_id == collection_id, match))
        for stix_id, version_us, seq, latest, first in result:
            stored.setdefault(stix_id, {})[version_us] = (seq, bool(latest), bool(first))
    return stored


def _insert(conn: Connection, collection_id: str, owner: str | None, new: list[_Row],
            stored: _Stored) -> tuple[int, int]:
    """Insert the new versions and fix the first/last flags; the batch's date_added bounds."""
    o = objects
    last_seq, last_date = conn.execute(select(
        select(func.max(o.c.added_seq)).scalar_subquery(),
        select(func.max(o.c.date_added_us)).scalar_subquery(),
    )).one()
    seq_floor, date_floor = floors(conn)  # deletions never let a sequence or time be reused
    seq0 = max(last_seq or 0, seq_floor) + 1
    date0 = max(now_us(), max(last_date or 0, date_floor) + 1)

    # Which versions are first and last per object once this batch is in.
    versions: dict[str, list[int]] = {sid: list(known) for sid, known in stored.items()}
    for row in new:
        versions.setdefault(row.stix_id, []).append(row.version_us)
    bounds = {sid: (min(vs), max(vs)) for sid, vs in versions.items()}

    object_rows: list[tuple[Any, ...]] = []
    token_rows: list[tuple[Any, ...]] = []
    add_object, add_token = object_rows.append, token_rows.append
    for seq, row in enumerate(new, seq0):
        first_v, last_v = bounds[row.stix_id]
        is_latest = row.version_us == last_v
        is_first = row.version_us == first_v
        add_object((seq, collection_id, row.stix_id, row.type, row.spec_version, row.created_us,
                    row.version_us, row.created_by_ref, owner, date0 + seq - seq0, is_latest,
                    is_first, row.json, row.signature))
        for token in row.tokens:
            add_token((seq, token, collection_id, row.type, is_latest, is_first))

    no_longer_latest: list[int] = []
    no_longer_first: list[int] = []
    for stix_id, known in stored.items():
        if stix_id not in bounds:
            continue
        first_v, last_v = bounds[stix_id]
        for version, (seq, latest, first) in known.items():
            if latest and version != last_v:
                no_longer_latest.append(seq)
            if first and version != first_v:
                no_longer_first.append(seq)

    insert_tuples(conn, objects, _OBJECT_COLUMNS, object_rows)
    insert_tuples(conn, object_tokens, _TOKEN_COLUMNS, token_rows)
    for table in (objects, object_tokens):
        if no_longer_latest:
            conn.execute(update(table).where(table.c.added_seq.in_(no_longer_latest))
                         .values(is_latest=False))
        if no_longer_first:
            conn.execute(update(table).where(table.c.added_seq.in_(no_longer_first))
                         .values(is_first=False))
    return date0, date0 + len(new) - 1


def _require_collection(conn: Connection, collection_id: str) -> None:
    found = conn.execute(select(collections.c.id).where(collections.c.id == collection_id))
    if found.first() is None:
        raise ConfigError(f"no collection {collection_id!r}")


def _prepare(index: int, item: ObjectItem) -> _Row:
    # The hot path of ingest (once per object): messages are built only on failure.
    raw_tokens: Iterable[str]
    if isinstance(item, NewObject):
        obj, raw_tokens, signature, text = item.obj, item.tokens, item.signature, item.json_text
    elif isinstance(item, tuple) and len(item) in (2, 3):
        obj, raw_tokens = item[0], item[1]
        signature = item[2] if len(item) == 3 else None
        text = None
    else:
        raise ParseError("expected NewObject or (object, tokens[, signature])",
                         field=f"objects[{index}]")
    if not isinstance(obj, Mapping):
        raise ParseError("not a JSON object", field=f"objects[{index}]")
    stix_id = obj.get("id")
    match = _ID.match(stix_id) if isinstance(stix_id, str) else None
    if match is None:
        raise ParseError(f"id {stix_id!r} is not TYPE--UUID; batch rejected",
                         field=f"objects[{index}].id")
    stype = match.group(1)
    if obj.get("type") != stype:
        raise ParseError(f"type {obj.get('type')!r} does not match id {stix_id!r}",
                         field=f"objects[{index}].type")
    spec = obj.get("spec_version", "2.1")
    if not isinstance(spec, str) or not spec or len(spec) > 8:
        raise ParseError(f"bad spec_version {spec!r}", field=f"objects[{index}].spec_version")
    try:
        created_text, modified_text = obj.get("created"), obj.get("modified")
        created = _stamp(created_text, "created", index)
        modified = (created if modified_text == created_text
                    else _stamp(modified_text, "modified", index))
        tokens = (raw_tokens if type(raw_tokens) is frozenset and raw_tokens in _CHECKED
                  else _audience(raw_tokens, index))
    except ConfigError as exc:
        raise ParseError(f"{exc}; batch rejected", field=f"objects[{index}]") from exc
    version = modified if modified is not None else created
    by = obj.get("created_by_ref")
    if by is not None and not isinstance(by, str):
        raise ParseError(f"bad created_by_ref {by!r}", field=f"objects[{index}].created_by_ref")
    if text is None:
        text = _ENCODE(obj)
    return _Row(match.group(0), stype, spec, created,
                UNVERSIONED_US if version is None else version,
                by, text, signature, tokens)


#: Audiences already checked (a batch repeats a few of them thousands of times).
_CHECKED: set[frozenset[str]] = set()


def _audience(raw: Iterable[str], index: int) -> frozenset[str]:
    tokens = audience(raw, where=f"objects[{index}] tokens")
    if len(_CHECKED) < 4096:
        _CHECKED.add(tokens)
    return tokens


def _stamp(value: Any, name: str, index: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"objects[{index}].{name}: not a timestamp string: {value!r}")
    try:
        return _parse_cached(value)
    except ConfigError:
        return parse_us(value, field=f"objects[{index}].{name}")


@functools.lru_cache(maxsize=4096)
def _parse_cached(value: str) -> int:
    """Batches repeat timestamps (created == modified, many objects per second)."""
    return parse_us(value)
