"""STIX 2.1 mapping: every kind passes the OASIS validator, ids are stable, versions are owned."""

from __future__ import annotations

from typing import Any

import pytest
import stix2

from stratowatch.errors import ConfigError, ReleasabilityError
from stratowatch.sharing import (
    Marking,
    Partner,
    Signer,
    Tlp,
    generate_key,
    most_restrictive,
    new_version,
    sanitise,
    validation_errors,
)
from stratowatch.sharing import stix as S
from stratowatch.sharing.signing import SIGNATURE_EXTENSION_ID
from stratowatch.sharing.stix import validation_report

UK = Partner("uk", "United Kingdom", frozenset({"five-eyes"}))
CA = Partner("ca", "Canada")
T0 = 1_700_000_000.0
MARK = Marking.of(Tlp.AMBER, ["group:five-eyes", "partner:fr"])
SIGNER = Signer(UK.identity_id, generate_key())


def emitted() -> dict[str, dict[str, Any]]:
    """One object of every kind the node emits, signed where the node creates it."""
    me = UK.identity_id
    b = S.balloon(creator=me, local_id="b1", marking=MARK, created_s=T0, class_probability=0.93)
    s = S.sighting(creator=me, balloon_ref=b["id"], marking=MARK, time_s=T0 + 0.25, lat=52.1,
                   lon=181.5, alt_m=18_500.0, sensor_kind="radar", sigma_h_m=450.0,
                   sigma_v_m=900.0, velocity_mps=(12.5, -3.0, 0.0), sensor_id="r-1")
    t = S.track(creator=me, local_id="t1", balloon_ref=b["id"],
                marking=most_restrictive([MARK, Marking.of(Tlp.GREEN)]),
                states=[S.TrackPoint(T0 + 60, 52.2, -178.0, 18_500.0, (12.0, -3.0, 0.1), 300.0),
                        S.TrackPoint(T0, 52.1, -178.5, 18_490.0)],
                sighting_refs=[s["id"]], source_refs=[UK.identity_id], class_probability=0.9)
    f = S.forecast(creator=me, local_id="f1", subject_ref=t["id"], marking=MARK, issued_s=T0,
                   lead_times_s=[3600.0, 7200.0],
                   median_track=[S.TrackPoint(T0 + 3600, 52.5, -176.0, 18_500.0)],
                   regions=[S.ForecastRegion(3600.0, 0.5, {
                       "type": "Polygon",
                       "coordinates": [[[-176.5, 52.0], [-175.5, 52.0], [-176.0, 53.0],
                                        [-176.5, 52.0]]]}),
                            S.ForecastRegion(3600.0, 0.9, '{"type":"Point","coordinates":[0,0]}')],
                   airspace_entries=[S.AirspaceEntry("us-adiz", 0.4,
                                                     {"q10": T0 + 5000, "q50": T0 + 6000})],
                   members=64, wind_source="gfs-0p50")
    a = S.alert(creator=me, local_id="a1", subject_ref=t["id"], forecast_ref=f["id"],
                marking=MARK, created_s=T0, zone_id="us-adiz", alert_level="warning",
                message="may enter US ADIZ within 2 h", probability=0.4, entry_time_s=T0 + 6000)
    i = S.identity(UK, created_s=T0, contact="ops@example.org")
    mine = {o["type"]: SIGNER.sign(o) for o in (b, s, t, f, a, i)}
    minimal = S.forecast(creator=me, local_id="f0", subject_ref=b["id"], marking=MARK,
                         issued_s=T0, lead_times_s=[], median_track=[])
    rel, tlp = MARK.marking_definitions()[::-1]
    nobody = Marking.of(Tlp.GREEN, []).marking_definitions()[1]
    return {**mine, "forecast-minimal": SIGNER.sign(minimal), "rel-to": rel,
            "rel-to-nobody": nobody, "tlp": tlp, "project": S.project_identity(),
            **{f"ext-{k}": e for k, e in enumerate(S.extension_definitions())}}


OBJECTS = emitted()


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_every_emitted_kind_passes_the_oasis_validator(kind: str) -> None:
    errors, warnings = validation_report(OBJECTS[kind])
    assert errors == []
    # Only the knowing departure from UUIDv4 (deterministic ids) may be warned about.
    assert [w for w in warnings if "UUIDv4" not in w] == []


def test_a_whole_bundle_passes_the_validator_and_stix2_parses_it() -> None:
    bundle = S.bundle(list(OBJECTS.values()))
    assert validation_errors(bundle) == []
    parsed = stix2.parse(bundle, allow_custom=True)
    assert len(parsed.objects) == len(OBJECTS)


def test_new_types_are_declared_by_their_extension_definitions() -> None:
    defs = {d["id"]: d for d in S.extension_definitions()}
    for t in S.NEW_SDO_TYPES:
        obj = next(o for o in OBJECTS.values() if o["type"] == t)
        ext = S.SDO_EXTENSION_IDS[t]
        assert obj["extensions"][ext] == {"extension_type": "new-sdo"}
        assert defs[ext]["extension_types"] == ["new-sdo"]
        assert defs[ext]["created_by_ref"] == S.PROJECT_IDENTITY_ID


def test_sighting_carries_the_report_in_its_property_extension() -> None:
    ext = OBJECTS["sighting"]["extensions"][S.OBSERVATION_EXTENSION_ID]
    assert ext["extension_type"] == "property-extension"
    assert ext["time"] == "2023-11-14T22:13:20.250Z"
    assert ext["lon"] == pytest.approx(-178.5)  # normalised to [-180, 180)
    assert (ext["alt_m"], ext["sigma_h_m"], ext["sigma_v_m"]) == (18_500.0, 450.0, 900.0)
    assert ext["velocity_mps"] == [12.5, -3.0, 0.0] and ext["sensor_kind"] == "radar"


def test_track_states_are_time_ordered_and_bound_first_last_seen() -> None:
    t = OBJECTS["x-stratowatch-track"]
    assert [s["time"] for s in t["states"]] == sorted(s["time"] for s in t["states"])
    assert (t["first_seen"], t["last_seen"]) == (t["states"][0]["time"], t["states"][-1]["time"])
    assert t["modified"] == t["last_seen"]


def test_ids_are_deterministic_for_replays() -> None:
    again = emitted()
    for kind in ("x-stratowatch-balloon", "sighting", "x-stratowatch-track",
                 "x-stratowatch-forecast", "x-stratowatch-alert", "identity"):
        assert again[kind]["id"] == OBJECTS[kind]["id"]
    other = S.balloon(creator=CA.identity_id, local_id="b1", marking=MARK, created_s=T0)
    assert other["id"] != OBJECTS["x-stratowatch-balloon"]["id"]


@pytest.mark.parametrize(("field", "value"), [("lat", 91.0), ("alt_m", float("nan")),
                                               ("sensor_kind", "sonar"), ("sigma_h_m", -1.0)])
def test_bad_sighting_fields_are_named(field: str, value: Any) -> None:
    kwargs: dict[str, Any] = dict(creator=UK.identity_id,
                                  balloon_ref=OBJECTS["x-stratowatch-balloon"]["id"],
                                  marking=MARK, time_s=T0, lat=0.0, lon=0.0, alt_m=1.0,
                                  sensor_kind="radar")
    kwargs[field] = value
    with pytest.raises(ConfigError, match=field):
        S.sighting(**kwargs)


def test_references_must_have_the_right_type() -> None:
    with pytest.raises(ConfigError, match="balloon_ref"):
        S.sighting(creator=UK.identity_id, balloon_ref="identity--x", marking=MARK, time_s=T0,
                   lat=0, lon=0, alt_m=0, sensor_kind="radar")


def test_a_track_names_the_partners_it_fuses_by_identity() -> None:
    b = S.balloon(creator=UK.identity_id, local_id="b1", marking=MARK, created_s=T0)
    point = S.TrackPoint(T0, 52.1, -178.5, 18_490.0)
    t = S.track(creator=UK.identity_id, local_id="t1", balloon_ref=b["id"], marking=MARK,
                states=[point], source_refs=[UK.identity_id, UK.identity_id])
    assert t["source_refs"] == [UK.identity_id]
    with pytest.raises(ConfigError, match="source_refs"):
        S.track(creator=UK.identity_id, local_id="t1", balloon_ref=b["id"], marking=MARK,
                states=[point], source_refs=["uk"])


def test_only_the_creator_versions_an_object() -> None:
    obj = OBJECTS["x-stratowatch-balloon"]
    with pytest.raises(ReleasabilityError, match="only its creator"):
        new_version(obj, by=CA.identity_id, changes={"name": "mine now"})
    v2 = new_version(obj, by=UK.identity_id, changes={"name": "BLN-7"}, modified_s=T0 - 10)
    assert v2["name"] == "BLN-7" and v2["id"] == obj["id"] and v2["created"] == obj["created"]
    assert v2["modified"] > obj["modified"]
    assert "class_probability" not in new_version(obj, by=UK.identity_id,
                                                  changes={"class_probability": None})
    assert SIGNATURE_EXTENSION_ID not in v2["extensions"]
    assert validation_errors(SIGNER.sign(v2)) == []


def test_new_version_keeps_identity_fields_fixed() -> None:
    obj = OBJECTS["x-stratowatch-balloon"]
    for field in ("id", "created_by_ref", "object_marking_refs"):
        with pytest.raises(ConfigError, match=field):
            new_version(obj, by=UK.identity_id, changes={field: "x"})


def test_widening_a_marking_needs_an_audited_sanitise() -> None:
    obj = OBJECTS["x-stratowatch-forecast"]
    wider = Marking.of(Tlp.GREEN)
    with pytest.raises(ReleasabilityError, match="wider"):
        new_version(obj, by=UK.identity_id, marking=wider, current_marking=MARK)
    narrower = Marking.of(Tlp.RED, ["partner:fr"])
    assert new_version(obj, by=UK.identity_id, marking=narrower, current_marking=MARK)[
        "object_marking_refs"] == narrower.object_marking_refs()
    _, record = sanitise(obj["id"], MARK, wider, by="duty-officer", reason="cone only")
    released = new_version(obj, by=UK.identity_id, marking=wider, sanitisation=record)
    assert released["object_marking_refs"] == [Tlp.GREEN.marking_definition_id]
    _, other = sanitise("x-stratowatch-forecast--other", MARK, wider, by="x", reason="y")
    with pytest.raises(ReleasabilityError, match="another"):
        new_version(obj, by=UK.identity_id, marking=wider, sanitisation=other)
