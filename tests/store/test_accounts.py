"""Partners, collections with per-partner rights, and hashed credentials."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from stratowatch.errors import ConfigError
from stratowatch.store import Store
from stratowatch.store.credentials import check_secret, hash_secret
from stratowatch.store.schema import credentials


def test_partners_with_groups(store: Store) -> None:
    store.partners.add("ca", "Canada", identity_ref="identity--x", groups=["fvey", "nato"])
    store.partners.add("uk", "United Kingdom")
    ca = store.partners.get("ca")
    assert ca is not None and ca.groups == {"fvey", "nato"} and ca.enabled
    store.partners.update("ca", groups=["nato"], enabled=False)
    ca = store.partners.get("ca")
    assert ca is not None and ca.groups == {"nato"} and not ca.enabled
    assert [p.id for p in store.partners.all()] == ["ca", "uk"]
    with pytest.raises(ConfigError):
        store.partners.add("uk", "again")
    with pytest.raises(ConfigError):
        store.partners.update("fr", name="France")
    assert store.partners.remove("uk") and not store.partners.remove("uk")


def test_collection_rights_default_and_per_partner(store: Store) -> None:
    store.partners.add("ca", "Canada")
    store.collections.add("c1", "Open", can_read=True)
    store.collections.add("c2", "Closed", description="internal", alias="closed")
    store.collections.grant("c2", "ca", can_read=True, can_write=True)
    mine = {c.id: (c.can_read, c.can_write) for c in store.collections.for_partner("ca")}
    assert mine == {"c1": (True, False), "c2": (True, True)}
    others = {c.id: (c.can_read, c.can_write) for c in store.collections.for_partner("uk")}
    assert others == {"c1": (True, False), "c2": (False, False)}
    c2 = store.collections.get("c2", "ca")
    assert c2 is not None and c2.to_taxii()["alias"] == "closed"
    with pytest.raises(ConfigError):
        store.collections.add("c1", "dup")
    with pytest.raises(ConfigError):
        store.collections.grant("c9", "ca", can_read=True, can_write=False)


def test_secrets_are_stored_only_as_salted_scrypt() -> None:
    one, two = hash_secret("hunter22"), hash_secret("hunter22")
    assert one != two and one.startswith("scrypt$16384$8$1$")
    assert check_secret("hunter22", one) and not check_secret("hunter23", one)
    assert not check_secret("hunter22", "md5$nonsense")


def test_passwords_and_tokens_verify_and_revoke(store: Store) -> None:
    store.partners.add("ca", "Canada")
    store.credentials.set_password("ca", "ca-taxii", "correct horse")
    assert store.credentials.verify_password("ca-taxii", "correct horse") == "ca"
    assert store.credentials.verify_password("ca-taxii", "wrong horse") is None
    assert store.credentials.verify_password("nobody", "correct horse") is None
    token = store.credentials.issue_token("ca", "collector")
    assert store.credentials.verify_token(token) == "ca"
    assert store.credentials.verify_token(token + "x") is None
    assert store.credentials.verify_token("Bearer nonsense") is None
    with store.engine.connect() as conn:
        hashes = conn.execute(select(credentials.c.secret_hash)).scalars().all()
    assert all("correct horse" not in h and token not in h for h in hashes)
    assert store.credentials.revoke_token(token)
    assert store.credentials.verify_token(token) is None
    store.credentials.set_password("ca", "ca-taxii", "new password")
    assert store.credentials.verify_password("ca-taxii", "correct horse") is None
    assert [c.kind for c in store.credentials.list("ca")] == ["token", "password"]
    with pytest.raises(ConfigError):
        store.credentials.issue_token("nobody")
    with pytest.raises(ConfigError):
        store.credentials.set_password("ca", "u", "short")
    # a NUL in a name is refused, not a database error (PostgreSQL rejects NUL in text)
    assert store.credentials.verify_password("ca-\x00taxii", "new password") is None
    assert store.credentials.verify_token("swt_ab\x00cd_secret") is None
    with pytest.raises(ConfigError, match="NUL"):
        store.credentials.set_password("ca", "ca\x00taxii", "new password")


def test_a_disabled_partner_cannot_authenticate(store: Store) -> None:
    store.partners.add("ca", "Canada", enabled=False)
    store.credentials.set_password("ca", "ca-taxii", "correct horse")
    assert store.credentials.verify_password("ca-taxii", "correct horse") is None
