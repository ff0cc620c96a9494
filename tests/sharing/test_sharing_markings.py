"""Markings: official TLP 2.0 objects, normal form, inheritance, STIX round trip, sanitise."""

from __future__ import annotations

import pytest

from stratowatch.errors import ConfigError, ParseError
from stratowatch.sharing import Marking, Tlp, marking_from_refs, most_restrictive, sanitise
from stratowatch.sharing.markings import (
    TLP2_EXTENSION_ID,
    releasability_definition,
    tlp_marking_definition,
)

OASIS_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def test_tlp_definitions_are_the_official_oasis_objects() -> None:
    clear = tlp_marking_definition(Tlp.CLEAR)
    assert clear == {
        "type": "marking-definition", "spec_version": "2.1", "id": OASIS_IDS[Tlp.CLEAR],
        "created": "2022-10-01T00:00:00.000Z", "name": "TLP:CLEAR",
        "extensions": {TLP2_EXTENSION_ID: {"extension_type": "property-extension",
                                           "tlp_2_0": "clear"}},
    }
    for level, oid in OASIS_IDS.items():
        md = tlp_marking_definition(level)
        assert md["id"] == oid == level.marking_definition_id
        assert md["extensions"][TLP2_EXTENSION_ID]["tlp_2_0"] == level.label[4:].lower()
    assert tlp_marking_definition(Tlp.AMBER_STRICT)["name"] == "TLP:AMBER+STRICT"


@pytest.mark.parametrize(("text", "level"), [("TLP:AMBER+STRICT", Tlp.AMBER_STRICT),
                                             ("green", Tlp.GREEN), ("TLP:WHITE", Tlp.CLEAR),
                                             ("amber_strict", Tlp.AMBER_STRICT)])
def test_tlp_parse_accepts_common_spellings(text: str, level: Tlp) -> None:
    assert Tlp.parse(text) == level


def test_tlp_parse_rejects_unknown_level() -> None:
    with pytest.raises(ConfigError, match="not a TLP"):
        Tlp.parse("purple")


def test_amber_without_rel_to_releases_to_nobody_beyond_owner() -> None:
    assert Marking.of(Tlp.AMBER).nobody_else
    assert Marking.of(Tlp.RED).nobody_else
    assert not Marking.of(Tlp.GREEN).nobody_else
    assert Marking.of(Tlp.AMBER, []) == Marking.of(Tlp.AMBER)


def test_strict_levels_must_name_partners_not_only_groups() -> None:
    with pytest.raises(ConfigError, match="named partners"):
        Marking.of(Tlp.AMBER_STRICT, ["group:five-eyes"])
    with pytest.raises(ConfigError, match="named partners"):
        Marking.of(Tlp.RED, ["group:five-eyes", "partner:ca"])
    assert Marking.of(Tlp.RED, ["partner:ca"]).rel_to == {frozenset({"partner:ca"})}


def test_bad_labels_are_rejected_with_the_label_named() -> None:
    with pytest.raises(ConfigError, match="'country:ca'"):
        Marking.of(Tlp.AMBER, ["country:ca"])
    with pytest.raises(ConfigError, match="partner"):
        Marking.of(Tlp.AMBER, ["partner:Bad Name"])


def test_redundant_clauses_are_absorbed() -> None:
    narrow = frozenset({"partner:ca"})
    wide = frozenset({"partner:ca", "group:nato"})
    assert Marking(Tlp.AMBER, frozenset({narrow, wide})).rel_to == {narrow}


def test_most_restrictive_takes_highest_tlp_and_all_rel_to_clauses() -> None:
    a = Marking.of(Tlp.GREEN, ["group:five-eyes"])
    b = Marking.of(Tlp.AMBER, ["group:nato", "partner:se"])
    c = Marking.of(Tlp.CLEAR)
    derived = most_restrictive([a, b, c])
    assert derived.tlp == Tlp.AMBER
    assert derived.rel_to == {frozenset({"group:five-eyes"}),
                              frozenset({"group:nato", "partner:se"})}


def test_derived_from_an_owner_only_input_stays_owner_only() -> None:
    derived = most_restrictive([Marking.of(Tlp.AMBER), Marking.of(Tlp.CLEAR, ["partner:ca"])])
    assert derived.nobody_else


def test_most_restrictive_is_repeatable_and_order_free() -> None:
    ms = [Marking.of(Tlp.GREEN, ["partner:ca", "group:eu"]), Marking.of(Tlp.RED, ["partner:ca"])]
    once = most_restrictive(ms)
    assert most_restrictive(reversed(ms)) == once
    assert most_restrictive([once, *ms]) == once
    with pytest.raises(ConfigError):
        most_restrictive([])


def test_marking_round_trips_through_stix_refs() -> None:
    m = most_restrictive([Marking.of(Tlp.AMBER, ["group:five-eyes", "partner:fr"]),
                          Marking.of(Tlp.GREEN, ["partner:fr", "partner:de"])])
    defs = {d["id"]: d for d in m.marking_definitions()}
    assert marking_from_refs(m.object_marking_refs(), defs) == m
    assert Marking.from_dict(m.to_dict()) == m
    assert marking_from_refs(Marking.of(Tlp.CLEAR).object_marking_refs(), {}) == Marking.of("clear")


def test_rel_to_definition_is_content_addressed() -> None:
    a = Marking.of(Tlp.AMBER, ["partner:ca", "group:nato"])
    b = Marking.of(Tlp.AMBER, ["group:nato", "partner:ca"])
    assert a.object_marking_refs() == b.object_marking_refs()
    assert a.object_marking_refs() != Marking.of(Tlp.AMBER, ["partner:ca"]).object_marking_refs()


def test_tampered_rel_to_definition_is_refused() -> None:
    m = Marking.of(Tlp.AMBER, ["partner:ca"])
    forged = releasability_definition(frozenset({frozenset({"partner:ca", "partner:xx"})}))
    forged["id"] = m.object_marking_refs()[1]
    with pytest.raises(ParseError, match="does not match"):
        marking_from_refs(m.object_marking_refs(), {forged["id"]: forged})


def test_unknown_marking_ref_is_an_error_and_unmarked_reads_amber() -> None:
    with pytest.raises(ParseError, match="unknown marking"):
        marking_from_refs(["marking-definition--00000000-0000-4000-8000-000000000000"], {})
    assert marking_from_refs([], {}) == Marking.of(Tlp.AMBER)
    several = [Tlp.GREEN.marking_definition_id, Tlp.RED.marking_definition_id]
    assert marking_from_refs(several, {}).tlp == Tlp.RED


def test_str_reads_like_a_banner() -> None:
    assert str(Marking.of(Tlp.AMBER, ["partner:ca", "group:nato"])) == \
        "TLP:AMBER REL TO group:nato, partner:ca"
    assert str(Marking.of(Tlp.GREEN)) == "TLP:GREEN"


def test_sanitise_returns_an_audit_record() -> None:
    current = Marking.of(Tlp.AMBER, ["partner:ca"])
    wider = Marking.of(Tlp.GREEN)
    new, record = sanitise("x-stratowatch-forecast--1", current, wider, by="duty-officer@uk",
                           reason="cone only, no sensor data", at_s=1_700_000_000.0)
    assert new == wider
    assert record.to_dict() == {
        "object_id": "x-stratowatch-forecast--1", "by": "duty-officer@uk",
        "at": "2023-11-14T22:13:20.000Z", "from": current.to_dict(), "to": wider.to_dict(),
        "reason": "cone only, no sensor data",
    }


@pytest.mark.parametrize(("by", "reason"), [("", "why"), ("me", "  ")])
def test_sanitise_needs_who_and_why(by: str, reason: str) -> None:
    with pytest.raises(ConfigError):
        sanitise("x--1", Marking.of(Tlp.RED), Marking.of(Tlp.CLEAR), by=by, reason=reason)


def test_owner_only_amber_needs_no_rel_to_definition() -> None:
    m = Marking.of(Tlp.AMBER)
    assert m.object_marking_refs() == [Tlp.AMBER.marking_definition_id]
    assert marking_from_refs(m.object_marking_refs(), {}) == m
    nobody = Marking.of(Tlp.GREEN, [])
    assert len(nobody.object_marking_refs()) == 2
    defs = {d["id"]: d for d in nobody.marking_definitions()}
    assert marking_from_refs(nobody.object_marking_refs(), defs) == nobody


def test_tlp_1_markings_from_other_tools_read_as_tlp_2() -> None:
    import stix2

    assert marking_from_refs([stix2.TLP_WHITE.id], {}) == Marking.of(Tlp.CLEAR)
    assert marking_from_refs([stix2.TLP_GREEN.id], {}) == Marking.of(Tlp.GREEN)
    assert marking_from_refs([stix2.TLP_AMBER.id], {}).nobody_else
    assert marking_from_refs([stix2.TLP_RED.id], {}).tlp == Tlp.RED


def test_statement_markings_restrict_no_audience() -> None:
    statement = {"type": "marking-definition", "spec_version": "2.1",
                 "id": "marking-definition--1d3a0f0b-7d36-4a0c-9a43-7b4a0c8e5a11",
                 "created": "2024-01-01T00:00:00.000Z", "definition_type": "statement",
                 "definition": {"statement": "Copyright 2024 Example"}}
    refs = [Tlp.GREEN.marking_definition_id, statement["id"]]
    assert marking_from_refs(refs, {statement["id"]: statement}) == Marking.of(Tlp.GREEN)
