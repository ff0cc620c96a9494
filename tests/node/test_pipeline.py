"""Observations in, signed and valid STIX out: the pipeline tracks, classifies, forecasts and
publishes, each product under the most restrictive marking of its inputs."""

from __future__ import annotations

from typing import Any

from stratowatch.drift import FloatProfile, forecast
from stratowatch.sharing import Keyring, Marking, Tlp, validation_errors, verify
from stratowatch.sharing import stix as S
from stratowatch.store import UNFILTERED
from stratowatch.winds import ZonalJet

from .conftest import Served, node_config, serve_node

T0 = 1_767_225_600.0  # 2026-01-01T00:00Z


def reports(callsign: str, start_s: float, n: int, lat: float = 45.0) -> list[dict[str, Any]]:
    """Telemetry of a balloon drifting in the node's winds (the classifier checks the physics:
    a report track that does not move with the wind is not a free balloon)."""
    ens = forecast(ZonalJet(), start=T0, lat_deg=lat, lon_deg=-100.0,
                   profile=FloatProfile(alt_m=18_000.0), duration_s=start_s - T0 + 600 * n,
                   members=1, output_every_s=600.0)
    first = round((start_s - T0) / 600)
    return [{"time": float(ens.times_s[k]), "lat": float(ens.lat_deg[k, 0]),
             "lon": float(ens.lon_deg[k, 0]), "alt_m": 18_000.0, "kind": "telemetry",
             "callsign": callsign, "sigma_h_m": 30.0} for k in range(first, first + n)]


def all_objects(served: Served, partner: str, collection: str = "balloons"
                ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with served.client(partner) as client:
        params: dict[str, Any] = {"limit": 1000, "match[version]": "all"}
        while True:
            page = client.get(f"/taxii2/api/collections/{collection}/objects/",
                              params=params).json()
            out += page.get("objects", [])
            if not page["more"]:
                return out
            params["next"] = page["next"]


def test_every_object_the_node_emits_is_signed_and_passes_the_validator(served: Served
                                                                        ) -> None:
    with served.client("ca") as client:
        got = client.post("/api/v1/observations", json={
            "marking": {"tlp": "TLP:GREEN"}, "observations": reports("B-1", T0, 8)})
        assert got.status_code == 201, got.text
        assert len(got.json()["ids"]) == 8
    served.node.pipeline.wait_idle()
    objects = all_objects(served, "ca")
    kinds = {o["type"] for o in objects}
    assert {"sighting", S.BALLOON_TYPE, S.TRACK_TYPE, S.FORECAST_TYPE, "identity",
            "marking-definition", "extension-definition"} <= kinds
    keyring = Keyring()
    keyring.add(served.node.signer.identity_id, served.node.signer.public_key)
    for obj in objects:
        assert validation_errors(obj) == [], (obj["id"], validation_errors(obj))
        if obj.get("created_by_ref") == served.node.signer.identity_id:
            verify(obj, keyring)
    forecast = next(o for o in objects if o["type"] == S.FORECAST_TYPE)
    assert forecast["regions"] and forecast["median_track"]


def test_products_inherit_the_most_restrictive_marking_of_their_inputs(served: Served) -> None:
    with served.client("ca") as client:
        client.post("/api/v1/observations", json={
            "marking": {"tlp": "TLP:GREEN"}, "observations": reports("B-2", T0, 3)})
        served.node.pipeline.wait_idle()
        with served.client("fr") as fr:
            assert len(fr.get("/api/v1/tracks").json()) == 1
        client.post("/api/v1/observations", json={
            "marking": {"tlp": "TLP:AMBER", "rel_to": ["group:five-eyes"]},
            "observations": reports("B-2", T0 + 3600, 3)})
        served.node.pipeline.wait_idle()
        tracks = client.get("/api/v1/tracks").json()
        assert len(tracks) == 1
        assert tracks[0]["marking"] == {"tlp": "amber", "rel_to": [["group:five-eyes"]]}
    with served.client("fr") as fr:  # not in five-eyes: the fused track is no longer for it
        assert fr.get("/api/v1/tracks").json() == []
        track_versions = [o for o in all_objects(served, "fr") if o["type"] == S.TRACK_TYPE]
        assert len(track_versions) == 1  # the GREEN version from before only
        assert track_versions[0]["object_marking_refs"] == Marking.of(
            Tlp.GREEN).object_marking_refs()
        forecasts = fr.get("/api/v1/forecasts").json()
        assert all(f["marking"]["tlp"] == "green" for f in forecasts)
    with served.client("ngo") as ngo:  # outside the community: nothing GREEN or above
        assert ngo.get("/api/v1/tracks").json() == []
        assert ngo.get("/api/v1/observations").json() == []


def test_a_restarted_node_resumes_its_tracks_and_keeps_its_key(db_url: str, tmp_path: Any
                                                                ) -> None:
    config = node_config(db_url, tmp_path)
    with serve_node(config) as first:
        key = first.node.signer.key_id
        with first.client("ca") as client:
            client.post("/api/v1/observations", json={"observations": reports("B-3", T0, 2)})
        first.node.pipeline.wait_idle()
    with serve_node(config) as second:
        assert second.node.signer.key_id == key
        with second.client("ca") as client:
            client.post("/api/v1/observations",
                        json={"observations": reports("B-3", T0 + 1200, 2)})
        second.node.pipeline.wait_idle()
        tracks = second.node.store.tracks.list(UNFILTERED)
        assert len(tracks) == 1 and len(tracks[0].payload["states"]) == 4
