"""No leaks: the token rule equals an independent plain-language rule, through derived chains.

Runs STRATOWATCH_PROPERTY_EXAMPLES generated cases (default 1,500; CI or a release check sets
100,000 or more). Each case draws partners (ids, groups, community membership), leaf objects with
authored markings and owners, then derived objects whose marking is `most_restrictive` of random
earlier objects, repeatedly. For every object and every partner, under the configuration the
tokens were compiled with and under a changed group membership, the store's token test must
agree with the oracle below, which is written from the policy's prose, not from its code.
A second test (a quarter as many cases) takes the same chains through STIX: object_marking_refs
round-trip, `Policy.filter_bundle` releases exactly the allowed objects, and every non-owner
recipient may also read the REL TO marking definitions its objects reference.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratowatch.sharing import (
    Marking,
    Partner,
    Policy,
    Tlp,
    audience_tokens,
    may_receive,
    most_restrictive,
    partner_tokens,
)
from stratowatch.sharing import stix as S
from stratowatch.sharing._ids import det_id
from stratowatch.sharing.policy import identity_id_of

STRANGER = det_id("identity", "stranger")
EXAMPLES = int(os.environ.get("STRATOWATCH_PROPERTY_EXAMPLES", "1500"))
IDS = ["ca", "fr", "uk", "us", "nz", "no"]
GROUPS = ["five-eyes", "nato", "eu", "sondehub"]


@dataclass(frozen=True)
class Leaf:
    tlp: Tlp
    rel_to: tuple[str, ...] | None
    owner: str | None


@dataclass(frozen=True)
class Derived:
    parents: tuple[int, ...]
    owner: str | None


def oracle_nonowner(p: Partner, tlp: Tlp, rel_to: tuple[str, ...] | None) -> bool:
    """The policy in plain words, for a partner that does not own the object."""
    if tlp != Tlp.CLEAR and not p.community:
        return False  # GREEN and above: community members only
    if rel_to is None:
        return tlp in (Tlp.CLEAR, Tlp.GREEN)  # AMBER and above need a REL TO list
    named = f"partner:{p.id}" in rel_to
    if tlp in (Tlp.AMBER_STRICT, Tlp.RED):
        return named  # individually named partners only
    return named or any(f"group:{g}" in rel_to for g in p.groups)


def visible_nonowner(p: Partner, nodes: list[Leaf | Derived], i: int) -> bool:
    node = nodes[i]
    if isinstance(node, Leaf):
        return oracle_nonowner(p, node.tlp, node.rel_to)
    return all(visible_nonowner(p, nodes, j) for j in node.parents)


def visible(p: Partner, nodes: list[Leaf | Derived], i: int) -> bool:
    """Owners see their objects; a derived product reaches whoever may receive every input."""
    return p.id == nodes[i].owner or visible_nonowner(p, nodes, i)


partners_st = st.lists(
    st.builds(lambda gs, c: (frozenset(gs), c), st.sets(st.sampled_from(GROUPS)), st.booleans()),
    min_size=len(IDS), max_size=len(IDS))
owner_st = st.one_of(st.none(), st.sampled_from(IDS))
label_st = st.one_of(st.sampled_from([f"partner:{i}" for i in IDS]),
                     st.sampled_from([f"group:{g}" for g in GROUPS]))


@st.composite
def leaf_st(draw: st.DrawFn) -> Leaf:
    tlp = draw(st.sampled_from(list(Tlp)))
    labels = draw(st.one_of(st.none(), st.lists(label_st, max_size=4)))
    if labels is not None and tlp >= Tlp.AMBER_STRICT:
        labels = [lab for lab in labels if lab.startswith("partner:")]
    return Leaf(tlp, None if labels is None else tuple(labels), draw(owner_st))


@st.composite
def chain_st(draw: st.DrawFn) -> list[Leaf | Derived]:
    nodes: list[Leaf | Derived] = list(draw(st.lists(leaf_st(), min_size=1, max_size=4)))
    for _ in range(draw(st.integers(0, 5))):
        parents = draw(st.sets(st.integers(0, len(nodes) - 1), min_size=1, max_size=3))
        nodes.append(Derived(tuple(sorted(parents)), draw(owner_st)))
    return nodes


def markings_of(nodes: list[Leaf | Derived]) -> list[Marking]:
    out: list[Marking] = []
    for node in nodes:
        if isinstance(node, Leaf):
            out.append(Marking.of(node.tlp, node.rel_to))
        else:
            out.append(most_restrictive(out[j] for j in node.parents))
    return out


def make_partners(drawn: list[tuple[frozenset[str], bool]]) -> list[Partner]:
    return [Partner(pid, pid.upper(), groups, community)
            for pid, (groups, community) in zip(IDS, drawn, strict=True)]


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chain_st(), partners_st, partners_st)
def test_token_rule_equals_plain_rule_through_derived_chains(
        nodes: list[Leaf | Derived], before: list[tuple[frozenset[str], bool]],
        after: list[tuple[frozenset[str], bool]]) -> None:
    markings = markings_of(nodes)
    stored = [audience_tokens(m, n.owner) for m, n in zip(markings, nodes, strict=True)]
    for config in (make_partners(before), make_partners(after)):
        for p in config:
            held = partner_tokens(p)
            for i, tokens in enumerate(stored):
                expected = visible(p, nodes, i)
                assert (not held.isdisjoint(tokens)) == expected, (p, nodes, i, markings[i])
                assert may_receive(p, markings[i], nodes[i].owner) == expected


@settings(max_examples=max(EXAMPLES // 4, 50), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chain_st(), partners_st)
def test_stix_path_releases_exactly_what_the_plain_rule_allows(
        nodes: list[Leaf | Derived], drawn: list[tuple[frozenset[str], bool]]) -> None:
    """Through STIX: refs round-trip, filter_bundle agrees, every recipient can read the marking."""
    config = make_partners(drawn)
    policy = Policy(config[0], config[1:])
    markings = markings_of(nodes)
    objects, defs = [], {}
    for i, (m, node) in enumerate(zip(markings, nodes, strict=True)):
        creator = STRANGER if node.owner is None else identity_id_of(node.owner)
        objects.append(S.balloon(creator=creator, local_id=f"n{i}", marking=m, created_s=0.0))
        defs.update({d["id"]: d for d in m.marking_definitions()})
        assert policy.marking_of(objects[-1], defs) == m
    for p in config:
        out = policy.filter_bundle([*objects, *defs.values()], p)
        released = [o for o in out if o["type"] != "marking-definition"]
        expected = [o for i, o in enumerate(objects) if visible(p, nodes, i)]
        assert released == expected
        held = partner_tokens(p)
        for i, obj in enumerate(objects):
            if obj in expected and nodes[i].owner != p.id:
                for ref in obj["object_marking_refs"]:
                    assert not held.isdisjoint(policy.tokens_for_object(defs[ref], defs))
