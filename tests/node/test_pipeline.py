"""Observations in, signed and valid STIX out: the pipeline tracks (the tracking layer's
tracker, fed batch by batch, partners' TAXII sightings included), classifies, forecasts and
publishes, each product under the most restrictive marking of its inputs."""

from __future__ import annotations

import itertools
import math
from typing import Any

from stratowatch.drift import FloatProfile, forecast
from stratowatch.sharing import Keyring, Marking, Tlp, validation_errors, verify
from stratowatch.sharing import stix as S
from stratowatch.sharing.policy import identity_id_of
from stratowatch.store import UNFILTERED
from stratowatch.winds import ZonalJet

from .conftest import Served, node_config, serve_node

T0 = 1_767_225_600.0  # 2026-01-01T00:00Z
TAXII = "application/taxii+json;version=2.1"
FIVE_EYES = Marking.of(Tlp.AMBER, ["group:five-eyes"])  # ca is in it, fr and ngo are not


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
        # 40 minutes of silence: the tracker joined the halves on a drift forecast, which is
        # kept with the track (and published under the track's marking)
        [join] = tracks[0]["joins"]
        assert join["gap_s"] >= 1800 and join["miss_m"] < 5_000 and join["llr"] > 0
        assert join["forecast_ref"] in {f["id"] for f in client.get("/api/v1/forecasts").json()
                                        if f["subject_ref"] == tracks[0]["id"]}
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


# -- the tracker behind the pipeline ---------------------------------------------------------------

def drift(start_s: float, n: int, step_s: float = 60.0, lat: float = 45.0
          ) -> list[tuple[float, float, float]]:
    """(time, lat, lon) of a balloon floating at 18 km in the node's winds, every ``step_s``."""
    ens = forecast(ZonalJet(), start=T0, lat_deg=lat, lon_deg=-100.0,
                   profile=FloatProfile(alt_m=18_000.0), duration_s=start_s - T0 + step_s * n,
                   members=1, output_every_s=step_s)
    first = round((start_s - T0) / step_s)
    return [(float(ens.times_s[k]), float(ens.lat_deg[k, 0]), float(ens.lon_deg[k, 0]))
            for k in range(first, first + n)]


def radar(points: list[tuple[float, float, float]], alt_m: float, ref: str
          ) -> list[dict[str, Any]]:
    """Primary radar plots: no callsign, no transponder; ``ref`` is the sensor's own track
    number (this sensor renumbers every batch, so only the tracker can tie batches together)."""
    return [{"time": t, "lat": lat, "lon": lon, "alt_m": alt_m, "kind": "radar",
             "sensor_id": "radar-1", "sigma_h_m": 200.0, "ref": ref} for t, lat, lon in points]


def airliner(start_s: float, n: int, step_s: float = 10.0) -> list[dict[str, Any]]:
    """An aircraft at 11 km flying east at 230 m/s, 5 km north of the balloon's start."""
    out = []
    for k in range(n):
        t = start_s + k * step_s
        lon = -100.0 + 230.0 * (t - T0) / (111_195.0 * math.cos(math.radians(45.05)))
        out.append({"time": t, "lat": 45.05, "lon": lon, "alt_m": 11_000.0, "kind": "radar",
                    "sensor_id": "radar-1", "sigma_h_m": 200.0, "ref": f"a{k}"})
    return out


def post(served: Served, partner: str, rows: list[dict[str, Any]],
         marking: dict[str, Any] | None = None) -> list[int]:
    with served.client(partner) as client:
        got = client.post("/api/v1/observations", json={
            "marking": marking or {"tlp": "TLP:GREEN"}, "observations": rows})
        assert got.status_code == 201, got.text
    served.node.pipeline.wait_idle()
    ids: list[int] = got.json()["ids"]
    return ids


def rest_tracks(served: Served, partner: str) -> list[dict[str, Any]]:
    with served.client(partner) as client:
        found: list[dict[str, Any]] = client.get("/api/v1/tracks").json()
        return found


def test_one_balloon_in_several_batches_is_one_track_whose_p_balloon_rises(served: Served
                                                                          ) -> None:
    points = drift(T0, 20)
    p_after: list[float] = []
    ids: list[int] = []
    for batch in range(4):
        ids += post(served, "ca", radar(points[5 * batch:5 * batch + 5], 18_000.0,
                                        ref=f"T{batch}"))
        tracks = rest_tracks(served, "ca")
        assert len(tracks) == 1, [t["id"] for t in tracks]
        p_after.append(tracks[0]["p_balloon"])
    track = tracks[0]
    assert track["classification"] == "free-balloon"
    # rising as the track grows (the calibrated classifier may wobble in the fourth decimal)
    assert all(b >= a - 1e-3 for a, b in itertools.pairwise(p_after)), p_after
    assert p_after[-1] > p_after[0] and p_after[-1] >= 0.9
    states = track["states"]
    assert states[0]["p_balloon"] < states[-1]["p_balloon"]  # the evidence grew with the track
    assert set(track["observations"]) == {f"observation/{i}" for i in ids}
    assert track["n_reports"] == 20 and track["sources"] == ["ca"]


def test_an_aircraft_and_a_balloon_in_the_same_batches_stay_two_tracks(served: Served
                                                                       ) -> None:
    balloon_ids: list[int] = []
    aircraft_ids: list[int] = []
    points = drift(T0, 20)
    for batch in range(4):
        start = T0 + 300.0 * batch
        rows = radar(points[5 * batch:5 * batch + 5], 18_000.0, ref=f"b{batch}")
        ids = post(served, "ca", rows + airliner(start, 30))
        balloon_ids += ids[:len(rows)]
        aircraft_ids += ids[len(rows):]
    own_view = [r.payload for r in served.node.store.tracks.list(UNFILTERED)]
    assert len(own_view) == 2
    by_class = {t["classification"]: t for t in own_view}
    assert set(by_class) == {"free-balloon", "aircraft"}
    balloon = {int(k.split("/")[1]) for k in by_class["free-balloon"]["observations"]}
    aircraft = {int(k.split("/")[1]) for k in by_class["aircraft"]["observations"]}
    assert balloon <= set(balloon_ids) and len(balloon) >= 0.8 * len(balloon_ids)
    assert aircraft <= set(aircraft_ids) and len(aircraft) >= 0.9 * len(aircraft_ids)
    assert by_class["aircraft"]["p_balloon"] < 0.1 < 0.9 <= by_class["free-balloon"]["p_balloon"]
    # the aircraft is kept for the node; partners get the balloon only
    assert [t["id"] for t in rest_tracks(served, "ca")] == [by_class["free-balloon"]["id"]]


def partner_sighting(t: float, lat: float, lon: float, marking: Marking, key: str
                     ) -> dict[str, Any]:
    """ca's own radar sighting of a balloon, as ca's node would share it."""
    return S.sighting(creator=identity_id_of("ca"),
                      balloon_ref=f"{S.BALLOON_TYPE}--6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                      marking=marking, time_s=t, lat=lat, lon=lon, alt_m=18_000.0,
                      sensor_kind="radar", sigma_h_m=200.0, report_key=key)


def add_to_inbox(served: Served, partner: str, objects: list[dict[str, Any]]) -> None:
    with served.client(partner) as client:
        status = client.post("/taxii2/api/collections/inbox/objects/",
                             json={"objects": objects}, headers={"Content-Type": TAXII}).json()
        assert status["failure_count"] == 0, status
    served.node.pipeline.wait_idle()


def track_versions(served: Served, partner: str) -> list[dict[str, Any]]:
    return sorted((o for o in all_objects(served, partner) if o["type"] == S.TRACK_TYPE),
                  key=lambda o: o["modified"])


def test_a_partners_restricted_taxii_sighting_is_fused_and_never_widened(served: Served
                                                                         ) -> None:
    points = drift(T0, 16)
    post(served, "fr", radar(points[:6], 18_000.0, ref="x"))  # fr's reports, GREEN
    [track] = rest_tracks(served, "fr")
    assert track["marking"] == {"tlp": "green", "rel_to": []}
    t, lat, lon = points[6]
    seen = partner_sighting(t, lat, lon, FIVE_EYES, "ca-radar/1")
    add_to_inbox(served, "ca", [*FIVE_EYES.marking_definitions()[1:], seen])
    post(served, "fr", radar(points[7:10], 18_000.0, ref="y"))  # more GREEN reports after it

    [fused] = rest_tracks(served, "ca")
    assert fused["id"] == track["id"]  # one object, one track
    assert seen["id"] in fused["observations"] and seen["id"] in fused["sighting_refs"]
    assert fused["sources"] == ["ca", "fr"] and fused["n_reports"] == 10
    assert fused["marking"] == {"tlp": "amber", "rel_to": [["group:five-eyes"]]}
    # through TAXII: ca reads the fused track; fr, who supplied most of it but is outside
    # five-eyes, keeps only the versions made before ca's sighting arrived
    latest_ca = track_versions(served, "ca")[-1]
    assert latest_ca["object_marking_refs"] == FIVE_EYES.object_marking_refs()
    assert seen["id"] in latest_ca["sighting_refs"]
    assert latest_ca["source_refs"] == sorted(identity_id_of(p) for p in ("ca", "fr"))
    for_fr = track_versions(served, "fr")
    assert for_fr and all(v["object_marking_refs"] == Marking.of(Tlp.GREEN).object_marking_refs()
                          for v in for_fr)
    assert for_fr[-1]["modified"] < latest_ca["modified"]
    assert rest_tracks(served, "fr") == [] and rest_tracks(served, "ngo") == []
    with served.client("fr") as client:
        assert all(f["marking"]["tlp"] == "green"
                   for f in client.get("/api/v1/forecasts").json())

    # the node's own objects coming back through the inbox are not fused again (no loops)
    own = [o for o in all_objects(served, "ca") if o["type"] == "sighting"][:2]
    add_to_inbox(served, "ca", own)
    [again] = rest_tracks(served, "ca")
    assert again["n_reports"] == 10


def test_a_restarted_node_resumes_fused_tracks_with_their_provenance(db_url: str,
                                                                     tmp_path: Any) -> None:
    config = node_config(db_url, tmp_path)
    points = drift(T0, 12)
    with serve_node(config) as first:
        post(first, "fr", radar(points[:5], 18_000.0, ref="x"))
        t, lat, lon = points[5]
        seen = partner_sighting(t, lat, lon, FIVE_EYES, "ca-radar/2")
        add_to_inbox(first, "ca", [*FIVE_EYES.marking_definitions()[1:], seen])
        [before] = rest_tracks(first, "ca")
    with serve_node(config) as second:
        second.node.pipeline.wait_idle()  # the inbox cursor was saved: nothing is read twice
        [resumed] = rest_tracks(second, "ca")
        assert resumed["n_reports"] == 6 and resumed["observations"] == before["observations"]
        post(second, "fr", radar(points[6:12], 18_000.0, ref="z"))
        [after] = rest_tracks(second, "ca")
    assert after["id"] == before["id"]
    assert after["n_reports"] == 12 and after["sources"] == ["ca", "fr"]
    assert after["observations"][:6] == before["observations"]
    assert after["marking"] == {"tlp": "amber", "rel_to": [["group:five-eyes"]]}  # kept
    assert len(after["states"]) == 12 and after["classification"] == "free-balloon"


def test_a_new_tracker_generation_keeps_every_track_under_its_key() -> None:
    """Past ``max_reports`` the tracker is rebuilt from the live tracks' latest reports; the
    node's tracks go on under the same keys, and each report belongs to one track."""
    from stratowatch.node.fusion import Fusion, Report
    from stratowatch.node.stages import make_tracker

    fusion = Fusion(lambda: make_tracker(ZonalJet()), max_reports=40)
    green = Marking.of(Tlp.GREEN)
    points = drift(T0, 60, step_s=10.0)
    owner: dict[str, str] = {}
    for batch in range(10):
        rows = radar(points[6 * batch:6 * batch + 6], 18_000.0, ref="b")
        rows += airliner(T0 + 60.0 * batch, 6)
        reports = [Report(f"observation/{batch}-{i}", row, green, "us")
                   for i, row in enumerate(rows)]
        for update in fusion.add(reports):
            for r in update.new:
                assert r.key not in owner
                owner[r.key] = update.key
    assert fusion.generations >= 3
    balloon = {owner[k] for k in owner if int(k.split("-")[1]) < 6}
    aircraft = {owner[k] for k in owner if int(k.split("-")[1]) >= 6}
    assert len(balloon) == 1 and len(aircraft) == 1 and balloon != aircraft
    assert len(owner) >= 0.9 * 120


def test_an_identifier_names_the_track_again_after_the_tracker_let_it_go() -> None:
    """An aircraft track ends after a minute of silence (the tracker's rule); when reports with
    the same ADS-B address come back, the node track takes them up under its old key. Other
    reports never inherit a key this way."""
    from stratowatch.node.fusion import Fusion, Report
    from stratowatch.node.stages import make_tracker

    fusion = Fusion(lambda: make_tracker(ZonalJet()))
    green = Marking.of(Tlp.GREEN)

    def owners(rows: list[dict[str, Any]], tag: str) -> set[str]:
        reports = [Report(f"observation/{tag}{i}", row, green, "us") for i, row in
                   enumerate(rows)]
        return {u.key for u in fusion.add(reports)}

    first = airliner(T0, 12)
    later = airliner(T0 + 900.0, 12)  # 15 minutes later, 200 km further east
    for row in first + later:
        row["icao24"] = "abc123"
    stranger = [dict(row, lat=row["lat"] + 1.0, ref="s") for row in airliner(T0 + 900.0, 12)]
    [before] = owners(first, "a")
    [after] = owners(later, "b")
    [other] = owners(stranger, "c")
    assert after == before and other != before
