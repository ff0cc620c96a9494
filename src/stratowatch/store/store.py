"""The Store: one database, opened and migrated, with a part for each kind of record."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from sqlalchemy import select
from sqlalchemy.engine import URL, Engine

from stratowatch.store.audit import AuditLog
from stratowatch.store.collections import Collections
from stratowatch.store.credentials import Credentials
from stratowatch.store.cursor import CursorCodec
from stratowatch.store.engine import DEFAULT_URL, make_engine
from stratowatch.store.federation import PeerCursors
from stratowatch.store.ingest import ObjectItem
from stratowatch.store.migrate import upgrade
from stratowatch.store.objects import ObjectStore, TimeArg
from stratowatch.store.observations import Observations
from stratowatch.store.partners import Partners
from stratowatch.store.products import Forecasts, Tracks
from stratowatch.store.query import VersionMatch
from stratowatch.store.records import AddResult, ManifestEntry, Page, StoredObject
from stratowatch.store.schema import settings
from stratowatch.store.status import StatusStore
from stratowatch.store.tokens import Reader


class Store:
    """A node's database: STIX objects for TAXII, partners, audit, observations and products.

    Open it with :meth:`open`; it is safe to share between threads (a pool of connections) and
    between processes on one SQLite file or one PostgreSQL database.
    """

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose database is already at the newest schema (see :meth:`open`)."""
        self.engine = engine
        with engine.connect() as conn:
            key = conn.execute(select(settings.c.value)
                               .where(settings.c.key == "cursor_key")).scalar_one()
        self.objects = ObjectStore(engine, CursorCodec(bytes.fromhex(key)))
        self.partners = Partners(engine)
        self.collections = Collections(engine)
        self.credentials = Credentials(engine)
        self.audit = AuditLog(engine)
        self.status = StatusStore(engine)
        self.peer_cursors = PeerCursors(engine)
        self.observations = Observations(engine)
        self.tracks = Tracks(engine)
        self.forecasts = Forecasts(engine)

    @classmethod
    def open(cls, url: str | URL = DEFAULT_URL, *, sqlite_synchronous: str = "FULL",
             pool_size: int = 8) -> Store:
        """Connect, apply any pending migrations, and return the store.

        ``url`` is ``sqlite:///PATH`` (the default, ``stratowatch.db`` in the working directory)
        or ``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB``. A bad URL or a database that
        cannot be reached raises ConfigError; a missing psycopg raises MissingExtraError.
        """
        engine = make_engine(url, sqlite_synchronous=sqlite_synchronous, pool_size=pool_size)
        try:
            upgrade(engine)
            return cls(engine)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # The TAXII object paths, named as the server uses them.

    def add_objects(self, collection_id: str, items: Iterable[ObjectItem],
                    owner: str | None) -> AddResult:
        """See :meth:`ObjectStore.add`."""
        return self.objects.add(collection_id, items, owner)

    def page(self, collection_id: str, tokens: Reader, *, added_after: TimeArg | None = None,
             limit: int = 100, next: str | None = None, match_id: Iterable[str] = (),
             match_type: Iterable[str] = (), match_version: VersionMatch = "last",
             match_spec_version: Iterable[str] = ()) -> Page[StoredObject]:
        """See :meth:`ObjectStore.page`."""
        return self.objects.page(collection_id, tokens, added_after=added_after, limit=limit,
                                 next=next, match_id=match_id, match_type=match_type,
                                 match_version=match_version,
                                 match_spec_version=match_spec_version)

    def manifest(self, collection_id: str, tokens: Reader, *,
                 added_after: TimeArg | None = None, limit: int = 100, next: str | None = None,
                 match_id: Iterable[str] = (), match_type: Iterable[str] = (),
                 match_version: VersionMatch = "last",
                 match_spec_version: Iterable[str] = ()) -> Page[ManifestEntry]:
        """See :meth:`ObjectStore.manifest`."""
        return self.objects.manifest(collection_id, tokens, added_after=added_after,
                                     limit=limit, next=next, match_id=match_id,
                                     match_type=match_type, match_version=match_version,
                                     match_spec_version=match_spec_version)

    def get_object(self, collection_id: str, object_id: str, tokens: Reader, *,
                   added_after: TimeArg | None = None, limit: int = 100,
                   next: str | None = None, match_version: VersionMatch = "last",
                   match_spec_version: Iterable[str] = ()) -> Page[StoredObject]:
        """See :meth:`ObjectStore.get`."""
        return self.objects.get(collection_id, object_id, tokens, added_after=added_after,
                                limit=limit, next=next, match_version=match_version,
                                match_spec_version=match_spec_version)

    def versions(self, collection_id: str, object_id: str, tokens: Reader, *,
                 added_after: TimeArg | None = None, limit: int = 100, next: str | None = None,
                 match_spec_version: Iterable[str] = ()) -> Page[ManifestEntry]:
        """See :meth:`ObjectStore.versions`."""
        return self.objects.versions(collection_id, object_id, tokens, added_after=added_after,
                                     limit=limit, next=next,
                                     match_spec_version=match_spec_version)
