"""Ed25519 signatures over RFC 8785 canonical JSON, carried inside the STIX object.

The signature travels as a STIX property extension on the object it signs::

    "extensions": {"extension-definition--<signature>": {
        "extension_type": "property-extension", "alg": "Ed25519",
        "key_id": "ed25519:<base64url of the first 16 bytes of SHA-256(raw public key)>",
        "signature": "<base64url, no padding>"}}

The signed bytes are the RFC 8785 (JCS) serialisation of the object without that extension (and
without `extensions` if it was the only one), so any node that parses and re-serialises the JSON
verifies it. A key belongs to one identity, and a signature verifies only if the key's identity is
the object's `created_by_ref`: a partner cannot sign in another's name.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from stratowatch.errors import ConfigError, SignatureError
from stratowatch.sharing._ids import det_id

#: The stratowatch property extension that carries an object's signature.
SIGNATURE_EXTENSION_ID = det_id("extension-definition", "signature", "1")
ALGORITHM = "Ed25519"


def generate_key() -> Ed25519PrivateKey:
    """A new Ed25519 private key for a node identity."""
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with `password` when given (recommended on disk)."""
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password
        else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def private_key_from_pem(data: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Inverse of `private_key_to_pem`; ConfigError if it is not an Ed25519 key."""
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read the private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("the private key is not an Ed25519 key")
    return key


def public_key_to_pem(key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM, to hand to partners."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_from_pem(data: bytes) -> Ed25519PublicKey:
    """Inverse of `public_key_to_pem`; ConfigError if it is not an Ed25519 key."""
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise ConfigError(f"cannot read the public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("the public key is not an Ed25519 key")
    return key


def public_key_to_raw(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key (for configuration files as base64url)."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_from_raw(data: bytes) -> Ed25519PublicKey:
    """Inverse of `public_key_to_raw`."""
    try:
        return Ed25519PublicKey.from_public_bytes(data)
    except ValueError as exc:
        raise ConfigError(f"not a raw Ed25519 public key: {exc}") from exc


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 style)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of `b64url`; ValueError on bad input."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(key: Ed25519PublicKey) -> str:
    """A short stable id of a public key: `ed25519:` + base64url(SHA-256(raw)[:16])."""
    return "ed25519:" + b64url(hashlib.sha256(public_key_to_raw(key)).digest()[:16])


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON value: sorted keys, ECMAScript numbers, no spaces."""
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise SignatureError(f"object is not canonicalisable JSON: {exc}") from exc


def unsigned(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `obj` without its signature extension: the content that is signed."""
    out = dict(obj)
    exts = obj.get("extensions")
    if isinstance(exts, Mapping):
        # an empty "extensions" is dropped whether or not a signature was there, so that the
        # signer and the verifier canonicalise the same content
        rest = {k: v for k, v in exts.items() if k != SIGNATURE_EXTENSION_ID}
        if rest:
            out["extensions"] = rest
        else:
            del out["extensions"]
    return out


@dataclass(frozen=True)
class Signer:
    """A node identity's private key: signs the objects that identity creates."""

    identity_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half, to publish to partners."""
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        """Id of the public key (see `key_id`)."""
        return key_id(self.public_key)

    def sign(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of `obj` carrying a fresh signature (any old one is replaced)."""
        if obj.get("created_by_ref") != self.identity_id:
            raise SignatureError(f"{obj.get('id')}: created by {obj.get('created_by_ref')!r}, "
                                 f"not by {self.identity_id}; only the creator signs")
        body = unsigned(obj)
        sig = self.private_key.sign(canonical_json(body))
        out = dict(body)
        out["extensions"] = {
            **dict(body.get("extensions", {})),
            SIGNATURE_EXTENSION_ID: {
                "extension_type": "property-extension",
                "alg": ALGORITHM,
                "key_id": self.key_id,
                "signature": b64url(sig),
            },
        }
        return out


class Keyring:
    """Public keys of known identities (this node and its partners), by key id."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, Ed25519PublicKey]] = {}

    def add(self, identity_id: str, public_key: Ed25519PublicKey) -> str:
        """Trust `public_key` for objects created by `identity_id`; returns its key id."""
        kid = key_id(public_key)
        known = self._keys.get(kid)
        if known is not None and known[0] != identity_id:
            raise ConfigError(f"key {kid} is already registered for {known[0]}")
        self._keys[kid] = (identity_id, public_key)
        return kid

    def get(self, kid: str) -> tuple[str, Ed25519PublicKey]:
        """(identity id, public key) of a key id; SignatureError if unknown."""
        try:
            return self._keys[kid]
        except KeyError:
            raise SignatureError(f"unknown signing key {kid}") from None

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __len__(self) -> int:
        return len(self._keys)


def sign(obj: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """`signer.sign(obj)`."""
    return signer.sign(obj)


def verify(obj: Mapping[str, Any], keyring: Keyring) -> str:
    """Check an object's signature; returns the key id. SignatureError on any failure.

    Fails when the signature is absent or malformed, the key is unknown, the key does not belong
    to the object's `created_by_ref`, or the content was changed after signing.
    """
    oid = obj.get("id", "<no id>")
    exts = obj.get("extensions")
    sig = exts.get(SIGNATURE_EXTENSION_ID) if isinstance(exts, Mapping) else None
    if not isinstance(sig, Mapping):
        raise SignatureError(f"{oid}: not signed")
    if sig.get("alg") != ALGORITHM:
        raise SignatureError(f"{oid}: unsupported signature algorithm {sig.get('alg')!r}")
    kid, text = sig.get("key_id"), sig.get("signature")
    if not isinstance(kid, str) or not isinstance(text, str):
        raise SignatureError(f"{oid}: malformed signature")
    owner, public = keyring.get(kid)
    if obj.get("created_by_ref") != owner:
        raise SignatureError(f"{oid}: signed with a key of {owner}, "
                             f"but created by {obj.get('created_by_ref')!r}")
    try:
        public.verify(b64url_decode(text), canonical_json(unsigned(obj)))
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(f"{oid}: signature does not verify (changed after signing?)") from exc
    return kid


__all__ = [
    "SIGNATURE_EXTENSION_ID",
    "Keyring",
    "Signer",
    "canonical_json",
    "generate_key",
    "key_id",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_pem",
    "public_key_from_raw",
    "public_key_to_pem",
    "public_key_to_raw",
    "sign",
    "unsigned",
    "verify",
]
