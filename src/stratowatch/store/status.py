"""TAXII status resources: the outcome of an add-objects request, kept for the client to poll.

A status belongs to the partner that made the request; only that partner can read it back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from stratowatch.store.engine import read_transaction, write_transaction
from stratowatch.store.records import AddResult
from stratowatch.store.schema import status as status_table
from stratowatch.store.stamps import format_us, now_us


@dataclass(frozen=True, slots=True)
class Status:
    """One TAXII status: the per-object successes, failures and pendings of a request."""

    id: str
    collection_id: str
    partner_id: str | None
    status: str
    request_us: int
    successes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    pendings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_count(self) -> int:
        """Objects in the request."""
        return len(self.successes) + len(self.failures) + len(self.pendings)

    def to_taxii(self) -> dict[str, Any]:
        """The TAXII 2.1 status resource."""
        return {"id": self.id, "status": self.status,
                "request_timestamp": format_us(self.request_us, precision="us"),
                "total_count": self.total_count, "success_count": len(self.successes),
                "successes": self.successes, "failure_count": len(self.failures),
                "failures": self.failures, "pending_count": len(self.pendings),
                "pendings": self.pendings}


def status_of(result: AddResult, collection_id: str, partner_id: str | None,
              failures: Iterable[dict[str, Any]] = ()) -> Status:
    """A complete status for an add-objects batch (duplicates are successes, as TAXII says)."""
    successes = [{"id": r.stix_id, "version": r.version}
                 for r in [*result.added, *result.duplicates]]
    return Status(str(uuid.uuid4()), collection_id, partner_id, "complete", now_us(),
                  successes, list(failures), [])


class StatusStore:
    """Saved status resources."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, status: Status) -> None:
        """Store or replace a status."""
        s = status_table
        row = {"id": status.id, "collection_id": status.collection_id,
               "partner_id": status.partner_id, "status": status.status,
               "request_us": status.request_us, "total_count": status.total_count,
               "success_count": len(status.successes), "failure_count": len(status.failures),
               "pending_count": len(status.pendings),
               "details": json.dumps({"successes": status.successes,
                                      "failures": status.failures,
                                      "pendings": status.pendings})}
        with write_transaction(self._engine) as conn:
            conn.execute(delete(s).where(s.c.id == status.id))
            conn.execute(insert(s).values(row))

    def get(self, status_id: str, partner_id: str | None) -> Status | None:
        """The status, if it exists and ``partner_id`` made the request; else None."""
        s = status_table
        with read_transaction(self._engine) as conn:
            row = conn.execute(select(s).where(s.c.id == status_id)).first()
        if row is None or row.partner_id != partner_id:
            return None
        details = json.loads(row.details)
        return Status(row.id, row.collection_id, row.partner_id, row.status, row.request_us,
                      details["successes"], details["failures"], details["pendings"])
