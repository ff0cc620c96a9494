"""Opening a store: URLs, unreachable databases, and migrations that match the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from stratowatch.errors import ConfigError
from stratowatch.store import Store
from stratowatch.store.migrate import current_revision, head_revision
from stratowatch.store.schema import metadata

from .conftest import _free_port
from .helpers import stix


def test_migrations_build_exactly_the_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []
    assert current_revision(store.engine) == head_revision()


def test_reopening_keeps_data_and_the_cursor_key(db_url: str) -> None:
    with Store.open(db_url) as first:
        first.collections.add("c", "C")
        first.add_objects("c", [(stix(n=i), {"*"}) for i in range(3)], owner=None)
        cursor = first.page("c", {"*"}, limit=1).next
    with Store.open(db_url) as second:  # another process of the same node, say
        assert second.collections.get("c") is not None
        assert len(second.page("c", {"*"}, next=cursor).items) == 2


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'x.db'}") as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    normal = f"sqlite:///{tmp_path / 'x.db'}?synchronous=normal"
    with Store.open(normal) as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1


@pytest.mark.parametrize("url", [
    "nonsense", "mysql://u@h/db", "sqlite:///x.db?synchronous=sometimes", "http://example.org",
])
def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        Store.open(url)


def test_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no directory"):
        Store.open(f"sqlite:///{tmp_path / 'absent' / 'x.db'}")


def test_an_unreachable_postgresql_is_a_config_error_without_the_password() -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://u:secret@127.0.0.1:{_free_port()}/db?connect_timeout=2"
    with pytest.raises(ConfigError, match="cannot open database") as info:
        Store.open(url)
    assert "secret" not in str(info.value)


def test_in_memory_sqlite_works_for_quick_tests() -> None:
    with Store.open("sqlite://") as store:
        store.collections.add("c", "C")
        store.add_objects("c", [({"type": "note", "id": "note--" + "0" * 8 + "-0000-4000-8000-"
                                  + "0" * 12, "created": "2024-01-01T00:00:00Z",
                                  "modified": "2024-01-01T00:00:00Z", "content": "x",
                                  "object_refs": []}, {"*"})], owner=None)
        assert len(store.page("c", {"*"}).items) == 1
