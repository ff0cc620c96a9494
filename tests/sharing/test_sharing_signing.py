"""Signatures: Ed25519 over RFC 8785 JSON, carried in the object, checked against the creator."""

from __future__ import annotations

import copy
import json

import pytest

from stratowatch.errors import ConfigError, SignatureError
from stratowatch.sharing import Keyring, Marking, Partner, Signer, Tlp, generate_key, sign, verify
from stratowatch.sharing import stix as S
from stratowatch.sharing.signing import (
    SIGNATURE_EXTENSION_ID,
    canonical_json,
    key_id,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_from_raw,
    public_key_to_pem,
    public_key_to_raw,
    unsigned,
)

UK = Partner("uk", "United Kingdom")
CA = Partner("ca", "Canada")
UK_SIGNER = Signer(UK.identity_id, generate_key())
CA_SIGNER = Signer(CA.identity_id, generate_key())


@pytest.fixture
def keyring() -> Keyring:
    ring = Keyring()
    ring.add(UK.identity_id, UK_SIGNER.public_key)
    ring.add(CA.identity_id, CA_SIGNER.public_key)
    return ring


def sighting() -> dict[str, object]:
    b = S.balloon(creator=UK.identity_id, local_id="b", marking=Marking.of(Tlp.GREEN),
                  created_s=1e9)
    return S.sighting(creator=UK.identity_id, balloon_ref=str(b["id"]),
                      marking=Marking.of(Tlp.GREEN), time_s=1e9, lat=10.0, lon=20.0,
                      alt_m=19_000.123, sensor_kind="visual", sigma_h_m=1e-7)


def test_signed_object_verifies_after_a_json_round_trip(keyring: Keyring) -> None:
    signed = sign(sighting(), UK_SIGNER)
    reread = json.loads(json.dumps(signed, indent=2, sort_keys=False)[::1])
    assert verify(reread, keyring) == UK_SIGNER.key_id
    ext = signed["extensions"][SIGNATURE_EXTENSION_ID]
    assert ext["alg"] == "Ed25519" and ext["extension_type"] == "property-extension"
    assert "=" not in ext["signature"]


@pytest.mark.parametrize("path", [("extensions",), ("object_marking_refs",), ("count",),
                                  ("last_seen",), ("alt_m",)])
def test_any_change_after_signing_is_detected(keyring: Keyring, path: tuple[str]) -> None:
    signed = sign(sighting(), UK_SIGNER)
    tampered = copy.deepcopy(signed)
    if path == ("alt_m",):
        tampered["extensions"][S.OBSERVATION_EXTENSION_ID]["alt_m"] += 1.0
    elif path == ("extensions",):
        tampered["extensions"][S.OBSERVATION_EXTENSION_ID]["sensor_kind"] = "radar"
    elif path == ("object_marking_refs",):
        tampered["object_marking_refs"] = [Tlp.CLEAR.marking_definition_id]
    elif path == ("count",):
        tampered["count"] = 2
    else:
        tampered["last_seen"] = "2001-09-09T01:46:41.000Z"
    with pytest.raises(SignatureError, match="does not verify"):
        verify(tampered, keyring)


def test_missing_signature_and_unknown_key_are_errors(keyring: Keyring) -> None:
    with pytest.raises(SignatureError, match="not signed"):
        verify(sighting(), keyring)
    stranger = Signer(UK.identity_id, generate_key())
    with pytest.raises(SignatureError, match="unknown signing key"):
        verify(stranger.sign(sighting()), keyring)
    broken = sign(sighting(), UK_SIGNER)
    broken["extensions"][SIGNATURE_EXTENSION_ID]["signature"] = "!!"
    with pytest.raises(SignatureError):
        verify(broken, keyring)


def test_a_partner_cannot_sign_in_another_name(keyring: Keyring) -> None:
    with pytest.raises(SignatureError, match="only the creator signs"):
        CA_SIGNER.sign(sighting())
    forged = sign(sighting(), UK_SIGNER)
    ext = forged["extensions"][SIGNATURE_EXTENSION_ID]
    body = unsigned(forged)
    from stratowatch.sharing.signing import b64url
    ext["key_id"] = CA_SIGNER.key_id
    ext["signature"] = b64url(CA_SIGNER.private_key.sign(canonical_json(body)))
    with pytest.raises(SignatureError, match="created by"):
        verify(forged, keyring)


def test_resigning_replaces_the_old_signature(keyring: Keyring) -> None:
    once = sign(sighting(), UK_SIGNER)
    twice = sign(once, UK_SIGNER)
    assert unsigned(twice) == unsigned(once) == sighting()
    verify(twice, keyring)


def test_keys_serialise_to_pem_and_raw() -> None:
    key = generate_key()
    assert public_key_to_raw(private_key_from_pem(private_key_to_pem(key)).public_key()) == \
        public_key_to_raw(key.public_key())
    pem = private_key_to_pem(key, password=b"s3cret")
    assert b"ENCRYPTED" in pem
    with pytest.raises(ConfigError):
        private_key_from_pem(pem, password=b"wrong")
    pub = key.public_key()
    assert key_id(public_key_from_pem(public_key_to_pem(pub))) == key_id(pub)
    assert key_id(public_key_from_raw(public_key_to_raw(pub))) == key_id(pub)
    with pytest.raises(ConfigError):
        public_key_from_raw(b"short")


def test_keyring_refuses_one_key_for_two_identities() -> None:
    ring = Keyring()
    ring.add(UK.identity_id, UK_SIGNER.public_key)
    with pytest.raises(ConfigError, match="already registered"):
        ring.add(CA.identity_id, UK_SIGNER.public_key)
    assert UK_SIGNER.key_id in ring and len(ring) == 1


def test_canonical_json_follows_rfc_8785() -> None:
    assert canonical_json({"b": 1.0, "a": [1e21, 0.1, -0.0, "é"]}) == \
        '{"a":[1e+21,0.1,0,"é"],"b":1}'.encode()
    with pytest.raises(SignatureError):
        canonical_json({"x": float("nan")})


def test_an_object_with_empty_extensions_signs_and_verifies(keyring: Keyring) -> None:
    note = {"type": "note", "spec_version": "2.1",
            "id": "note--1d0b6f5e-8d4c-4a61-9a0c-2b2f0c8b1f11",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "created_by_ref": UK.identity_id, "content": "seen", "object_refs": [
                "note--1d0b6f5e-8d4c-4a61-9a0c-2b2f0c8b1f12"], "extensions": {}}
    assert verify(sign(note, UK_SIGNER), keyring) == UK_SIGNER.key_id
