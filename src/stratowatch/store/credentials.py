"""Partner credentials: passwords (HTTP Basic) and bearer tokens, stored as scrypt hashes.

A hash records its algorithm, parameters and salt (``scrypt$N$r$p$salt$hash``) so the cost can
rise later without breaking old ones. A slow hash on every request would spend the whole
latency budget, so a credential that verified is remembered in memory for ``cache_s`` seconds,
keyed by a salted digest (the secret itself is never kept); changing or revoking a credential in
this process clears the cache, other processes see it within ``cache_s``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from stratowatch.errors import ConfigError
from stratowatch.store.engine import read_transaction, write_transaction
from stratowatch.store.schema import credentials, partners
from stratowatch.store.stamps import now_us

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
TOKEN_PREFIX = "swt_"


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """A credential without its secret: for listing and revoking."""

    id: str
    partner_id: str
    kind: str
    username: str | None
    label: str
    created_us: int
    revoked_us: int | None


def hash_secret(secret: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """A salted scrypt hash of ``secret`` with its parameters, as one string."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                            maxmem=256 * n * r + 2**20)
    return "$".join(["scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)])


def check_secret(secret: str, stored: str) -> bool:
    """True when ``secret`` matches a hash made by :func:`hash_secret`."""
    try:
        algorithm, n, r, p, salt, digest = stored.split("$")
        if algorithm != "scrypt":
            return False
        got = hashlib.scrypt(secret.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             dklen=32, maxmem=256 * int(n) * int(r) + 2**20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


class Credentials:
    """Passwords and bearer tokens of partners."""

    def __init__(self, engine: Engine, *, cache_s: float = 60.0) -> None:
        self._engine = engine
        self._cache_s = cache_s
        self._cache: dict[bytes, tuple[str, float]] = {}
        self._pepper = secrets.token_bytes(32)
        self._lock = threading.Lock()

    def set_password(self, partner_id: str, username: str, password: str) -> str:
        """Set (or replace) the password of ``username``, who acts for ``partner_id``."""
        if not username or len(username) > 256 or "\x00" in username or len(password) < 8:
            raise ConfigError("a username of 1-256 characters (no NUL) and a password of 8 or "
                              "more")
        cid = "pw_" + secrets.token_hex(8)
        row = {"id": cid, "partner_id": partner_id, "kind": "password", "username": username,
               "label": "", "secret_hash": hash_secret(password), "created_us": now_us()}
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(delete(credentials).where(credentials.c.username == username))
                conn.execute(insert(credentials).values(row))
        except IntegrityError as exc:
            raise ConfigError(f"no partner {partner_id!r}") from exc
        self._forget()
        return cid

    def verify_password(self, username: str, password: str) -> str | None:
        """The partner ``username`` acts for if the password is right and enabled, else None."""
        if "\x00" in username:  # no stored name has one, and PostgreSQL refuses it in a query
            return None
        key = self._key("password", username, password)
        cached = self._cached(key)
        if cached is not None:
            return cached
        c = credentials
        found = self._lookup(c.c.username == username, "password")
        if found is None or not check_secret(password, found[1]):
            return None
        return self._remember(key, found[0])

    def issue_token(self, partner_id: str, label: str = "") -> str:
        """A new bearer token for ``partner_id``; shown once, only its hash is kept."""
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        row = {"id": "tk_" + token_id, "partner_id": partner_id, "kind": "token",
               "username": None, "label": label, "secret_hash": hash_secret(secret),
               "created_us": now_us()}
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(insert(credentials).values(row))
        except IntegrityError as exc:
            raise ConfigError(f"no partner {partner_id!r}") from exc
        return f"{TOKEN_PREFIX}{token_id}_{secret}"

    def verify_token(self, token: str) -> str | None:
        """The partner a bearer token belongs to, if valid, unrevoked and enabled, else None."""
        parts = token.split("_", 2) if token.startswith(TOKEN_PREFIX) else []
        if len(parts) != 3 or "\x00" in parts[1]:
            return None
        key = self._key("token", parts[1], parts[2])
        cached = self._cached(key)
        if cached is not None:
            return cached
        found = self._lookup(credentials.c.id == "tk_" + parts[1], "token")
        if found is None or not check_secret(parts[2], found[1]):
            return None
        return self._remember(key, found[0])

    def revoke(self, credential_id: str) -> bool:
        """Revoke a credential by id (a token's id is ``tk_`` and its middle part)."""
        c = credentials
        with write_transaction(self._engine) as conn:
            done = conn.execute(update(c).where(c.c.id == credential_id, c.c.revoked_us.is_(None))
                                .values(revoked_us=now_us()))
        self._forget()
        return done.rowcount > 0

    def revoke_token(self, token: str) -> bool:
        """Revoke a bearer token given whole."""
        parts = token.split("_", 2)
        return len(parts) == 3 and self.revoke("tk_" + parts[1])

    def list(self, partner_id: str) -> list[CredentialInfo]:
        """The credentials of a partner, without secrets."""
        c = credentials
        with read_transaction(self._engine) as conn:
            rows = conn.execute(select(c).where(c.c.partner_id == partner_id)
                                .order_by(c.c.created_us)).all()
        return [CredentialInfo(r.id, r.partner_id, r.kind, r.username, r.label, r.created_us,
                               r.revoked_us) for r in rows]

    def _lookup(self, where: ColumnElement[bool], kind: str) -> tuple[str, str] | None:
        c, p = credentials, partners
        with read_transaction(self._engine) as conn:
            row = conn.execute(
                select(c.c.partner_id, c.c.secret_hash)
                .join(p, p.c.id == c.c.partner_id)
                .where(where, c.c.kind == kind, c.c.revoked_us.is_(None),
                       p.c.enabled.is_(True))).first()
        return None if row is None else (row[0], row[1])

    def _key(self, kind: str, name: str, secret: str) -> bytes:
        return hmac.new(self._pepper, f"{kind}\0{name}\0{secret}".encode(),
                        hashlib.sha256).digest()

    def _cached(self, key: bytes) -> str | None:
        with self._lock:
            hit = self._cache.get(key)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def _remember(self, key: bytes, partner_id: str) -> str:
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (partner_id, time.monotonic() + self._cache_s)
        return partner_id

    def _forget(self) -> None:
        with self._lock:
            self._cache.clear()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)
