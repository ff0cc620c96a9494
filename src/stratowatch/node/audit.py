"""Batched background writes: the audit log (who received which object version, by which path,
and when) and TAXII status resources.

Each response queues its deliveries here (a cheap append); a background thread writes them in
one transaction every ``interval_s``. On SQLite every write transaction takes the database's
one write lock, so one audit transaction per page would starve ingest; one per interval does
not. The price: a crash may lose the last ``interval_s`` of audit rows (never objects), and
:meth:`flush` makes them durable on demand (tests, shutdown). Status resources of add-objects
requests are saved the same way: the client already has the status in the response, and until
it is written :meth:`status` serves it from memory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from stratowatch.node.metrics import Metrics
from stratowatch.store import Status, Store
from stratowatch.store.stamps import now_us

log = logging.getLogger(__name__)

Pending = tuple[str, str, str | None, int, list[Any]]


class AuditBatcher:
    """Queues deliveries and writes them in batches."""

    def __init__(self, store: Store, metrics: Metrics, *, interval_s: float = 0.2) -> None:
        self._store = store
        self._metrics = metrics
        self._interval_s = interval_s
        self._pending: list[Pending] = []
        self._statuses: dict[str, Status] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, partner_id: str, path: str, delivered: Iterable[Any],
               collection_id: str | None = None) -> None:
        """Queue the delivery of these versions (anything with ``stix_id`` and ``version_us``)."""
        items = list(delivered)
        if not items:
            return
        with self._lock:
            self._pending.append((partner_id, path, collection_id, now_us(), items))
        self._metrics.inc("stratowatch_objects_delivered_total", len(items), path=path)

    def save_status(self, status: Status) -> None:
        """Queue a status resource for writing."""
        with self._lock:
            self._statuses[status.id] = status

    def status(self, status_id: str, partner_id: str) -> Status | None:
        """A status of ``partner_id``'s, whether written yet or not."""
        with self._lock:
            found = self._statuses.get(status_id)
        if found is not None:
            return found if found.partner_id == partner_id else None
        return self._store.status.get(status_id, partner_id)

    def start(self) -> None:
        """Start the background writer."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the writer after a last flush."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def flush(self) -> int:
        """Write everything queued so far; the number of audit rows written."""
        with self._write_lock:
            with self._lock:
                statuses = list(self._statuses.values())
            for status in statuses:
                self._store.status.save(status)
                with self._lock:
                    self._statuses.pop(status.id, None)
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                written = self._store.audit.record_many(batch)
            except Exception:
                with self._lock:  # keep the rows for the next attempt
                    self._pending[:0] = batch
                raise
        self._metrics.inc("stratowatch_audit_rows_total", written)
        return written

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.flush()
            except Exception:  # keep auditing after a transient database error
                log.exception("audit flush failed; retrying")
