"""The release policy: who may receive an object, compiled to audience tokens for the store.

Plain-language rule (the one the node enforces). A partner P may receive an object with marking
M created by organisation O iff

1. P is O (an organisation always receives its own objects), or
2. all of:
   - TLP:CLEAR: any authenticated partner; TLP:GREEN and above: P is a member of the community
     (a configured partner with `community=True`, the default);
   - TLP:AMBER and above without a REL TO list: nobody else (AMBER needs REL TO to travel);
   - every REL TO clause names P or a group P belongs to (REL TO always restricts further);
   - TLP:AMBER+STRICT and RED: P is named individually (`partner:<id>`) in REL TO; a group is
     never enough. RED differs from AMBER+STRICT only downstream (no further sharing).

Token contract with the store. `audience_tokens(marking, owner)` compiles the rule into the
set of tokens stored with the object; `partner_tokens(partner)` is the set a partner holds.
The object is visible to the partner iff the two sets intersect, so the store filters with an
indexed join on a (object, token) table and never re-implements the rule. Tokens:

- `*`                          every authenticated partner (TLP:CLEAR, no REL TO)
- `community`                  every community partner (TLP:GREEN, no REL TO)
- `owner:<id>`                 the creating organisation
- `any/<l1>&<l2>...`           a partner holding all these labels (TLP:CLEAR with REL TO)
- `community/<l1>&<l2>...`     a community partner holding all these labels (GREEN and above)
- `<scope>/sha256:<hex>`       the same, hashed when longer than `MAX_TOKEN_CHARS`

where labels are `partner:<id>` and `group:<name>`, sorted. Audience tokens depend only on the
marking and the owner, never on who is in which group, so stored tokens never go stale: a change
of membership only changes `partner_tokens`, which the node computes per request. A partner holds
one token per non-empty subset of its labels (per scope), hence the limit of
`MAX_GROUPS_PER_PARTNER` groups.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from stratowatch.errors import ConfigError, ParseError
from stratowatch.sharing._ids import det_id
from stratowatch.sharing.markings import (
    Marking,
    Tlp,
    group_label,
    is_partner_label,
    marking_from_refs,
    partner_label,
    rel_to_of_definition,
    tlp_marking_definition,
    tlp_of_definition_id,
)

#: Most groups one partner may belong to (it holds 2 * (2**(1 + groups) - 1) + 3 tokens).
MAX_GROUPS_PER_PARTNER = 8

#: Longest token emitted (the store accepts 128 characters); longer ones are hashed.
MAX_TOKEN_CHARS = 120
ALL_TOKEN = "*"
TLP_IDS = {t.marking_definition_id: t for t in Tlp}
COMMUNITY_TOKEN = "community"


@dataclass(frozen=True)
class Partner:
    """An organisation this node shares with (or the node's own organisation)."""

    id: str
    name: str
    groups: frozenset[str] = field(default_factory=frozenset)
    community: bool = True

    def __post_init__(self) -> None:
        partner_label(self.id)
        groups = frozenset(self.groups)
        for g in groups:
            group_label(g)
        if len(groups) > MAX_GROUPS_PER_PARTNER:
            raise ConfigError(f"partner {self.id!r} is in {len(groups)} groups; "
                              f"at most {MAX_GROUPS_PER_PARTNER} are supported")
        object.__setattr__(self, "groups", groups)

    @property
    def labels(self) -> frozenset[str]:
        """The REL TO labels that name this partner: itself and each of its groups."""
        return frozenset({partner_label(self.id), *(group_label(g) for g in self.groups)})

    @property
    def identity_id(self) -> str:
        """The deterministic STIX `identity--` id of this organisation."""
        return identity_id_of(self.id)


def identity_id_of(partner_id: str) -> str:
    """STIX identity id of a partner id: the same on every node."""
    return det_id("identity", "partner", partner_id)


def owner_token(owner: str) -> str:
    """The token an organisation holds on its own objects."""
    return f"owner:{partner_label(owner).removeprefix('partner:')}"


def _term_token(scope: str, labels: Iterable[str]) -> str:
    token = scope + "/" + "&".join(sorted(labels))
    if len(token) <= MAX_TOKEN_CHARS:
        return token
    # Long label combinations are hashed so every token fits the store's column; both sides hash
    # the same text, so matching is unchanged.
    return scope + "/sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def _minimal_terms(clauses: Iterable[frozenset[str]]) -> set[frozenset[str]]:
    """The minimal label sets that satisfy every clause (one label from each clause).

    A term with two different partners can match no partner, nor can one with more groups than a
    partner may have; both are dropped, as is any term that contains another.
    """
    terms: set[frozenset[str]] = {frozenset()}
    for clause in sorted(clauses, key=lambda c: (len(c), sorted(c))):
        grown: set[frozenset[str]] = set()
        for term in terms:
            for label in clause:
                new = term | {label}
                partners = sum(1 for lab in new if is_partner_label(lab))
                if partners > 1 or len(new) - partners > MAX_GROUPS_PER_PARTNER:
                    continue
                grown.add(new)
        terms = {t for t in grown if not any(o < t for o in grown)}
        if not terms:
            break
    return terms


def audience_tokens(marking: Marking, owner: str | None) -> frozenset[str]:
    """Tokens stored with an object: a partner holding any of them may receive it.

    `owner` is the partner id of the creating organisation (None when unknown: no owner access).
    """
    tokens: set[str] = set()
    if owner is not None:
        tokens.add(owner_token(owner))
    if marking.nobody_else:
        return frozenset(tokens)
    if not marking.rel_to:
        # Only CLEAR and GREEN may lack REL TO after normalisation.
        tokens.add(ALL_TOKEN if marking.tlp == Tlp.CLEAR else COMMUNITY_TOKEN)
        return frozenset(tokens)
    scope = "any" if marking.tlp == Tlp.CLEAR else "community"
    tokens.update(_term_token(scope, t) for t in _minimal_terms(marking.rel_to))
    return frozenset(tokens)


@functools.lru_cache(maxsize=4096)
def partner_tokens(partner: Partner) -> frozenset[str]:
    """Tokens a partner holds, computed from its current id, groups and community membership.

    Cached by value: a Partner is immutable, so a changed membership is a new Partner.
    """
    tokens = {ALL_TOKEN, owner_token(partner.id)}
    scopes = ["any"]
    if partner.community:
        tokens.add(COMMUNITY_TOKEN)
        scopes.append("community")
    labels = sorted(partner.labels)
    for size in range(1, len(labels) + 1):
        for combo in combinations(labels, size):
            tokens.update(_term_token(scope, combo) for scope in scopes)
    return frozenset(tokens)


def may_receive(partner: Partner, marking: Marking, owner: str | None) -> bool:
    """Whether `partner` may receive an object with `marking` created by `owner` (by the tokens)."""
    return not partner_tokens(partner).isdisjoint(audience_tokens(marking, owner))


class Policy:
    """This node's identity and its configured partners, applying the rule to STIX objects."""

    def __init__(self, self_partner: Partner, partners: Iterable[Partner]) -> None:
        self.self_partner = self_partner
        by_id: dict[str, Partner] = {self_partner.id: self_partner}
        for p in partners:
            if p.id in by_id and by_id[p.id] != p:
                raise ConfigError(f"partner {p.id!r} configured twice")
            by_id[p.id] = p
        self.partners: dict[str, Partner] = by_id
        self._by_identity = {p.identity_id: p.id for p in by_id.values()}

    def partner(self, partner_id: str) -> Partner:
        """The configured partner with this id (ConfigError if none)."""
        try:
            return self.partners[partner_id]
        except KeyError:
            raise ConfigError(f"unknown partner {partner_id!r}") from None

    def owner_of(self, obj: Mapping[str, Any]) -> str | None:
        """Partner id of an object's creator (`created_by_ref`), None if not a known partner."""
        ref = obj.get("created_by_ref")
        return self._by_identity.get(ref) if isinstance(ref, str) else None

    def audience(self, marking: Marking, owner: str | None) -> list[Partner]:
        """The configured partners that may receive an object (for display and audit)."""
        tokens = audience_tokens(marking, owner)
        return [p for p in self.partners.values() if not partner_tokens(p).isdisjoint(tokens)]

    def marking_of(self, obj: Mapping[str, Any],
                   definitions: Mapping[str, Mapping[str, Any]]) -> Marking:
        """An object's Marking from its refs (see `markings.marking_from_refs`)."""
        return marking_from_refs(obj.get("object_marking_refs", []), definitions)

    def tokens_for_object(self, obj: Mapping[str, Any],
                          definitions: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
        """Audience tokens of a STIX object, what the store keeps with it.

        Extension, TLP and statement marking definitions are public metadata (`*`). A REL TO
        marking definition names partners and groups, so it goes only to those its REL TO lets
        in (who are the only possible recipients of objects it marks); an empty one reveals
        nothing and is public. ParseError when the object's marking cannot be read.
        """
        kind = obj.get("type")
        if kind == "extension-definition" or tlp_of_definition_id(str(obj.get("id"))) is not None:
            return frozenset({ALL_TOKEN})
        if kind == "marking-definition" and obj.get("definition_type") == "statement":
            return frozenset({ALL_TOKEN})
        if kind == "marking-definition":
            clauses = rel_to_of_definition(obj)
            if frozenset() in clauses:
                return frozenset({ALL_TOKEN})
            return audience_tokens(Marking(Tlp.CLEAR, clauses), None)
        return audience_tokens(self.marking_of(obj, definitions), self.owner_of(obj))

    def filter_bundle(self, objects: Iterable[Mapping[str, Any]], partner: Partner,
                      definitions: Mapping[str, Mapping[str, Any]] | None = None,
                      ) -> list[Mapping[str, Any]]:
        """The objects `partner` may receive, followed by the marking definitions they reference.

        Marking definitions are looked up in `definitions` and among `objects`. An object whose
        marking cannot be read is withheld: failing closed is the only safe reading.
        """
        items = list(objects)
        known: dict[str, Mapping[str, Any]] = dict(definitions or {})
        known.update({str(o["id"]): o for o in items if o.get("type") == "marking-definition"})
        held = partner_tokens(partner)
        out: list[Mapping[str, Any]] = []
        needed: dict[str, None] = {}
        for obj in _data_objects(items):
            try:
                tokens = self.tokens_for_object(obj, known)
            except ParseError:
                continue
            if not held.isdisjoint(tokens):
                out.append(obj)
                needed.update(dict.fromkeys(obj.get("object_marking_refs", [])))
        for ref in needed:
            if ref in known:
                out.append(known[ref])
            elif ref in TLP_IDS:
                out.append(tlp_marking_definition(TLP_IDS[ref]))
        return out


def _data_objects(items: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for obj in items:
        if obj.get("type") != "marking-definition":
            yield obj


__all__ = [
    "ALL_TOKEN",
    "COMMUNITY_TOKEN",
    "MAX_GROUPS_PER_PARTNER",
    "Partner",
    "Policy",
    "audience_tokens",
    "identity_id_of",
    "may_receive",
    "owner_token",
    "partner_tokens",
]
