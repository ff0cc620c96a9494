"""Property: every read path returns exactly what a reference model says the reader may see.

Random objects, versions (arriving in any order), audiences and readers are written to the
store; paging through ``page``, ``manifest``, ``get`` and ``versions`` with random filters,
limits and ``next`` must give the reference answer: nothing outside the reader's audience, and
nothing visible left out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratowatch.store import Store

from .helpers import BASE_US, stix

TOKENS = ["*", "community", "partner:ca", "partner:uk", "group:fvey"]
KINDS = ["sighting", "note"]


@dataclass
class Ref:
    stix_id: str
    type: str
    version: int
    tokens: frozenset[str]


version_sets = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(KINDS), st.integers(0, 3),
              st.frozensets(st.sampled_from(TOKENS), min_size=1, max_size=3)),
    min_size=1, max_size=25)
batches = st.lists(version_sets, min_size=1, max_size=4)
readers = st.frozensets(st.sampled_from([*TOKENS, "partner:xx"]), max_size=3)
version_modes = st.sampled_from(["last", "first", "all", "first,last"])


def reference(stored: list[Ref], reader: frozenset[str], mode: str, types: list[str],
              ids: list[str]) -> list[tuple[str, int]]:
    versions: dict[str, list[int]] = {}
    for ref in stored:
        versions.setdefault(ref.stix_id, []).append(ref.version)
    wanted = set(mode.split(","))
    result = []
    for ref in stored:
        ok = ("all" in wanted or ("last" in wanted and ref.version == max(versions[ref.stix_id]))
              or ("first" in wanted and ref.version == min(versions[ref.stix_id])))
        if ok and ref.tokens & reader and (not types or ref.type in types) and (
                not ids or ref.stix_id in ids):
            result.append((ref.stix_id, ref.version))
    return result


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batches=batches, reader=readers, mode=version_modes,
       types=st.lists(st.sampled_from(KINDS), max_size=1), limit=st.integers(1, 8),
       pick_id=st.booleans(), data=st.data())
def test_every_read_path_returns_exactly_the_visible_versions(
        store: Store, batches: list[list[tuple[int, str, int, frozenset[str]]]],
        reader: frozenset[str], mode: str, types: list[str], limit: int, pick_id: bool,
        data: st.DataObject) -> None:
    collection = uuid.uuid4().hex
    store.collections.add(collection, "random")
    stored: list[Ref] = []
    seen: set[tuple[str, int]] = set()
    for batch in batches:
        items = []
        for n, kind, version, tokens in batch:
            obj = stix(kind, n, version, namespace=collection)
            items.append((obj, tokens))
            if (obj["id"], version) not in seen:
                seen.add((obj["id"], version))
                stored.append(Ref(obj["id"], kind, version, tokens))
        store.add_objects(collection, items, owner="test")
    ids = [data.draw(st.sampled_from([r.stix_id for r in stored]))] if pick_id else []

    expected = reference(stored, reader, mode, types, ids)

    for read in (store.page, store.manifest):
        got: list[tuple[str, int]] = []
        cursor = None
        for _ in range(1000):
            page = read(collection, reader, limit=limit, next=cursor, match_version=mode,
                        match_type=types, match_id=ids)
            assert len(page.items) <= limit
            got.extend((item.stix_id, item.version_us) for item in page.items)
            cursor = page.next
            if not page.more:
                break
        assert [(sid, _version_index(v)) for sid, v in got] == expected

    if ids:
        every = store.objects.versions(collection, ids[0], reader, limit=1000)
        assert [(e.stix_id, _version_index(e.version_us)) for e in every.items] == reference(
            stored, reader, "all", [], ids)
        one = store.objects.get(collection, ids[0], reader, match_version=mode, limit=1000)
        assert [(o.stix_id, _version_index(o.version_us)) for o in one.items] == reference(
            stored, reader, mode, [], ids)


def _version_index(version_us: int) -> int:
    return (version_us - BASE_US) // 1000


def test_every_read_path_requires_the_readers_tokens(store: Store) -> None:
    import inspect

    reads = [store.page, store.manifest, store.get_object, store.versions, store.objects.page,
             store.objects.manifest,
             store.objects.get, store.objects.versions, store.observations.query,
             store.tracks.get, store.tracks.list, store.forecasts.get, store.forecasts.list]
    for read in reads:
        parameter = inspect.signature(read).parameters["tokens"]
        assert parameter.default is inspect.Parameter.empty, read
