"""The audit log: which partner received which object version, when, and by which path.

Written in bulk (one row per delivered version, one transaction per call, rows handed to the
driver as tuples: COPY on PostgreSQL) so that auditing a page costs one short write and little
Python, which matters because the node's audit writer shares the interpreter with the requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.engine import Engine

from stratowatch.store.engine import insert_tuples, read_transaction, write_transaction
from stratowatch.store.schema import audit
from stratowatch.store.stamps import now_us

_COLUMNS = ("at_us", "partner_id", "collection_id", "stix_id", "version_us", "path")


class Delivered(Protocol):
    """Anything naming an object version: StoredObject, ManifestEntry, ObjectRef."""

    @property
    def stix_id(self) -> str: ...

    @property
    def version_us(self) -> int: ...


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One delivery of one object version to one partner."""

    id: int
    at_us: int
    partner_id: str
    collection_id: str | None
    stix_id: str
    version_us: int | None
    path: str


class AuditLog:
    """Append-only record of deliveries."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, partner_id: str, path: str, delivered: Iterable[Delivered], *,
               collection_id: str | None = None, at_us: int | None = None) -> int:
        """Log that ``partner_id`` received these versions via ``path`` (say ``taxii.objects``)."""
        when = now_us() if at_us is None else at_us
        return self.record_many([(partner_id, path, collection_id, when, delivered)])

    def record_many(self, deliveries: Iterable[tuple[str, str, str | None, int,
                                                      Iterable[Delivered]]]) -> int:
        """Log several deliveries, each ``(partner_id, path, collection_id, at_us, versions)``,
        in one transaction: a server batching its audit writes takes the write lock once."""
        rows = [(at_us, partner_id, collection_id, d.stix_id, d.version_us, path)
                for partner_id, path, collection_id, at_us, delivered in deliveries
                for d in delivered]
        if rows:
            with write_transaction(self._engine) as conn:
                insert_tuples(conn, audit, _COLUMNS, rows)
        return len(rows)

    def entries(self, *, partner_id: str | None = None, stix_id: str | None = None,
                since_us: int | None = None, limit: int = 1000) -> list[AuditEntry]:
        """Deliveries, oldest first, narrowed by partner, object and time."""
        a = audit
        query = select(a).order_by(a.c.id).limit(limit)
        if partner_id is not None:
            query = query.where(a.c.partner_id == partner_id)
        if stix_id is not None:
            query = query.where(a.c.stix_id == stix_id)
        if since_us is not None:
            query = query.where(a.c.at_us >= since_us)
        with read_transaction(self._engine) as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(*tuple(r)) for r in rows]
