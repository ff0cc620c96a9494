"""Alembic environment: runs on the connection ``stratowatch.store.migrate`` hands over.

Migrations are applied by ``Store.open`` (or ``stratowatch.store.migrate.upgrade``), inside the
store's locked transaction; there is no alembic.ini to run them from the command line.
"""

from __future__ import annotations

from alembic import context

from stratowatch.errors import ConfigError
from stratowatch.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise ConfigError("apply migrations with Store.open(url) or stratowatch.store.migrate")
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
