"""stratowatch.store: persistence on SQLite (embedded default, WAL) or PostgreSQL (psycopg 3).

SQLAlchemy Core with Alembic migrations applied on open. The object store is what the TAXII
server reads: every read takes the reader's audience tokens (see :mod:`.tokens`), and returns
only what one of them opens.

    store = Store.open("sqlite:///stratowatch.db")
    store.collections.add(cid, "Balloons", can_read=True)
    store.add_objects(cid, [(stix_dict, {"community"})], owner="ca")
    page = store.page(cid, {"community", "partner:ca"})
"""

from stratowatch.store.audit import AuditEntry, AuditLog
from stratowatch.store.collections import Collection, Collections
from stratowatch.store.credentials import CredentialInfo, Credentials
from stratowatch.store.cursor import CursorError
from stratowatch.store.engine import DEFAULT_URL
from stratowatch.store.federation import PeerCursors
from stratowatch.store.ingest import NewObject
from stratowatch.store.objects import ObjectStore
from stratowatch.store.observations import Observations
from stratowatch.store.partners import Partner, Partners
from stratowatch.store.products import (
    ForecastRecord,
    Forecasts,
    TrackEntry,
    TrackRecord,
    Tracks,
)
from stratowatch.store.records import AddResult, ManifestEntry, ObjectRef, Page, StoredObject
from stratowatch.store.stamps import format_us, parse_us
from stratowatch.store.status import Status, StatusStore, status_of
from stratowatch.store.store import Store
from stratowatch.store.tokens import UNFILTERED, Reader, Unfiltered

__all__ = [
    "DEFAULT_URL",
    "UNFILTERED",
    "AddResult",
    "AuditEntry",
    "AuditLog",
    "Collection",
    "Collections",
    "CredentialInfo",
    "Credentials",
    "CursorError",
    "ForecastRecord",
    "Forecasts",
    "ManifestEntry",
    "NewObject",
    "ObjectRef",
    "ObjectStore",
    "Observations",
    "Page",
    "Partner",
    "Partners",
    "PeerCursors",
    "Reader",
    "Status",
    "StatusStore",
    "Store",
    "StoredObject",
    "TrackEntry",
    "TrackRecord",
    "Tracks",
    "Unfiltered",
    "format_us",
    "parse_us",
    "status_of",
]
