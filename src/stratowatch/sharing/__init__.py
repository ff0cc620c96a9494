"""Sharing: markings and enforced releasability, the STIX 2.1 mapping, and signatures.

- `markings`: TLP 2.0 + REL TO (`Marking`), `most_restrictive` for derived products, and the
  audited `sanitise` that is the only way to release a product more widely;
- `policy`: the release rule, compiled to audience tokens for the store (`audience_tokens`,
  `partner_tokens`; visible iff they intersect), `may_receive` and `Policy.filter_bundle`;
- `stix`: partners, balloons, sightings, tracks, forecasts and alerts as STIX 2.1 objects,
  creator-only `new_version`, and the OASIS validator;
- `signing`: Ed25519 over RFC 8785 canonical JSON, carried in the object; `verify`.
"""

from stratowatch.sharing import stix
from stratowatch.sharing.markings import (
    Marking,
    SanitisationRecord,
    Tlp,
    group_label,
    marking_from_refs,
    most_restrictive,
    partner_label,
    sanitise,
    tlp_marking_definition,
)
from stratowatch.sharing.policy import (
    Partner,
    Policy,
    audience_tokens,
    may_receive,
    partner_tokens,
)
from stratowatch.sharing.signing import (
    Keyring,
    Signer,
    canonical_json,
    generate_key,
    sign,
    verify,
)
from stratowatch.sharing.stix import new_version, validation_errors

__all__ = [
    "Keyring",
    "Marking",
    "Partner",
    "Policy",
    "SanitisationRecord",
    "Signer",
    "Tlp",
    "audience_tokens",
    "canonical_json",
    "generate_key",
    "group_label",
    "marking_from_refs",
    "may_receive",
    "most_restrictive",
    "new_version",
    "partner_label",
    "partner_tokens",
    "sanitise",
    "sign",
    "stix",
    "tlp_marking_definition",
    "validation_errors",
    "verify",
]
