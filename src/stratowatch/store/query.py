"""The SQL that selects one page of object versions a reader may see.

Two plans, both reading at most about ``limit`` rows per audience token:

* by token (plain paging, the common case): for each token the reader holds, walk the
  ``(collection, token, added_seq)`` index from the cursor and take the first ``limit`` rows;
  merge. Its cost does not grow with the share of the collection the reader may *not* see.
* by object (``match[id]``, explicit versions, ``match[spec_version]``): walk the objects and
  keep those with a token the reader holds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from stratowatch.errors import ConfigError
from stratowatch.store.schema import object_tokens, objects
from stratowatch.store.stamps import parse_us

VersionMatch = str | Sequence[str | int]


@dataclass(frozen=True, slots=True)
class Filters:
    """TAXII ``match[...]`` filters, normalised (sorted, unique, timestamps in microseconds)."""

    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    all_versions: bool = False
    last: bool = True
    first: bool = False
    stamps: tuple[int, ...] = ()
    specs: tuple[str, ...] = ()

    @classmethod
    def build(cls, *, match_id: Iterable[str] = (), match_type: Iterable[str] = (),
              match_version: VersionMatch = "last",
              match_spec_version: Iterable[str] = ()) -> Filters:
        """Filters from TAXII-style arguments; a ConfigError names a bad one."""
        ids = _strings(match_id, "match[id]")
        types = _strings(match_type, "match[type]")
        specs = _strings(match_spec_version, "match[spec_version]")
        parts = match_version.split(",") if isinstance(match_version, str) else match_version
        words = {p.strip() for p in parts if isinstance(p, str)} & {"all", "last", "first"}
        stamps = tuple(sorted({
            parse_us(p.strip() if isinstance(p, str) else p, field="match[version]")
            for p in parts
            if not (isinstance(p, str) and p.strip() in ("all", "last", "first"))
        }))
        if not words and not stamps:
            raise ConfigError("match[version]: give all, last, first or timestamps")
        if "all" in words:
            return cls(ids, types, all_versions=True, last=False, first=False, specs=specs)
        return cls(ids, types, all_versions=False, last="last" in words,
                   first="first" in words, stamps=stamps, specs=specs)

    def scope(self, collection_id: str) -> str:
        """A stable text of the collection and filters, which a ``next`` cursor is bound to."""
        return repr((collection_id, self.ids, self.types, self.all_versions, self.last,
                     self.first, self.stamps, self.specs))


def page_query(projection: str, collection_id: str, tokens: tuple[str, ...] | None,
               after_seq: int, added_after_us: int | None, filters: Filters,
               limit: int, *, token_array: bool = False) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and parameters for the first ``limit`` matching versions after both
    ``after_seq`` and ``added_after_us``, in order, as ``projection`` ("objects" or
    "manifest") columns.

    Statements are built once per shape (number of tokens, which filters) and then only
    executed with new parameters: building a union of subqueries costs more than running it.
    ``token_array`` (PostgreSQL) passes the tokens as one array that the statement unnests, so
    every reader shares one short statement: one server-side prepared plan, and a text short
    enough for the driver to cache its conversion.
    """
    n_tokens = None if tokens is None else -1 if token_array else len(tokens)
    shape = (projection, n_tokens, bool(filters.types),
             filters.all_versions, filters.last, filters.first, bool(filters.ids),
             bool(filters.stamps), bool(filters.specs))
    params: dict[str, Any] = {"collection_id": collection_id, "after_seq": after_seq,
                              "added_after_us": -1 if added_after_us is None else added_after_us,
                              "limit": limit, "types": list(filters.types),
                              "ids": list(filters.ids), "stamps": list(filters.stamps),
                              "specs": list(filters.specs)}
    if tokens is not None:
        params["tokens"] = list(tokens)
        params.update({f"token_{i}": token for i, token in enumerate(tokens)})
    return _statement(shape), params


_COLUMNS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "objects": (objects.c.added_seq, objects.c.collection_id, objects.c.stix_id, objects.c.type,
                objects.c.spec_version, objects.c.version_us, objects.c.created_us,
                objects.c.created_by_ref, objects.c.owner, objects.c.date_added_us,
                objects.c.json, objects.c.signature),
    "manifest": (objects.c.added_seq, objects.c.stix_id, objects.c.version_us,
                 objects.c.date_added_us, objects.c.spec_version),
}
_COLLECTION = bindparam("collection_id", type_=String)
_CURSOR = bindparam("after_seq", type_=BigInteger)
# ``added_after`` becomes a sequence inside the statement (date_added rises with the sequence),
# which saves a round trip: the last sequence added at or before that time, or the cursor's.
_SEQ_AT = func.coalesce(
    select(objects.c.added_seq)
    .where(objects.c.date_added_us <= bindparam("added_after_us", type_=BigInteger))
    .order_by(objects.c.date_added_us.desc()).limit(1).scalar_subquery(), 0)
_AFTER = case((_SEQ_AT > _CURSOR, _SEQ_AT), else_=_CURSOR)
_LIMIT = bindparam("limit", type_=Integer)


@functools.lru_cache(maxsize=512)
def _statement(shape: tuple[Any, ...]) -> Select[Any]:
    projection, n_tokens, types, all_versions, last, first, ids, stamps, specs = shape
    filters = Filters(ids=("",) if ids else (), types=("",) if types else (),
                      all_versions=all_versions, last=last, first=first,
                      stamps=(0,) if stamps else (), specs=("",) if specs else ())
    if n_tokens == -1 and not (ids or stamps or specs):
        seqs = _by_token_array(filters)
    elif n_tokens is not None and not (ids or stamps or specs):
        seqs = _by_token(n_tokens, filters)
    else:
        seqs = _by_object(n_tokens is not None, filters)
    sub = seqs.subquery()
    o = objects
    return (select(*_COLUMNS[projection])
            .select_from(sub.join(o, o.c.added_seq == sub.c.added_seq))
            .order_by(o.c.added_seq))


def _residual(filters: Filters) -> list[ColumnElement[bool]]:
    """The type and version filters, answered from the token index alone."""
    t = object_tokens
    residual: list[ColumnElement[bool]] = []
    if filters.types:
        residual.append(t.c.type.in_(bindparam("types", expanding=True)))
    if not filters.all_versions:
        residual.append(_version_clause(t.c.is_latest, t.c.is_first, filters))
    return residual


def _by_token_array(filters: Filters) -> Select[tuple[int]]:
    """As :func:`_by_token`, for any number of tokens: a LATERAL walk per unnested token."""
    t = object_tokens
    held = (func.unnest(bindparam("tokens", type_=ARRAY(String))).table_valued("token")
            .render_derived("held"))
    hits = (select(t.c.added_seq)
            .where(t.c.collection_id == _COLLECTION, t.c.token == held.c.token,
                   t.c.added_seq > func.greatest(_SEQ_AT, _CURSOR), *_residual(filters))
            .order_by(t.c.added_seq).limit(_LIMIT).lateral("hits"))
    return (select(hits.c.added_seq).select_from(held).join(hits, true()).distinct()
            .order_by(hits.c.added_seq).limit(_LIMIT))


def _by_token(n_tokens: int, filters: Filters) -> Select[tuple[int]]:
    t = object_tokens
    residual = _residual(filters)

    def one(i: int) -> Select[tuple[int]]:
        return (select(t.c.added_seq)
                .where(t.c.collection_id == _COLLECTION,
                       t.c.token == bindparam(f"token_{i}", type_=String),
                       t.c.added_seq > _AFTER, *residual)
                .order_by(t.c.added_seq).limit(_LIMIT))

    if n_tokens == 1:
        return one(0)
    members = [select(one(i).subquery().c.added_seq) for i in range(n_tokens)]
    merged = union_all(*members).subquery()
    return select(merged.c.added_seq).distinct().order_by(merged.c.added_seq).limit(_LIMIT)


def _by_object(filtered: bool, filters: Filters) -> Select[tuple[int]]:
    o = objects
    where: list[ColumnElement[bool]] = [o.c.collection_id == _COLLECTION, o.c.added_seq > _AFTER]
    if filters.ids:
        where.append(o.c.stix_id.in_(bindparam("ids", expanding=True)))
    if filters.types:
        where.append(o.c.type.in_(bindparam("types", expanding=True)))
    if filters.specs:
        where.append(o.c.spec_version.in_(bindparam("specs", expanding=True)))
    if not filters.all_versions:
        where.append(_version_clause(o.c.is_latest, o.c.is_first, filters, o.c.version_us))
    if filtered:
        t = object_tokens
        where.append(exists(select(literal(1)).where(
            t.c.added_seq == o.c.added_seq, t.c.token.in_(bindparam("tokens", expanding=True)))))
    return select(o.c.added_seq).where(*where).order_by(o.c.added_seq).limit(_LIMIT)


def _version_clause(is_latest: ColumnElement[bool], is_first: ColumnElement[bool],
                    filters: Filters,
                    version_us: ColumnElement[int] | None = None) -> ColumnElement[bool]:
    options: list[ColumnElement[bool]] = []
    if filters.last:
        options.append(is_latest == true())
    if filters.first:
        options.append(is_first == true())
    if filters.stamps and version_us is not None:
        options.append(version_us.in_(bindparam("stamps", expanding=True)))
    return or_(*options)


def _strings(values: Iterable[str], field: str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = values.split(",")
    result: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{field}: empty or non-text value {value!r}")
        result.add(value.strip())
    return tuple(sorted(result))
