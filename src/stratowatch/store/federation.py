"""Federation cursors: how far this node has pulled each collection from each peer.

Saved after each page is stored, so a node that was down resumes where it stopped; storing is
idempotent, so resuming from a cursor a little behind is harmless.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from stratowatch.store.engine import read_transaction, write_transaction
from stratowatch.store.schema import peer_cursors
from stratowatch.store.stamps import now_us


class PeerCursors:
    """One opaque cursor (a TAXII ``next`` or an ``added_after`` time) per peer and collection."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, peer_id: str, collection_id: str) -> str | None:
        """The saved cursor, or None before the first pull."""
        c = peer_cursors
        with read_transaction(self._engine) as conn:
            return conn.execute(select(c.c.cursor).where(
                c.c.peer_id == peer_id, c.c.collection_id == collection_id)).scalar()

    def set(self, peer_id: str, collection_id: str, cursor: str) -> None:
        """Save the cursor, replacing the previous one."""
        c = peer_cursors
        with write_transaction(self._engine) as conn:
            conn.execute(delete(c).where(c.c.peer_id == peer_id,
                                         c.c.collection_id == collection_id))
            conn.execute(insert(c).values(peer_id=peer_id, collection_id=collection_id,
                                          cursor=cursor, updated_us=now_us()))

    def of_peer(self, peer_id: str) -> dict[str, str]:
        """Every saved cursor of a peer, by collection."""
        c = peer_cursors
        with read_transaction(self._engine) as conn:
            rows = conn.execute(select(c.c.collection_id, c.c.cursor)
                                .where(c.c.peer_id == peer_id)).all()
        return {collection: cursor for collection, cursor in rows}
