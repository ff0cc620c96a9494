"""The object store as the TAXII server uses it: add, page, manifest, versions, filters."""

from __future__ import annotations

import json
import threading

import pytest

from stratowatch.errors import ConfigError, ParseError
from stratowatch.store import UNFILTERED, CursorError, NewObject, Store, parse_us

from .helpers import stix

C = "collection-a"
EVERYONE = frozenset({"*"})


@pytest.fixture
def coll(store: Store) -> Store:
    store.collections.add(C, "A", can_read=True)
    return store


def all_pages(store: Store, tokens: set[str], **kwargs: object) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = store.page(C, tokens, next=cursor, **kwargs)  # type: ignore[arg-type]
        seen.extend(f"{o.stix_id}@{o.version}" for o in page.items)
        if not page.more:
            assert page.next is None
            return seen
        assert page.next is not None
        cursor = page.next


def test_added_objects_come_back_with_their_json_owner_and_signature(coll: Store) -> None:
    obj = stix(n=1, name="balloon ü")
    coll.add_objects(C, [NewObject(obj, EVERYONE, signature="sig-1")], owner="ca")
    page = coll.page(C, {"*"})
    [got] = page.items
    assert got.data() == obj
    assert got.signature == "sig-1" and got.owner == "ca"
    assert got.version == obj["modified"] and got.spec_version == "2.1"
    assert got.media_type == "application/stix+json;version=2.1"
    assert page.date_added_first == page.date_added_last == got.date_added
    assert not page.more and page.next is None


def test_json_text_is_stored_verbatim(coll: Store) -> None:
    obj = stix(n=1)
    text = json.dumps(obj, indent=1, sort_keys=True)
    coll.add_objects(C, [NewObject(obj, EVERYONE, json_text=text)], owner=None)
    assert coll.page(C, {"*"}).items[0].json == text


def test_ingest_is_idempotent_by_id_and_version(coll: Store) -> None:
    batch = [(stix(n=i), EVERYONE) for i in range(5)]
    first = coll.add_objects(C, batch, owner="ca")
    assert len(first.added) == 5 and not first.duplicates
    again = coll.add_objects(C, [*batch, (stix(n=9), EVERYONE), (stix(n=9), EVERYONE)], "ca")
    assert [r.stix_id for r in again.added] == [stix(n=9)["id"]]
    assert len(again.duplicates) == 6
    assert len(coll.page(C, {"*"}).items) == 6


def test_paging_with_next_returns_every_visible_version_once_in_order(coll: Store) -> None:
    for b in range(4):
        coll.add_objects(C, [(stix(n=b * 10 + i), EVERYONE) for i in range(10)], owner=None)
    got = all_pages(coll, {"*"}, limit=7)
    assert len(got) == 40 and len(set(got)) == 40
    ids = [o.stix_id for o in coll.page(C, {"*"}, limit=100).items]
    assert [g.split("@")[0] for g in got] == ids


def test_date_added_rises_strictly_so_added_after_pages_like_next(coll: Store) -> None:
    coll.add_objects(C, [(stix(n=i), EVERYONE) for i in range(30)], owner=None)
    items = coll.page(C, {"*"}, limit=100).items
    dates = [o.date_added_us for o in items]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    first = coll.page(C, {"*"}, limit=10)
    assert first.date_added_last is not None
    after = coll.page(C, {"*"}, limit=10, added_after=first.date_added_last)
    assert [o.stix_id for o in after.items] == [o.stix_id for o in items[10:20]]
    assert parse_us(first.date_added_last) == items[9].date_added_us


def test_a_cursor_cannot_be_forged_or_moved_to_another_query(coll: Store) -> None:
    coll.collections.add("other", "B")
    coll.add_objects(C, [(stix(n=i), EVERYONE) for i in range(3)], owner=None)
    cursor = coll.page(C, {"*"}, limit=1).next
    assert cursor is not None
    with pytest.raises(CursorError):
        coll.page("other", {"*"}, next=cursor)
    with pytest.raises(CursorError):
        coll.page(C, {"*"}, next=cursor, match_type=["indicator"])
    with pytest.raises(CursorError):
        coll.page(C, {"*"}, next=cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB"))
    with pytest.raises(CursorError):
        coll.page(C, {"*"}, next="not a cursor!")
    assert len(coll.page(C, {"*"}, next=cursor, limit=5).items) == 2


def test_versions_last_first_all_and_timestamps(coll: Store) -> None:
    # Versions arrive out of order: 1, then 2, then 0.
    for v in (1, 2, 0):
        coll.add_objects(C, [(stix(n=1, version=v), EVERYONE)], owner=None)
    v0, v1, v2 = (stix(n=1, version=v)["modified"] for v in (0, 1, 2))

    def versions(**kwargs: object) -> list[str]:
        return [o.version for o in coll.page(C, {"*"}, **kwargs).items]  # type: ignore[arg-type]

    assert versions() == [v2]
    assert versions(match_version="first") == [v0]
    assert versions(match_version="all") == [v1, v2, v0]
    assert versions(match_version="first,last") == [v2, v0]
    assert versions(match_version=[v1]) == [v1]
    assert versions(match_version=["last", v1]) == [v1, v2]
    listing = coll.objects.versions(C, stix(n=1)["id"], {"*"})
    assert [e.version for e in listing.items] == [v1, v2, v0]
    got = coll.objects.get(C, stix(n=1)["id"], {"*"}, match_version="all")
    assert len(got.items) == 3


def test_match_type_id_and_spec_version(coll: Store) -> None:
    coll.add_objects(C, [(stix("indicator", 1), EVERYONE), (stix("sighting", 2), EVERYONE),
                         (stix("note", 3), EVERYONE)], owner=None)
    assert [o.type for o in coll.page(C, {"*"}, match_type=["sighting", "note"]).items] == [
        "sighting", "note"]
    assert [o.type for o in coll.page(C, {"*"}, match_type="note,indicator").items] == [
        "indicator", "note"]
    assert [o.type for o in coll.page(C, {"*"}, match_id=[stix("sighting", 2)["id"]]).items] == [
        "sighting"]
    assert len(coll.page(C, {"*"}, match_spec_version=["2.1"]).items) == 3
    assert coll.page(C, {"*"}, match_spec_version=["2.0"]).items == []


def test_manifest_lists_what_page_returns(coll: Store) -> None:
    coll.add_objects(C, [(stix(n=i), EVERYONE if i % 2 else {"partner:ca"}) for i in range(6)],
                     owner=None)
    manifest = coll.manifest(C, {"*"}, limit=2)
    page = coll.page(C, {"*"}, limit=2)
    assert [e.stix_id for e in manifest.items] == [o.stix_id for o in page.items]
    record = manifest.items[0].to_taxii()
    assert set(record) == {"id", "date_added", "version", "media_type"}
    rest = coll.manifest(C, {"*"}, next=manifest.next)
    assert len(rest.items) == 1


def test_readers_see_only_objects_whose_tokens_they_hold(coll: Store) -> None:
    coll.add_objects(C, [(stix(n=1), {"partner:ca"}), (stix(n=2), {"group:fvey", "partner:uk"}),
                         (stix(n=3), {"*"})], owner=None)

    def ids(tokens: object) -> list[int]:
        page = coll.page(C, tokens)  # type: ignore[arg-type]
        return sorted(int(o.stix_id == stix(n=2)["id"]) * 2 + int(o.stix_id == stix(n=1)["id"])
                      + int(o.stix_id == stix(n=3)["id"]) * 3 for o in page.items)

    assert ids({"*"}) == [3]
    assert ids({"*", "partner:ca"}) == [1, 3]
    assert ids(["group:fvey"]) == [2]
    assert ids(set()) == []
    assert ids(UNFILTERED) == [1, 2, 3]
    with pytest.raises(ConfigError):
        coll.page(C, "partner:ca")  # a string is not a set of tokens


def test_bad_batches_are_rejected_whole(coll: Store) -> None:
    good = (stix(n=1), EVERYONE)
    bad_cases = [
        ({**stix(n=2), "id": "indicator--nope"}, EVERYONE),
        ({**stix(n=2), "type": "note"}, EVERYONE),
        ({**stix(n=2), "modified": "yesterday"}, EVERYONE),
        (stix(n=2), frozenset()),
        (stix(n=2), "*"),
    ]
    for bad in bad_cases:
        with pytest.raises(ParseError, match=r"objects\[1\]"):
            coll.add_objects(C, [good, bad], owner=None)  # type: ignore[list-item]
    assert coll.page(C, UNFILTERED).items == []
    with pytest.raises(ConfigError, match="no collection"):
        coll.add_objects("missing", [good], owner=None)
    with pytest.raises(ConfigError, match="limit"):
        coll.page(C, {"*"}, limit=0)


def test_unversioned_objects_are_stored_once(coll: Store) -> None:
    sco = {"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
           "value": "198.51.100.3"}
    coll.add_objects(C, [(sco, EVERYONE)], owner=None)
    again = coll.add_objects(C, [(sco, EVERYONE)], owner=None)
    assert again.added == [] and len(again.duplicates) == 1
    assert coll.page(C, {"*"}).items[0].spec_version == "2.1"


def test_collections_keep_separate_versions(coll: Store) -> None:
    coll.collections.add("b", "B")
    coll.add_objects(C, [(stix(n=1), EVERYONE)], owner=None)
    result = coll.add_objects("b", [(stix(n=1), EVERYONE)], owner=None)
    assert len(result.added) == 1
    assert len(coll.page("b", {"*"}).items) == 1


def test_concurrent_writers_keep_sequence_and_date_added_in_step(coll: Store) -> None:
    def writer(w: int) -> None:
        for b in range(5):
            coll.add_objects(C, [(stix(n=w * 1000 + b * 10 + i), EVERYONE) for i in range(10)],
                             owner=None)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = coll.page(C, {"*"}, limit=1000).items
    assert len(items) == 200
    seqs = [o.added_seq for o in items]
    dates = [o.date_added_us for o in items]
    assert seqs == sorted(seqs) and dates == sorted(dates) and len(set(dates)) == 200


def test_deleting_versions_refixes_flags_and_never_reuses_positions(coll: Store) -> None:
    for v in (0, 1, 2):
        coll.add_objects(C, [(stix(n=1, version=v), EVERYONE)], owner="ca")
    coll.add_objects(C, [(stix(n=2), EVERYONE)], owner="uk")
    cursor_page = coll.page(C, {"*"}, match_version="all", limit=4)
    assert not cursor_page.more
    last_seq = cursor_page.items[-1].added_seq
    assert coll.objects.delete(C, stix(n=1)["id"], owner="uk") == 0
    assert coll.objects.delete(C, stix(n=1)["id"], owner="ca", match_version="last") == 1
    assert [o.version for o in coll.objects.get(C, stix(n=1)["id"], {"*"}).items] == [
        stix(n=1, version=1)["modified"]]
    assert coll.objects.delete(C, stix(n=2)["id"], owner=UNFILTERED) == 1
    added = coll.add_objects(C, [(stix(n=3), EVERYONE)], owner="ca")
    assert added.date_added_first_us is not None
    newest = coll.page(C, {"*"}, match_id=[stix(n=3)["id"]]).items[0]
    assert newest.added_seq > last_seq
    assert newest.date_added_us > cursor_page.items[-1].date_added_us
