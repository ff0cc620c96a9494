"""STIX objects for TAXII: add batches, and read pages, manifests and versions for one reader.

Every read takes the reader's audience tokens and returns only versions labelled with at least
one of them (see :mod:`stratowatch.store.tokens`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Row
from sqlalchemy.engine import Engine

from stratowatch.errors import ConfigError
from stratowatch.store.cursor import CursorCodec
from stratowatch.store.engine import is_sqlite, read_transaction
from stratowatch.store.ingest import ObjectItem, add_objects
from stratowatch.store.query import Filters, VersionMatch, page_query
from stratowatch.store.records import AddResult, ManifestEntry, Page, StoredObject
from stratowatch.store.removal import delete_versions
from stratowatch.store.stamps import parse_us
from stratowatch.store.tokens import Reader, Unfiltered, reader_tokens

MAX_LIMIT = 10_000
T = TypeVar("T")
TimeArg = str | int | dt.datetime


class ObjectStore:
    """The versions of STIX objects in collections, each labelled with its audience tokens."""

    def __init__(self, engine: Engine, cursors: CursorCodec) -> None:
        self._engine = engine
        self._cursors = cursors
        self._token_array = not is_sqlite(engine)

    def add(self, collection_id: str, items: Iterable[ObjectItem],
            owner: str | None) -> AddResult:
        """Store a batch in one transaction; versions already stored are skipped, not errors."""
        return add_objects(self._engine, collection_id, items, owner)

    def page(self, collection_id: str, tokens: Reader, *, added_after: TimeArg | None = None,
             limit: int = 100, next: str | None = None, match_id: Iterable[str] = (),
             match_type: Iterable[str] = (), match_version: VersionMatch = "last",
             match_spec_version: Iterable[str] = ()) -> Page[StoredObject]:
        """A page of object versions the reader may see, oldest addition first (TAXII objects)."""
        filters = Filters.build(match_id=match_id, match_type=match_type,
                                match_version=match_version,
                                match_spec_version=match_spec_version)
        return self._page(collection_id, tokens, added_after, limit, next, filters,
                          "objects", _to_object)

    def manifest(self, collection_id: str, tokens: Reader, *,
                 added_after: TimeArg | None = None, limit: int = 100, next: str | None = None,
                 match_id: Iterable[str] = (), match_type: Iterable[str] = (),
                 match_version: VersionMatch = "last",
                 match_spec_version: Iterable[str] = ()) -> Page[ManifestEntry]:
        """The manifest entries of the versions :meth:`page` would return (TAXII manifest)."""
        filters = Filters.build(match_id=match_id, match_type=match_type,
                                match_version=match_version,
                                match_spec_version=match_spec_version)
        return self._page(collection_id, tokens, added_after, limit, next, filters,
                          "manifest", _to_entry)

    def get(self, collection_id: str, object_id: str, tokens: Reader, *,
            added_after: TimeArg | None = None, limit: int = 100, next: str | None = None,
            match_version: VersionMatch = "last",
            match_spec_version: Iterable[str] = ()) -> Page[StoredObject]:
        """The versions of one object the reader may see (TAXII get-an-object)."""
        return self.page(collection_id, tokens, added_after=added_after, limit=limit, next=next,
                         match_id=(object_id,), match_version=match_version,
                         match_spec_version=match_spec_version)

    def versions(self, collection_id: str, object_id: str, tokens: Reader, *,
                 added_after: TimeArg | None = None, limit: int = 100, next: str | None = None,
                 match_spec_version: Iterable[str] = ()) -> Page[ManifestEntry]:
        """Every version of one object the reader may see, by date added (TAXII versions)."""
        return self.manifest(collection_id, tokens, added_after=added_after, limit=limit,
                             next=next, match_id=(object_id,), match_version="all",
                             match_spec_version=match_spec_version)

    def delete(self, collection_id: str, object_id: str, *, owner: str | Unfiltered,
               match_version: VersionMatch = "all",
               match_spec_version: Iterable[str] = ()) -> int:
        """Delete versions of one object (TAXII delete-an-object); how many went.

        Only versions whose owner is ``owner`` go, unless UNFILTERED; whether the caller may
        delete at all is the server's decision.
        """
        return delete_versions(self._engine, collection_id, object_id, owner=owner,
                               match_version=match_version,
                               match_spec_version=match_spec_version)

    def _page(self, collection_id: str, tokens: Reader, added_after: TimeArg | None,
              limit: int, cursor: str | None, filters: Filters, projection: str,
              convert: Callable[[Row[Any]], T]) -> Page[T]:
        held = reader_tokens(tokens)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ConfigError(f"limit: give an integer from 1 to {MAX_LIMIT}, not {limit!r}")
        scope = filters.scope(collection_id)
        after_seq = 0 if cursor is None else self._cursors.decode(scope, cursor)
        if held == ():
            return Page([], False, None, None, None)
        after_us = None if added_after is None else parse_us(added_after, field="added_after")
        statement, params = page_query(projection, collection_id, held, after_seq, after_us,
                                       filters, limit + 1, token_array=self._token_array)
        with read_transaction(self._engine) as conn:
            rows = conn.execute(statement, params).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [convert(row) for row in rows]
        if not rows:
            return Page(items, False, None, None, None)
        last = rows[-1]
        return Page(items, more, self._cursors.encode(scope, last.added_seq) if more else None,
                    rows[0].date_added_us, last.date_added_us)


def _to_object(row: Row[Any]) -> StoredObject:
    return StoredObject(*tuple(row))


def _to_entry(row: Row[Any]) -> ManifestEntry:
    return ManifestEntry(*tuple(row))
