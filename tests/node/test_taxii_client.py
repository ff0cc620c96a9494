"""The OASIS taxii2-client works against the node: collections, paging 10,000 objects with
``next`` and with ``added_after``, adding a bundle; TAXII media types, headers and errors."""

from __future__ import annotations

import gc
import uuid
from typing import Any

import httpx
import pytest

pytest.importorskip("taxii2client", reason="pip install taxii2-client")
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from stratowatch.sharing import Marking, Tlp
from stratowatch.sharing import stix as S
from stratowatch.sharing.policy import identity_id_of

from .conftest import PASSWORD, Served

TAXII = "application/taxii+json;version=2.1"
N = 10_000


def sightings(n: int, creator: str = "ca", marking: Marking | None = None,
              start: int = 0) -> list[dict[str, Any]]:
    """n sighting objects created by ``creator`` (its identity), marked ``marking``."""
    mark = marking or Marking.of(Tlp.GREEN)
    who = identity_id_of(creator)
    balloon = f"x-stratowatch-balloon--{uuid.uuid5(uuid.NAMESPACE_URL, creator)}"
    return [S.sighting(creator=who, balloon_ref=balloon, marking=mark,
                       time_s=1_767_225_600 + start + i, lat=45.0 + i * 1e-4, lon=-100.0,
                       alt_m=18_000.0, sensor_kind="radar", report_key=f"r{start + i}")
            for i in range(n)]


def test_client_lists_collections_pages_10000_objects_and_adds_a_bundle(served: Served) -> None:
    server = Server(f"{served.url}/taxii2/", user="ca", password=PASSWORD)
    assert server.title == "Test node"
    root: ApiRoot = server.api_roots[0]
    ids = {c.id for c in root.collections}
    assert ids == {"balloons", "inbox"}
    inbox: Collection = next(c for c in root.collections if c.id == "inbox")
    assert inbox.can_write and inbox.can_read

    objects = sightings(N)
    statuses = [inbox.add_objects(S.bundle(objects[i:i + 2500]), wait_for_completion=False)
                for i in range(0, N, 2500)]
    assert all(s.status == "complete" and s.success_count == 2500 for s in statuses)
    again = root.get_status(statuses[0].id)
    assert again.total_count == 2500

    # next: every object exactly once, in order
    seen: list[str] = []
    for envelope in as_pages(inbox.get_objects, per_request=1000):
        seen += [o["id"] for o in envelope.get("objects", [])]
    want = [o["id"] for o in objects]
    assert seen == want

    # added_after: a client without cursors pages by the date_added of the last object it got
    # (from the manifest of the same query, as taxii2-client does not expose the headers)
    seen = []
    after = None
    while True:
        kwargs: dict[str, Any] = {"limit": 1000}
        if after is not None:
            kwargs["added_after"] = after
        got = [o["id"] for o in inbox.get_objects(**kwargs).get("objects", [])]
        if not got:
            break
        seen += got
        after = inbox.get_manifest(**kwargs)["objects"][-1]["date_added"]
    assert seen == want

    manifest = inbox.get_manifest(limit=5)
    assert len(manifest["objects"]) == 5 and manifest["more"] is True
    one = inbox.get_object(want[0])
    assert one["objects"][0]["id"] == want[0]
    versions = httpx.get(f"{inbox.url}objects/{want[0]}/versions/", auth=("ca", PASSWORD))
    assert versions.json()["versions"] == [objects[0]["modified"]]


def test_taxii_media_types_headers_and_error_messages(served: Served) -> None:
    with served.client() as client:
        base = "/taxii2/api/collections/inbox/"
        added = client.post(f"{base}objects/", json=S.bundle(sightings(3)),
                            headers={"Content-Type": TAXII, "Accept": TAXII})
        assert added.status_code == 202
        assert added.headers["content-type"] == TAXII
        page = client.get(f"{base}objects/", params={"limit": 2}, headers={"Accept": TAXII})
        assert page.headers["content-type"] == TAXII
        assert page.headers["X-TAXII-Date-Added-First"] < page.headers["X-TAXII-Date-Added-Last"]
        assert page.json()["more"] is True and page.json()["next"]
        by_type = client.get(f"{base}objects/", params={"match[type]": "sighting"}).json()
        assert len(by_type["objects"]) == 3
        assert client.get(f"{base}objects/", params={"match[type]": "indicator"}).json() == {
            "more": False}
        manifest = client.get(f"{base}manifest/").json()
        assert {m["media_type"] for m in manifest["objects"]} == {
            "application/stix+json;version=2.1"}
        bad = client.get(f"{base}objects/", params={"added_after": "yesterday"})
        assert bad.status_code == 400 and bad.headers["content-type"] == TAXII
        assert set(bad.json()) == {"title", "description", "http_status"}
        assert bad.json()["http_status"] == "400"
        forged = client.get(f"{base}objects/", params={"next": "AAAA"})
        assert forged.status_code == 400
        assert client.get("/taxii2/api/collections/nope/objects/").status_code == 404
        assert client.get(f"{base}objects/", headers={"Accept": "text/html"}).status_code == 406
        assert client.post(f"{base}objects/", content=b"{}",
                           headers={"Content-Type": "text/plain"}).status_code == 415
        nul = client.get(f"{base}objects/", params={"match[type]": "a\x00b"})
        assert nul.status_code == 400 and nul.headers["content-type"] == TAXII
        bad_creator = dict(sightings(1, start=900)[0], created_by_ref="identity--\x00")
        status = client.post(f"{base}objects/", json={"objects": [bad_creator]},
                             headers={"Content-Type": TAXII})
        assert status.status_code == 202 and status.json()["failure_count"] == 1
        rest = client.post("/api/v1/observations", json={"observations": [
            {"time": 0, "lat": 0, "lon": 0, "alt_m": 0, "sensor_id": "a\x00"}]})
        assert rest.status_code == 400
        readonly = client.post("/taxii2/api/collections/balloons/objects/",
                               json={"objects": []}, headers={"Content-Type": TAXII})
        assert readonly.status_code == 403


def test_adding_is_idempotent_by_id_and_modified_and_reports_bad_objects(served: Served
                                                                         ) -> None:
    objs = sightings(2)
    broken = {"type": "sighting", "id": "sighting--not-a-uuid"}
    unknown_marking = dict(sightings(1, start=50)[0],
                           object_marking_refs=[f"marking-definition--{uuid.uuid4()}"])
    with served.client() as client:
        url = "/taxii2/api/collections/inbox/objects/"
        first = client.post(url, json={"objects": [*objs, broken, unknown_marking]},
                            headers={"Content-Type": TAXII}).json()
        assert first["success_count"] == 2 and first["failure_count"] == 2
        assert {f["id"] for f in first["failures"]} == {broken["id"], unknown_marking["id"]}
        second = client.post(url, json={"objects": objs}, headers={"Content-Type": TAXII}).json()
        assert second["success_count"] == 2
        assert len(client.get(url).json()["objects"]) == 2


def test_garbage_collector_runs_again_after_every_add_objects_request(served: Served) -> None:
    # Ingest pauses the cyclic collector while a bundle is handled; it must never stay off,
    # whether the bundle was stored, partly refused, or not JSON at all.
    assert gc.isenabled()
    url = "/taxii2/api/collections/inbox/objects/"
    headers = {"Content-Type": TAXII}
    with served.client() as client:
        stored = client.post(url, json={"objects": sightings(3, start=900)}, headers=headers)
        assert stored.status_code == 202 and stored.json()["success_count"] == 3
        assert gc.isenabled()
        partly = client.post(url, json={"objects": [{"type": "sighting", "id": "x"}]},
                             headers=headers)
        assert partly.status_code == 202 and partly.json()["failure_count"] == 1
        assert gc.isenabled()
        garbage = client.post(url, content=b"{not json", headers=headers)
        assert garbage.status_code == 400
        assert gc.isenabled()


def test_overlapping_ingest_pauses_resume_the_collector_after_the_last() -> None:
    from stratowatch.node.inbound import batch_gc_pause

    assert gc.isenabled()
    with batch_gc_pause:
        assert not gc.isenabled()
        with batch_gc_pause:  # a second request in flight
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first one is still handling its bundle
    assert gc.isenabled()
    gc.disable()  # a process that turned the collector off keeps it off
    try:
        with batch_gc_pause:
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
