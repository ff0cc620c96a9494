"""The SQL that selects one page of object versions a reader may see.

Two plans, both reading at most about ``limit`` rows per audience token:

* by token (plain paging, the common case): for each token the reader holds, walk the
  ``(collection, token, added_seq)`` index from the cursor and take the first ``limit`` rows;
  merge. Its cost does not grow with the share of the collection the reader may *not* see.
* by object (``match[id]``, explicit versions, ``match[spec_version]``): walk the objects and
  keep those with a token the reader holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, exists, literal, or_, select, true, union_all

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


def seq_select(collection_id: str, tokens: tuple[str, ...] | None, after_seq: int,
               filters: Filters, limit: int) -> Select[tuple[int]]:
    """The ``added_seq`` of the first ``limit`` matching versions after ``after_seq``, in order."""
    if tokens is not None and not (filters.ids or filters.stamps or filters.specs):
        return _by_token(collection_id, tokens, after_seq, filters, limit)
    return _by_object(collection_id, tokens, after_seq, filters, limit)


def _by_token(collection_id: str, tokens: tuple[str, ...], after_seq: int, filters: Filters,
              limit: int) -> Select[tuple[int]]:
    t = object_tokens
    residual: list[ColumnElement[bool]] = []
    if filters.types:
        residual.append(t.c.type.in_(filters.types))
    if not filters.all_versions:
        residual.append(_version_clause(t.c.is_latest, t.c.is_first, filters))

    def one(token: str) -> Select[tuple[int]]:
        return (select(t.c.added_seq)
                .where(t.c.collection_id == collection_id, t.c.token == token,
                       t.c.added_seq > after_seq, *residual)
                .order_by(t.c.added_seq).limit(limit))

    if len(tokens) == 1:
        return one(tokens[0])
    members = [select(one(token).subquery().c.added_seq) for token in tokens]
    merged = union_all(*members).subquery()
    return (select(merged.c.added_seq).distinct()
            .order_by(merged.c.added_seq).limit(limit))


def _by_object(collection_id: str, tokens: tuple[str, ...] | None, after_seq: int,
               filters: Filters, limit: int) -> Select[tuple[int]]:
    o = objects
    where: list[ColumnElement[bool]] = [o.c.collection_id == collection_id,
                                        o.c.added_seq > after_seq]
    if filters.ids:
        where.append(o.c.stix_id.in_(filters.ids))
    if filters.types:
        where.append(o.c.type.in_(filters.types))
    if filters.specs:
        where.append(o.c.spec_version.in_(filters.specs))
    if not filters.all_versions:
        where.append(_version_clause(o.c.is_latest, o.c.is_first, filters, o.c.version_us))
    if tokens is not None:
        t = object_tokens
        where.append(exists(select(literal(1)).where(t.c.added_seq == o.c.added_seq,
                                                     t.c.token.in_(tokens))))
    return select(o.c.added_seq).where(*where).order_by(o.c.added_seq).limit(limit)


def _version_clause(is_latest: ColumnElement[bool], is_first: ColumnElement[bool],
                    filters: Filters,
                    version_us: ColumnElement[int] | None = None) -> ColumnElement[bool]:
    options: list[ColumnElement[bool]] = []
    if filters.last:
        options.append(is_latest == true())
    if filters.first:
        options.append(is_first == true())
    if filters.stamps and version_us is not None:
        options.append(version_us.in_(filters.stamps))
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
