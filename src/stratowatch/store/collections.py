"""TAXII collections and who may read or write them.

A collection has default rights for every authenticated partner; a grant overrides them for one
partner. Rights say whether a partner may use the collection at all: which objects in it the
partner then sees is still decided per object by its audience tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from stratowatch.errors import ConfigError
from stratowatch.store.engine import read_transaction, write_transaction
from stratowatch.store.schema import collection_grants, collections
from stratowatch.store.stamps import now_us

MEDIA_TYPES = ("application/stix+json;version=2.1",)


@dataclass(frozen=True, slots=True)
class Collection:
    """A collection with the rights of one partner (or the defaults)."""

    id: str
    title: str
    description: str
    alias: str | None
    can_read: bool
    can_write: bool

    def to_taxii(self) -> dict[str, object]:
        """The TAXII 2.1 collection resource."""
        resource: dict[str, object] = {"id": self.id, "title": self.title,
                                       "can_read": self.can_read, "can_write": self.can_write,
                                       "media_types": list(MEDIA_TYPES)}
        if self.description:
            resource["description"] = self.description
        if self.alias:
            resource["alias"] = self.alias
        return resource


class Collections:
    """The collections of a node."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, collection_id: str, title: str, *, description: str = "",
            alias: str | None = None, can_read: bool = False,
            can_write: bool = False) -> Collection:
        """Create a collection; defaults grant nothing until :meth:`grant` or the flags do."""
        if not collection_id or len(collection_id) > 64:
            raise ConfigError(f"collection id must have 1-64 characters: {collection_id!r}")
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(insert(collections).values(
                    id=collection_id, title=title, description=description, alias=alias,
                    can_read=can_read, can_write=can_write, created_us=now_us()))
        except IntegrityError as exc:
            raise ConfigError(f"collection {collection_id!r} or alias {alias!r} exists") from exc
        return Collection(collection_id, title, description, alias, can_read, can_write)

    def grant(self, collection_id: str, partner_id: str, *, can_read: bool,
              can_write: bool) -> None:
        """Set one partner's rights on one collection, replacing any earlier grant."""
        g = collection_grants
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(delete(g).where(g.c.collection_id == collection_id,
                                             g.c.partner_id == partner_id))
                conn.execute(insert(g).values(collection_id=collection_id, partner_id=partner_id,
                                              can_read=can_read, can_write=can_write))
        except IntegrityError as exc:
            raise ConfigError(
                f"no collection {collection_id!r} or no partner {partner_id!r}") from exc

    def get(self, collection_id: str, partner_id: str | None = None) -> Collection | None:
        """The collection with ``partner_id``'s rights (the defaults when None), or None."""
        found = self._load(partner_id, collection_id)
        return found[0] if found else None

    def for_partner(self, partner_id: str | None) -> list[Collection]:
        """Every collection with ``partner_id``'s rights, by id (TAXII lists them all)."""
        return self._load(partner_id, None)

    def _load(self, partner_id: str | None, collection_id: str | None) -> list[Collection]:
        c, g = collections, collection_grants
        query = select(c).order_by(c.c.id)
        if collection_id is not None:
            query = query.where(c.c.id == collection_id)
        with read_transaction(self._engine) as conn:
            rows = conn.execute(query).all()
            grants: dict[str, tuple[bool, bool]] = {}
            if partner_id is not None:
                for cid, read, write in conn.execute(
                        select(g.c.collection_id, g.c.can_read, g.c.can_write)
                        .where(g.c.partner_id == partner_id)):
                    grants[cid] = (bool(read), bool(write))
        result = []
        for r in rows:
            read, write = grants.get(r.id, (bool(r.can_read), bool(r.can_write)))
            result.append(Collection(r.id, r.title, r.description, r.alias, read, write))
        return result
