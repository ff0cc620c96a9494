"""Bring a database to the newest schema with Alembic, inside one locked transaction.

The upgrade runs in the same transaction as the version stamp and under the ingest lock, so two
processes opening a new database at once cannot both create it, and a failed upgrade leaves the
old schema whole (both SQLite and PostgreSQL have transactional DDL).
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from stratowatch.errors import ConfigError
from stratowatch.store.engine import write_transaction
from stratowatch.store.migrations import SCRIPT_LOCATION


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return config


def head_revision() -> str:
    """The newest revision this version of stratowatch knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at; None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply every migration the database lacks; nothing when it is up to date."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    config = _config()
    with write_transaction(engine, ingest_lock=True) as conn:
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except CommandError as exc:
            raise ConfigError(
                f"database schema is not one this stratowatch knows (newest: {head}): {exc}"
            ) from exc
