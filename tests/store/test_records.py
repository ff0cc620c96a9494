"""Audit log, TAXII status, federation cursors, observations, tracks and forecasts."""

from __future__ import annotations

import pytest

from stratowatch.errors import ConfigError, ParseError
from stratowatch.store import UNFILTERED, ObjectRef, Store, TrackEntry, status_of

from .helpers import stix


def test_audit_records_who_received_what_by_which_path(store: Store) -> None:
    store.collections.add("c", "C")
    store.add_objects("c", [(stix(n=i), {"*"}) for i in range(3)], owner=None)
    page = store.page("c", {"*"})
    assert store.audit.record("ca", "taxii.objects", page.items, collection_id="c") == 3
    store.audit.record("uk", "rest.tracks", [ObjectRef(stix(n=0)["id"], 5)])
    mine = store.audit.entries(partner_id="ca")
    assert [e.stix_id for e in mine] == [o.stix_id for o in page.items]
    assert all(e.path == "taxii.objects" and e.collection_id == "c" for e in mine)
    assert len(store.audit.entries(stix_id=stix(n=0)["id"])) == 2


def test_status_is_saved_and_readable_only_by_its_requester(store: Store) -> None:
    store.collections.add("c", "C")
    result = store.add_objects("c", [(stix(n=1), {"*"})], owner="ca")
    status = status_of(result, "c", "ca", failures=[{"id": "x--1", "message": "bad"}])
    store.status.save(status)
    got = store.status.get(status.id, "ca")
    assert got is not None and got.to_taxii()["success_count"] == 1
    assert got.to_taxii()["failure_count"] == 1 and got.to_taxii()["total_count"] == 2
    assert store.status.get(status.id, "uk") is None


def test_peer_cursors_persist_per_peer_and_collection(store: Store) -> None:
    assert store.peer_cursors.get("uk", "c") is None
    store.peer_cursors.set("uk", "c", "cursor-1")
    store.peer_cursors.set("uk", "c", "cursor-2")
    store.peer_cursors.set("uk", "d", "cursor-3")
    assert store.peer_cursors.get("uk", "c") == "cursor-2"
    assert store.peer_cursors.of_peer("uk") == {"c": "cursor-2", "d": "cursor-3"}


def test_observations_round_trip_and_respect_tokens(store: Store) -> None:
    rows = [{"time": "2024-01-01T00:00:00Z", "lat": 45.0, "lon": -75.0, "alt_m": 18000.0,
             "sensor_id": "r1", "kind": "radar", "sigma_h_m": 150.0, "rcs_dbsm": -10.5},
            {"time": 1704067260.5, "lat": 45.1, "lon": -74.9, "alt_m": 18010.0}]
    ids = store.observations.add(rows, {"partner:ca"})
    assert len(ids) == 2
    store.observations.add([{"time": 0, "lat": 0, "lon": 0, "alt_m": 0}], {"*"})
    mine = store.observations.query({"partner:ca"}, since="2024-01-01T00:00:00Z")
    assert [o["time"] for o in mine] == [1704067200.0, 1704067260.5]
    assert mine[0]["sensor_id"] == "r1" and mine[0]["rcs_dbsm"] == -10.5
    assert mine[1]["kind"] is None
    assert len(store.observations.query({"*"})) == 1
    assert len(store.observations.query(UNFILTERED)) == 3
    assert store.observations.query(set()) == []
    assert store.observations.query({"partner:ca"}, sensor_id="r1")[0]["id"] == ids[0]
    with pytest.raises(ParseError, match=r"observations\[0\]"):
        store.observations.add([{"time": 0, "lat": 0, "lon": 0}], {"*"})
    with pytest.raises(ConfigError):
        store.observations.add(rows, set())


def test_tracks_and_forecasts_replace_whole_and_respect_tokens(store: Store) -> None:
    store.tracks.put("t1", {"points": [1, 2]}, {"partner:ca"}, classification="balloon",
                     updated_us=10)
    store.tracks.put("t1", {"points": [1, 2, 3]}, {"partner:ca", "*"}, updated_us=20)
    track = store.tracks.get("t1", {"*"})
    assert track is not None and track.payload == {"points": [1, 2, 3]}
    assert track.created_us == 10 and track.updated_us == 20 and track.classification is None
    store.tracks.put("t2", {}, {"partner:uk"}, updated_us=30)
    assert [t.id for t in store.tracks.list({"partner:ca"})] == ["t1"]
    assert [t.id for t in store.tracks.list(UNFILTERED, since_us=15)] == ["t1", "t2"]
    assert store.tracks.get("t2", {"*"}) is None
    store.forecasts.put("f1", {"cone": []}, {"*"}, track_id="t1", issued_us=5)
    store.forecasts.put("f2", {"cone": []}, {"partner:uk"}, track_id="t1", issued_us=6)
    assert [f.id for f in store.forecasts.list({"*"}, track_id="t1")] == ["f1"]
    assert store.forecasts.get("f2", {"partner:uk"}) is not None
    assert store.forecasts.get("f2", {"*"}) is None


def test_several_tracks_are_stored_together_or_not_at_all(store: Store) -> None:
    store.tracks.put_many([TrackEntry("a", {"n": 1}, {"*"}, updated_us=1),
                           TrackEntry("b", {"n": 2}, {"partner:ca"}, updated_us=2)])
    assert [t.id for t in store.tracks.list(UNFILTERED)] == ["a", "b"]
    assert [t.id for t in store.tracks.list({"partner:ca"})] == ["b"]
    with pytest.raises(TypeError):  # the second payload cannot be stored: neither is
        store.tracks.put_many([TrackEntry("a", {"n": 9}, {"*"}, updated_us=3),
                               TrackEntry("c", {"n": object()}, {"*"}, updated_us=4)])
    kept = store.tracks.get("a", {"*"})
    assert kept is not None and kept.payload == {"n": 1}
    assert store.tracks.get("c", UNFILTERED) is None
    store.tracks.put_many([])


def test_observations_from_sensing_store_nan_as_not_reported(store: Store) -> None:
    from stratowatch.sensing import Observations

    batch = Observations.from_columns({"time": [1.7e9], "lat": [45.0], "lon": [179.5],
                                       "alt_m": [18000.0], "kind": ["telemetry"]})
    assert store.observations.add(batch.records(), {"*"})
    store.observations.add([{"time": 1.7e9 + 1, "lat": 0.0, "lon": 200.0, "alt_m": 1.0}], {"*"})
    first, second = store.observations.query({"*"})
    assert first["vx_mps"] is None and first["rcs_dbsm"] is None
    assert first["kind"] == "telemetry"
    assert second["lon"] == pytest.approx(-160.0)  # longitudes are kept in [-180, 180)
    with pytest.raises(ParseError, match=r"observations\[0\]\.alt_m"):
        store.observations.add([{"time": 0, "lat": 0, "lon": 0, "alt_m": float("nan")}], {"*"})
    with pytest.raises(ParseError, match=r"observations\[0\]\.lat"):
        store.observations.add([{"time": 0, "lat": "north", "lon": 0, "alt_m": 0}], {"*"})
