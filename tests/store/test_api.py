"""The public surface of stratowatch.store, and opening one database from many threads."""

from __future__ import annotations

import threading

import stratowatch.store as store_package
from stratowatch.store import Store


def test_all_names_the_public_api_and_each_name_exists() -> None:
    assert store_package.__all__ == sorted(store_package.__all__, key=lambda n: (
        not n.isupper(), n))
    for name in store_package.__all__:
        assert hasattr(store_package, name), name


def test_many_threads_opening_a_new_database_migrate_it_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def open_once() -> None:
        try:
            Store.open(db_url).close()
        except BaseException as exc:  # collected and checked below
            errors.append(exc)

    threads = [threading.Thread(target=open_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(db_url) as opened:
        opened.collections.add("c", "C")
