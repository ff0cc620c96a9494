"""The release rule on worked examples, the token contract, and bundle filtering."""

from __future__ import annotations

import pytest

from stratowatch.errors import ConfigError
from stratowatch.sharing import (
    Marking,
    Partner,
    Policy,
    Tlp,
    audience_tokens,
    may_receive,
    partner_tokens,
)
from stratowatch.sharing import stix as S
from stratowatch.sharing.policy import MAX_GROUPS_PER_PARTNER

UK = Partner("uk", "United Kingdom", frozenset({"five-eyes", "nato"}))
CA = Partner("ca", "Canada", frozenset({"five-eyes", "nato"}))
FR = Partner("fr", "France", frozenset({"nato", "eu"}))
SE = Partner("se", "Sweden", frozenset({"eu"}))
GUEST = Partner("osint", "OSINT group", frozenset({"five-eyes"}), community=False)
ALL = [UK, CA, FR, SE, GUEST]


def receivers(marking: Marking, owner: str | None = "uk") -> set[str]:
    return {p.id for p in ALL if may_receive(p, marking, owner)}


def test_clear_goes_to_every_authenticated_partner() -> None:
    assert receivers(Marking.of(Tlp.CLEAR)) == {"uk", "ca", "fr", "se", "osint"}


def test_green_goes_to_the_community_only() -> None:
    assert receivers(Marking.of(Tlp.GREEN)) == {"uk", "ca", "fr", "se"}


def test_amber_goes_to_rel_to_partners_and_groups_plus_owner() -> None:
    assert receivers(Marking.of(Tlp.AMBER, ["group:five-eyes", "partner:se"])) == \
        {"uk", "ca", "se"}
    assert receivers(Marking.of(Tlp.AMBER), owner="fr") == {"fr"}


def test_strict_and_red_go_to_named_partners_only() -> None:
    assert receivers(Marking.of(Tlp.AMBER_STRICT, ["partner:ca"]), owner="fr") == {"ca", "fr"}
    assert receivers(Marking.of(Tlp.RED, ["partner:se", "partner:osint"]), owner=None) == {"se"}


def test_rel_to_restricts_even_clear_and_green() -> None:
    assert receivers(Marking.of(Tlp.CLEAR, ["group:five-eyes"]), owner=None) == \
        {"uk", "ca", "osint"}
    assert receivers(Marking.of(Tlp.GREEN, ["group:five-eyes"]), owner=None) == {"uk", "ca"}


def test_derived_product_reaches_only_who_may_receive_every_input() -> None:
    from stratowatch.sharing import most_restrictive

    fused = most_restrictive([Marking.of(Tlp.AMBER, ["group:nato"]),
                              Marking.of(Tlp.GREEN, ["group:five-eyes", "partner:se"])])
    assert receivers(fused, owner=None) == {"uk", "ca"}


def test_membership_change_applies_without_recompiling_stored_tokens() -> None:
    stored = audience_tokens(Marking.of(Tlp.AMBER, ["group:eu"]), "uk")
    se_left = Partner("se", "Sweden", frozenset())
    assert not partner_tokens(SE).isdisjoint(stored)
    assert partner_tokens(se_left).isdisjoint(stored)


def test_tokens_follow_the_documented_forms() -> None:
    assert audience_tokens(Marking.of(Tlp.CLEAR), None) == {"*"}
    assert audience_tokens(Marking.of(Tlp.GREEN), "uk") == {"community", "owner:uk"}
    assert audience_tokens(Marking.of(Tlp.AMBER, ["partner:ca", "group:eu"]), "uk") == \
        {"owner:uk", "community/partner:ca", "community/group:eu"}
    assert audience_tokens(Marking.of(Tlp.CLEAR, ["partner:ca"]), None) == {"any/partner:ca"}
    both = audience_tokens(Marking(Tlp.AMBER, frozenset({frozenset({"group:nato"}),
                                                         frozenset({"group:eu"})})), None)
    assert both == {"community/group:eu&group:nato"}
    assert {"*", "community", "owner:fr", "community/group:eu&group:nato&partner:fr"} <= \
        partner_tokens(FR)
    assert "community" not in partner_tokens(GUEST)


def test_long_labels_give_tokens_that_fit_the_store() -> None:
    long_groups = frozenset(f"{c * 60}" for c in "abcdef")
    p = Partner("p" * 60, "long", long_groups)
    m = Marking(Tlp.AMBER, frozenset(frozenset({f"group:{g}"}) for g in long_groups))
    tokens = audience_tokens(m, None)
    assert all(len(t) <= 128 for t in tokens | partner_tokens(p))
    assert may_receive(p, m, None)


def test_partner_group_limit_and_names_are_checked() -> None:
    with pytest.raises(ConfigError, match="groups"):
        Partner("x", "x", frozenset(f"g{i}" for i in range(MAX_GROUPS_PER_PARTNER + 1)))
    with pytest.raises(ConfigError):
        Partner("X Y", "bad id")


def test_policy_filters_a_bundle_and_ships_only_needed_markings() -> None:
    policy = Policy(UK, [CA, FR, SE, GUEST])
    creator = UK.identity_id
    secret = Marking.of(Tlp.AMBER, ["partner:ca"])
    public = Marking.of(Tlp.GREEN)
    b1 = S.balloon(creator=creator, local_id="1", marking=secret, created_s=1e9)
    b2 = S.balloon(creator=creator, local_id="2", marking=public, created_s=1e9)
    unknown = dict(b2, id=b2["id"][:-1] + "0",
                   object_marking_refs=["marking-definition--00000000-0000-4000-8000-000000000000"])
    objects = [b1, b2, unknown, *secret.marking_definitions(), *public.marking_definitions()]

    to_fr = policy.filter_bundle(objects, FR)
    assert [o["id"] for o in to_fr] == [b2["id"], Tlp.GREEN.marking_definition_id]
    to_ca = policy.filter_bundle(objects, CA)
    ids = [o["id"] for o in to_ca]
    assert b1["id"] in ids and secret.object_marking_refs()[1] in ids
    assert unknown["id"] not in ids  # unreadable marking: withheld
    assert {p.id for p in policy.audience(secret, "uk")} == {"uk", "ca"}


def test_policy_reads_owner_from_created_by_ref() -> None:
    policy = Policy(UK, [CA])
    obj = S.balloon(creator=CA.identity_id, local_id="9", marking=Marking.of(Tlp.AMBER),
                    created_s=1e9)
    defs = {}
    assert policy.owner_of(obj) == "ca"
    assert policy.tokens_for_object(obj, defs) == {"owner:ca"}
    assert policy.partner("ca") is CA
    with pytest.raises(ConfigError):
        policy.partner("zz")
    with pytest.raises(ConfigError, match="twice"):
        Policy(UK, [CA, Partner("ca", "other")])


def test_marking_definitions_reach_only_who_may_read_them() -> None:
    from stratowatch.errors import ParseError
    from stratowatch.sharing import tlp_marking_definition

    policy = Policy(UK, [CA, FR, SE, GUEST])
    rel = Marking.of(Tlp.AMBER, ["group:five-eyes"]).marking_definitions()[1]
    tokens = policy.tokens_for_object(rel, {})
    assert {p.id for p in ALL if not partner_tokens(p).isdisjoint(tokens)} == \
        {"uk", "ca", "osint"}
    assert policy.tokens_for_object(tlp_marking_definition(Tlp.RED), {}) == {"*"}
    assert policy.tokens_for_object(S.extension_definitions()[0], {}) == {"*"}
    foreign = dict(rel, extensions={"extension-definition--x": {}})
    with pytest.raises(ParseError):
        policy.tokens_for_object(foreign, {})
