"""Deleting object versions (TAXII's delete-an-object), without breaking paging.

Sequences and date_added values are never reused: before the newest rows can vanish, their
highest values are saved as floors that the next ingest starts above, so a reader whose cursor
is past a deleted row still sees everything added later. The first/last flags of the versions
that remain are recomputed in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.engine import Engine

from stratowatch.store.engine import write_transaction
from stratowatch.store.query import Filters, VersionMatch
from stratowatch.store.schema import object_tokens, objects, settings
from stratowatch.store.tokens import Unfiltered

SEQ_FLOOR = "seq_floor"
DATE_FLOOR = "date_added_floor"


def delete_versions(engine: Engine, collection_id: str, object_id: str, *,
                    owner: str | Unfiltered, match_version: VersionMatch = "all",
                    match_spec_version: Iterable[str] = ()) -> int:
    """Delete the matching versions of one object (only ``owner``'s unless UNFILTERED)."""
    filters = Filters.build(match_version=match_version, match_spec_version=match_spec_version)
    o = objects
    with write_transaction(engine, ingest_lock=True) as conn:
        rows = conn.execute(select(o.c.added_seq, o.c.version_us, o.c.spec_version, o.c.owner,
                                   o.c.is_latest, o.c.is_first)
                            .where(o.c.collection_id == collection_id,
                                   o.c.stix_id == object_id)).all()
        victims = [r.added_seq for r in rows
                   if (isinstance(owner, Unfiltered) or r.owner == owner)
                   and (not filters.specs or r.spec_version in filters.specs)
                   and (filters.all_versions or (filters.last and r.is_latest)
                        or (filters.first and r.is_first) or r.version_us in filters.stamps)]
        if not victims:
            return 0
        _raise_floors(conn)
        for table in (object_tokens, objects):
            conn.execute(delete(table).where(table.c.added_seq.in_(victims)))
        left = [r for r in rows if r.added_seq not in victims]
        if left:
            newest = max(r.version_us for r in left)
            oldest = min(r.version_us for r in left)
            for r in left:
                flags = {"is_latest": r.version_us == newest, "is_first": r.version_us == oldest}
                for table in (objects, object_tokens):
                    conn.execute(update(table).where(table.c.added_seq == r.added_seq)
                                 .values(flags))
    return len(victims)


def floors(conn: Connection) -> tuple[int, int]:
    """The sequence and date_added that the next ingest must start above."""
    found = dict(conn.execute(select(settings.c.key, settings.c.value)
                              .where(settings.c.key.in_([SEQ_FLOOR, DATE_FLOOR]))).all())
    return int(found.get(SEQ_FLOOR, 0)), int(found.get(DATE_FLOOR, 0))


def _raise_floors(conn: Connection) -> None:
    o = objects
    top_seq, top_date = conn.execute(select(
        select(func.max(o.c.added_seq)).scalar_subquery(),
        select(func.max(o.c.date_added_us)).scalar_subquery(),
    )).one()
    seq_floor, date_floor = floors(conn)
    for key, value in ((SEQ_FLOOR, max(seq_floor, top_seq or 0)),
                       (DATE_FLOOR, max(date_floor, top_date or 0))):
        conn.execute(delete(settings).where(settings.c.key == key))
        conn.execute(settings.insert().values(key=key, value=str(value)))
