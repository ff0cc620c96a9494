"""Partners (the other nodes and organisations a node shares with) and their groups.

The store keeps who they are and which groups they belong to; which audience tokens that earns
them is the sharing policy's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from stratowatch.errors import ConfigError
from stratowatch.store.engine import read_transaction, write_transaction
from stratowatch.store.schema import partner_groups, partners
from stratowatch.store.stamps import now_us


@dataclass(frozen=True, slots=True)
class Partner:
    """A partner: its id (say ``"ca"``), name, STIX identity and groups."""

    id: str
    name: str
    identity_ref: str | None
    enabled: bool
    groups: frozenset[str]
    created_us: int


class Partners:
    """The partner register."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, partner_id: str, name: str, *, identity_ref: str | None = None,
            groups: Iterable[str] = (), enabled: bool = True) -> Partner:
        """Register a partner; a ConfigError if the id is taken."""
        if not partner_id or len(partner_id) > 128:
            raise ConfigError(f"partner id must have 1-128 characters: {partner_id!r}")
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(insert(partners).values(
                    id=partner_id, name=name, identity_ref=identity_ref, enabled=enabled,
                    created_us=now_us()))
                _set_groups(conn, partner_id, groups)
        except IntegrityError as exc:
            raise ConfigError(f"partner {partner_id!r} exists already") from exc
        found = self.get(partner_id)
        assert found is not None
        return found

    def update(self, partner_id: str, *, name: str | None = None,
               identity_ref: str | None = None, groups: Iterable[str] | None = None,
               enabled: bool | None = None) -> Partner:
        """Change what is given; a ConfigError for an unknown partner."""
        values = {k: v for k, v in (("name", name), ("identity_ref", identity_ref),
                                    ("enabled", enabled)) if v is not None}
        with write_transaction(self._engine) as conn:
            exists = conn.execute(select(partners.c.id).where(partners.c.id == partner_id))
            if exists.first() is None:
                raise ConfigError(f"no partner {partner_id!r}")
            if values:
                conn.execute(update(partners).where(partners.c.id == partner_id).values(values))
            if groups is not None:
                _set_groups(conn, partner_id, groups)
        found = self.get(partner_id)
        assert found is not None
        return found

    def get(self, partner_id: str) -> Partner | None:
        """The partner, or None."""
        found = self._load([partner_id])
        return found[0] if found else None

    def all(self) -> list[Partner]:
        """Every partner, by id."""
        return self._load(None)

    def remove(self, partner_id: str) -> bool:
        """Forget a partner with its credentials and grants; False if there was none."""
        with write_transaction(self._engine) as conn:
            done = conn.execute(delete(partners).where(partners.c.id == partner_id))
        return done.rowcount > 0

    def _load(self, ids: list[str] | None) -> list[Partner]:
        p, g = partners, partner_groups
        query = select(p).order_by(p.c.id)
        groups_query = select(g.c.partner_id, g.c.group_name)
        if ids is not None:
            query = query.where(p.c.id.in_(ids))
            groups_query = groups_query.where(g.c.partner_id.in_(ids))
        with read_transaction(self._engine) as conn:
            rows = conn.execute(query).all()
            member: dict[str, set[str]] = {}
            for partner_id, group in conn.execute(groups_query):
                member.setdefault(partner_id, set()).add(group)
        return [Partner(r.id, r.name, r.identity_ref, bool(r.enabled),
                        frozenset(member.get(r.id, ())), r.created_us) for r in rows]


def _set_groups(conn: Connection, partner_id: str, groups: Iterable[str]) -> None:
    names = sorted(set(groups))
    if any(not isinstance(n, str) or not n or len(n) > 128 for n in names):
        raise ConfigError(f"group names must have 1-128 characters: {names!r}")
    conn.execute(delete(partner_groups).where(partner_groups.c.partner_id == partner_id))
    if names:
        conn.execute(insert(partner_groups),
                     [{"partner_id": partner_id, "group_name": n} for n in names])
