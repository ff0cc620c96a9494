"""Markings: TLP 2.0 plus an enforced releasability list ("REL TO"), and their STIX form.

A `Marking` is a TLP level and a REL TO condition. REL TO is kept as a *conjunction of clauses*,
each clause a set of labels (`partner:<id>`, `group:<name>`) of which a recipient must hold one.
A marking authored by a person has one clause; `most_restrictive` unions the clauses of its inputs,
so a derived product's audience is exactly the intersection of its inputs' audiences, without
needing to know who belongs to which group (membership is resolved only when a partner asks).

Normal form (applied on construction, so equal meanings compare equal):

- a clause that is a superset of another clause is dropped (it adds no condition);
- an empty clause means "nobody beyond the owner" and absorbs every other clause;
- AMBER, AMBER+STRICT and RED without any REL TO mean "nobody beyond the owner" (the empty clause);
- AMBER+STRICT and RED must name partners: at least one clause holds only `partner:` labels.

The release rule itself lives in `stratowatch.sharing.policy`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import rfc8785

from stratowatch.errors import ConfigError, ParseError
from stratowatch.sharing._ids import det_id, now_s, stix_time

#: The OASIS TLP 2.0 property extension that marks the official TLP 2.0 marking definitions.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#: The stratowatch property extension carrying a REL TO list on a marking definition.
RELEASABILITY_EXTENSION_ID = det_id("extension-definition", "releasability", "1")
_TLP2_CREATED = "2022-10-01T00:00:00.000Z"
_REL_CREATED = "2025-01-01T00:00:00.000Z"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class Tlp(IntEnum):
    """TLP 2.0 levels, ordered from least to most restrictive."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        """The TLP 2.0 name as written in markings (`TLP:AMBER+STRICT`)."""
        return "TLP:" + _TLP_VALUES[self].upper()

    @property
    def marking_definition_id(self) -> str:
        """The official OASIS marking-definition id of this level."""
        return TLP_MARKING_IDS[self]

    @classmethod
    def parse(cls, text: str) -> Tlp:
        """`TLP:AMBER+STRICT`, `amber+strict`, `AMBER_STRICT` ... -> Tlp (TLP:WHITE reads CLEAR)."""
        key = text.strip().lower().removeprefix("tlp:").replace("_", "+")
        key = "clear" if key == "white" else key
        for level, value in _TLP_VALUES.items():
            if value == key:
                return level
        raise ConfigError(f"not a TLP 2.0 level: {text!r}")


_TLP_VALUES: dict[Tlp, str] = {
    Tlp.CLEAR: "clear",
    Tlp.GREEN: "green",
    Tlp.AMBER: "amber",
    Tlp.AMBER_STRICT: "amber+strict",
    Tlp.RED: "red",
}

#: Official OASIS TLP 2.0 marking-definition ids (cti-stix-common-objects).
TLP_MARKING_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: TLP 1.0 marking-definition ids (as in the stix2 library), read as their TLP 2.0 equivalents
#: so objects from tools that still emit TLP 1.0 keep their meaning; stratowatch emits only 2.0.
TLP1_MARKING_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
_TLP_BY_ID = {**{v: k for k, v in TLP_MARKING_IDS.items()}, **TLP1_MARKING_IDS}


def tlp_of_definition_id(ref: str) -> Tlp | None:
    """The TLP level of a TLP 2.0 (or 1.0) marking-definition id; None for any other id."""
    return _TLP_BY_ID.get(ref)


def tlp_marking_definition(level: Tlp) -> dict[str, Any]:
    """The canonical OASIS TLP 2.0 marking-definition object of a level, as published by OASIS.

    stix2 3.0 ships only the TLP 1.0 definitions, so the 2.0 ones are written out here.
    """
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_MARKING_IDS[level],
        "created": _TLP2_CREATED,
        "name": level.label,
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension",
                                "tlp_2_0": _TLP_VALUES[level]},
        },
    }


def partner_label(partner_id: str) -> str:
    """The REL TO label naming one partner."""
    return "partner:" + _check_name(partner_id, "partner id")


def group_label(group: str) -> str:
    """The REL TO label naming a partner group."""
    return "group:" + _check_name(group, "group name")


def _check_name(name: str, what: str) -> str:
    if not _NAME_RE.match(name):
        raise ConfigError(f"{what} {name!r} must match {_NAME_RE.pattern}")
    return name


def _check_label(label: str) -> str:
    if not isinstance(label, str):
        raise ConfigError(f"REL TO label {label!r} is not a string")
    kind, sep, name = label.partition(":")
    if not sep or kind not in ("partner", "group"):
        raise ConfigError(f"REL TO label {label!r} must be 'partner:<id>' or 'group:<name>'")
    _check_name(name, f"{kind} in REL TO label")
    return label


Clause = frozenset[str]
Clauses = frozenset[Clause]


def is_partner_label(label: str) -> bool:
    """Whether a REL TO label names one partner (not a group)."""
    return label.startswith("partner:")


@dataclass(frozen=True)
class Marking:
    """A TLP 2.0 level and a REL TO condition (a conjunction of clauses of labels).

    Build one with `Marking.of(Tlp.AMBER, ["group:five-eyes", "partner:nz"])`; the raw constructor
    takes clauses and normalises them (see the module docstring).
    """

    tlp: Tlp
    rel_to: Clauses = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        tlp = Tlp(self.tlp)
        clauses = frozenset(frozenset(_check_label(lab) for lab in c) for c in self.rel_to)
        if tlp >= Tlp.AMBER and not clauses:
            clauses = frozenset({frozenset()})
        if frozenset() in clauses:
            clauses = frozenset({frozenset()})
        clauses = frozenset(c for c in clauses if not any(o < c for o in clauses))
        if tlp >= Tlp.AMBER_STRICT and not any(
            all(is_partner_label(lab) for lab in c) for c in clauses
        ):
            raise ConfigError(
                f"{tlp.label} releases only to named partners: REL TO must name partners, "
                f"not only groups (got {_clauses_text(clauses)})"
            )
        object.__setattr__(self, "tlp", tlp)
        object.__setattr__(self, "rel_to", clauses)

    @classmethod
    def of(cls, tlp: Tlp | str, rel_to: Iterable[str] | None = None) -> Marking:
        """A marking with one REL TO clause (`None`: no REL TO; `[]`: nobody beyond the owner)."""
        level = Tlp.parse(tlp) if isinstance(tlp, str) else tlp
        if rel_to is None:
            return cls(level)
        return cls(level, frozenset({frozenset(rel_to)}))

    @property
    def nobody_else(self) -> bool:
        """True when only the owner may receive objects under this marking."""
        return frozenset() in self.rel_to

    @property
    def _needs_rel_to_definition(self) -> bool:
        # AMBER and above without REL TO already mean "owner only": the TLP ref says it all.
        return bool(self.rel_to) and not (self.tlp >= Tlp.AMBER and self.nobody_else)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (`{"tlp": "amber", "rel_to": [["group:x", "partner:y"]]}`)."""
        return {"tlp": _TLP_VALUES[self.tlp], "rel_to": _clauses_json(self.rel_to)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Marking:
        """Inverse of `to_dict`."""
        try:
            return cls(Tlp.parse(str(data["tlp"])),
                       frozenset(frozenset(c) for c in data.get("rel_to", [])))
        except (KeyError, TypeError) as exc:
            raise ParseError(f"not a marking: {exc}", field="marking") from exc

    def __str__(self) -> str:
        if not self.rel_to:
            return self.tlp.label
        return f"{self.tlp.label} REL TO {_clauses_text(self.rel_to)}"

    # -- STIX -----------------------------------------------------------------------------------

    def object_marking_refs(self) -> list[str]:
        """The `object_marking_refs` of an object under this marking (TLP first, then REL TO)."""
        refs = [TLP_MARKING_IDS[self.tlp]]
        if self._needs_rel_to_definition:
            refs.append(releasability_definition_id(self.rel_to))
        return refs

    def marking_definitions(self) -> list[dict[str, Any]]:
        """The marking-definition objects the refs point to, to ship alongside the object."""
        defs = [tlp_marking_definition(self.tlp)]
        if self._needs_rel_to_definition:
            defs.append(releasability_definition(self.rel_to))
        return defs


def _clauses_json(clauses: Clauses) -> list[list[str]]:
    return sorted(sorted(c) for c in clauses)


def _clauses_text(clauses: Clauses) -> str:
    if frozenset() in clauses:
        return "(nobody beyond the owner)"
    parts = [", ".join(c) for c in _clauses_json(clauses)]
    return " AND ".join(f"({p})" if len(parts) > 1 else p for p in parts)


def releasability_definition_id(clauses: Clauses) -> str:
    """Content-addressed id of the REL TO marking definition: same list, same id, on any node."""
    return det_id("marking-definition", "rel-to",
                  rfc8785.dumps(_clauses_json(clauses)).decode("ascii"))


def releasability_definition(clauses: Clauses) -> dict[str, Any]:
    """The STIX marking-definition carrying a REL TO list as a property extension.

    It has no creator: its id is derived from its content, so two nodes that derive the same REL TO
    produce the same object, and a receiver checks it by recomputing the id.
    """
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": releasability_definition_id(clauses),
        "created": _REL_CREATED,
        "name": f"REL TO {_clauses_text(clauses)}",
        "extensions": {
            RELEASABILITY_EXTENSION_ID: {
                "extension_type": "property-extension",
                "rel_to": _clauses_json(clauses),
            }
        },
    }


def marking_from_refs(refs: Iterable[str], definitions: Mapping[str, Mapping[str, Any]]) -> Marking:
    """The Marking of an object from its `object_marking_refs`.

    TLP 2.0 ids are known; REL TO ids are looked up in `definitions` (id -> marking-definition) and
    checked against their content; statement markings (copyright, terms) are ignored; TLP 1.0 ids
    read as TLP 2.0. Several TLP refs give the most restrictive; several REL TO refs all apply.
    No TLP ref at all reads as TLP:AMBER (and so, without REL TO, owner only): an
    unmarked object is never released by accident. An unknown ref is a ParseError.
    """
    tlp: Tlp | None = None
    clauses: set[Clause] = set()
    for ref in refs:
        if ref in _TLP_BY_ID:
            level = _TLP_BY_ID[ref]
            tlp = level if tlp is None else max(tlp, level)
            continue
        definition = definitions.get(ref)
        if definition is None:
            raise ParseError(f"unknown marking definition {ref}", field="object_marking_refs")
        if definition.get("definition_type") == "statement":
            continue  # a copyright or terms statement restricts no audience
        clauses |= rel_to_of_definition(definition)
    return Marking(Tlp.AMBER if tlp is None else tlp, frozenset(clauses))


def rel_to_of_definition(definition: Mapping[str, Any]) -> Clauses:
    """The REL TO clauses of a stratowatch REL TO marking definition, checked against its id."""
    ref = str(definition.get("id"))
    ext = definition.get("extensions", {}).get(RELEASABILITY_EXTENSION_ID)
    if not isinstance(ext, Mapping) or not isinstance(ext.get("rel_to"), list):
        raise ParseError(f"{ref} is neither TLP 2.0 nor a stratowatch REL TO marking",
                         field="object_marking_refs")
    try:
        clauses = frozenset(frozenset(_check_label(str(lab)) for lab in c) for c in ext["rel_to"])
    except ConfigError as exc:
        raise ParseError(str(exc), source=ref, field="rel_to") from exc
    if releasability_definition_id(clauses) != ref:
        raise ParseError("REL TO marking definition id does not match its content", source=ref)
    return clauses


def most_restrictive(markings: Iterable[Marking]) -> Marking:
    """The marking of a product derived from inputs with these markings.

    Highest TLP, and every input's REL TO clauses at once: a partner may receive the product iff
    it may receive every input (ownership of an input grants nothing on the product).
    """
    items = list(markings)
    if not items:
        raise ConfigError("most_restrictive needs at least one input marking")
    clauses: set[Clause] = set()
    for m in items:
        clauses |= m.rel_to
    return Marking(max(m.tlp for m in items), frozenset(clauses))


@dataclass(frozen=True)
class SanitisationRecord:
    """Audit record of a deliberate re-marking: who, when, what, from which marking, to which, why.

    `at` is a STIX timestamp (UTC); `by` names the person or service that decided.
    """

    object_id: str
    by: str
    at: str
    from_marking: Marking
    to_marking: Marking
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the audit log."""
        return {
            "object_id": self.object_id,
            "by": self.by,
            "at": self.at,
            "from": self.from_marking.to_dict(),
            "to": self.to_marking.to_dict(),
            "reason": self.reason,
        }


def sanitise(object_id: str, current: Marking, new: Marking, *, by: str, reason: str,
             at_s: float | None = None) -> tuple[Marking, SanitisationRecord]:
    """Re-mark a (sanitised) product, e.g. a forecast cone without its sensor reports, explicitly.

    This is the only way a derived product gets a wider marking than its inputs. It names the
    person or service that decided (`by`) and why; the caller stores the returned record in the
    audit log together with the re-marked object.
    """
    if not by.strip():
        raise ConfigError("sanitise: 'by' must name who releases the product")
    if not reason.strip():
        raise ConfigError("sanitise: a reason is required to release a product more widely")
    if not object_id:
        raise ConfigError("sanitise: the object id is required")
    when = stix_time(now_s() if at_s is None else at_s)
    return new, SanitisationRecord(object_id, by.strip(), when, current, new, reason.strip())


__all__ = [
    "RELEASABILITY_EXTENSION_ID",
    "TLP1_MARKING_IDS",
    "TLP2_EXTENSION_ID",
    "TLP_MARKING_IDS",
    "Marking",
    "SanitisationRecord",
    "Tlp",
    "group_label",
    "is_partner_label",
    "marking_from_refs",
    "most_restrictive",
    "partner_label",
    "rel_to_of_definition",
    "releasability_definition",
    "releasability_definition_id",
    "sanitise",
    "tlp_marking_definition",
    "tlp_of_definition_id",
]
