"""Objects arriving from partners (TAXII add-objects): checked one by one, stored as one batch.

Each object is labelled with the audience tokens of its own marking and creator, as the policy
says; its signature is verified when its key is known, and an object that claims a creator whose
key we hold must carry that creator's valid signature (so nobody can publish in this node's name
or a keyed partner's). An object that fails is listed in the status with the reason; the rest
are stored in one transaction, idempotent by (id, modified).
"""

from __future__ import annotations

import gc
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import StatementError

from stratowatch.errors import ConfigError, ParseError, SignatureError
from stratowatch.node.events import EventHub
from stratowatch.node.metrics import Metrics
from stratowatch.sharing import Keyring, Policy, verify
from stratowatch.sharing.markings import rel_to_of_definition, tlp_of_definition_id
from stratowatch.sharing.policy import owner_token
from stratowatch.sharing.signing import SIGNATURE_EXTENSION_ID
from stratowatch.store import NewObject, Status, Store, parse_us, status_of

_ID = re.compile(r"^([a-z0-9][a-z0-9-]{0,62})--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                 r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CACHE_MAX = 65_536

_orjson: Any
try:  # optional speed-up; the standard library does the same job
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None


class _GcPause:
    """Pause the cyclic garbage collector while a batch is parsed, labelled and stored.

    A bundle of thousands of parsed objects is tens of thousands of containers, all alive until
    the batch is stored and all freed by reference counting (JSON has no cycles). Left on, the
    collector walks them again and again as the batch allocates (measured: 40 % of ingest CPU).
    Nested and concurrent batches share one pause; the collector runs again after the last.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()


#: Wrap the handling of one add-objects request (its parse and :meth:`Inbound.receive`).
batch_gc_pause = _GcPause()


class Inbound:
    """Receives bundles for a collection on behalf of one partner."""

    def __init__(self, store: Store, policy: Policy, keyring: Keyring,
                 keyed_identities: frozenset[str], definitions: dict[str, Mapping[str, Any]],
                 hub: EventHub, metrics: Metrics,
                 save_status: Callable[[Status], None] | None = None) -> None:
        self._store = store
        self._policy = policy
        self._keyring = keyring
        self._keyed = keyed_identities
        self._definitions = definitions
        self._hub = hub
        self._metrics = metrics
        self._save_status = store.status.save if save_status is None else save_status
        self._cache: dict[tuple[Any, ...], frozenset[str]] = {}
        self._nobody = frozenset({owner_token(policy.self_partner.id)})
        self._lock = threading.Lock()

    def use_policy(self, policy: Policy) -> None:
        """Apply a new partner configuration from the next request on."""
        with self._lock:
            self._policy = policy
            self._cache.clear()

    def receive(self, collection_id: str, objects: Sequence[Any], partner_id: str) -> Status:
        """Store what passes, and the TAXII status of the whole request (saved for polling)."""
        with batch_gc_pause:
            return self._receive(collection_id, objects, partner_id)

    def _receive(self, collection_id: str, objects: Sequence[Any], partner_id: str) -> Status:
        known = dict(self._definitions)
        for obj in objects:
            if isinstance(obj, Mapping) and obj.get("type") == "marking-definition" \
                    and isinstance(obj.get("id"), str):
                known[obj["id"]] = obj
        items, failures, new_definitions = self._label(objects, known, check=False)
        try:
            result = self._store.add_objects(collection_id, items, owner=partner_id)
        except (ParseError, ValueError, StatementError):
            # Some object is malformed in a way the store refuses for the whole batch: check
            # each (the common, clean batch skips this) and store the others.
            items, failures, new_definitions = self._label(objects, known, check=True)
            result = self._store.add_objects(collection_id, items, owner=partner_id)
        if new_definitions:
            with self._lock:
                self._definitions.update(new_definitions)
        if result.added:
            self._hub.notify()
        self._metrics.inc("stratowatch_objects_received_total", len(result.added))
        self._metrics.inc("stratowatch_objects_rejected_total", len(failures))
        status = status_of(result, collection_id, partner_id, failures)
        self._save_status(status)
        return status

    def _label(self, objects: Sequence[Any], known: Mapping[str, Mapping[str, Any]], *,
               check: bool) -> tuple[list[NewObject], list[dict[str, Any]],
                                     dict[str, Mapping[str, Any]]]:
        """Each object with its audience tokens, or a failure saying why it has none."""
        items: list[NewObject] = []
        failures: list[dict[str, Any]] = []
        new_definitions: dict[str, Mapping[str, Any]] = {}
        append = items.append
        for index, obj in enumerate(objects):
            try:
                if check or not (type(obj) is dict or isinstance(obj, Mapping)):
                    _check_shape(obj, index)
                else:
                    _check_text(obj, index)
                self._check_signature(obj)
                tokens = self._tokens(obj, known)
            except (ParseError, SignatureError, ConfigError, KeyError, TypeError,
                    ValueError) as exc:
                failures.append(_failure(obj, str(exc)))
                continue
            definition = obj.get("type") == "marking-definition"
            if not tokens and definition:
                tokens = self._nobody  # a REL TO nobody can meet: kept, delivered to none
            if not tokens:
                failures.append(_failure(obj, "no partner may receive it (AMBER or above "
                                              "without REL TO, from an unknown creator)"))
                continue
            append(NewObject(obj, tokens, None, _dumps(obj)))
            if definition:
                new_definitions[obj["id"]] = obj
        return items, failures, new_definitions

    def _check_signature(self, obj: Mapping[str, Any]) -> None:
        exts = obj.get("extensions")
        signature = exts.get(SIGNATURE_EXTENSION_ID) if isinstance(exts, Mapping) else None
        creator = obj.get("created_by_ref")
        if isinstance(signature, Mapping) and signature.get("key_id") in self._keyring:
            verify(obj, self._keyring)
        elif creator in self._keyed:
            raise SignatureError(f"{obj.get('id')}: created by {creator}, whose objects must carry "
                                 "its valid signature")

    def _tokens(self, obj: Mapping[str, Any], known: Mapping[str, Mapping[str, Any]]
                ) -> frozenset[str]:
        kind = obj.get("type")
        if kind == "marking-definition":
            _check_shape(obj, 0)
            _check_definition(obj, self._definitions)
            return self._policy.tokens_for_object(obj, known)
        if kind == "extension-definition":
            return self._policy.tokens_for_object(obj, known)
        refs = obj.get("object_marking_refs", [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise ParseError("object_marking_refs must be a list of ids",
                             field="object_marking_refs")
        # Marking definitions we read are TLP (fixed ids) or REL TO (ids checked against their
        # content), so the same refs and creator always mean the same audience: cacheable.
        key = (tuple(refs), obj.get("created_by_ref"))
        found = self._cache.get(key)
        if found is None:
            found = self._policy.tokens_for_object(obj, known)
            with self._lock:
                if len(self._cache) >= _CACHE_MAX:
                    self._cache.clear()
                self._cache[key] = found
        return found


def loads(body: bytes) -> Any:
    """Parse a request body (orjson when installed)."""
    if _orjson is not None:
        try:
            return _orjson.loads(body)
        except _orjson.JSONDecodeError as exc:
            raise ValueError(str(exc)) from exc
    return json.loads(body)


def _dumps(obj: Mapping[str, Any]) -> str:
    """Compact JSON of an object as the store keeps it (orjson when installed: 5-10x faster)."""
    if _orjson is not None:
        try:
            return str(_orjson.dumps(obj).decode())
        except TypeError:
            pass
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _check_text(obj: Mapping[str, Any], index: int) -> None:
    """NUL in the columns the store indexes (no database keeps it in text; PostgreSQL refuses)."""
    for name in ("created_by_ref", "spec_version"):
        value = obj.get(name)
        if isinstance(value, str) and "\x00" in value:
            raise ParseError("NUL character", field=f"objects[{index}].{name}")


def _check_shape(obj: Any, index: int) -> None:
    """What the store would refuse for the whole batch, refused here for this object alone."""
    if not isinstance(obj, Mapping):
        raise ParseError("not a JSON object", field=f"objects[{index}]")
    stix_id, kind = obj.get("id"), obj.get("type")
    match = _ID.match(stix_id) if isinstance(stix_id, str) else None
    if match is None or match.group(1) != kind:
        raise ParseError(f"id {stix_id!r} is not {kind}--UUID", field=f"objects[{index}].id")
    spec = obj.get("spec_version", "2.1")
    if not isinstance(spec, str) or not spec or len(spec) > 8 or "\x00" in spec:
        raise ParseError(f"bad spec_version {spec!r}", field=f"objects[{index}].spec_version")
    for name in ("created", "modified"):
        value = obj.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise ParseError(f"not a timestamp: {value!r}", field=f"objects[{index}].{name}")
            try:
                parse_us(value, field=name)
            except ConfigError as exc:
                raise ParseError(str(exc), field=f"objects[{index}].{name}") from exc
    by = obj.get("created_by_ref")
    if by is not None and (not isinstance(by, str) or "\x00" in by or len(by) > 128):
        raise ParseError(f"bad created_by_ref {by!r}", field=f"objects[{index}].created_by_ref")


def _check_definition(obj: Mapping[str, Any], known: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse a marking definition that could stand in for a REL TO one.

    REL TO definitions have UUIDv5 ids derived from their content; a definition with such an id
    must be a REL TO definition whose content gives that id, or anybody could register a
    harmless-looking "statement" under the id of a REL TO list not yet seen and so widen the
    audience of every later object marked with it. A known id must keep its content.
    """
    stix_id = str(obj["id"])
    previous = known.get(stix_id)
    if previous is not None and dict(previous) != dict(obj):
        raise ParseError(f"{stix_id}: differs from the marking definition already known")
    if uuid.UUID(stix_id.partition("--")[2]).version == 5 and tlp_of_definition_id(stix_id) \
            is None:
        rel_to_of_definition(obj)


def _failure(obj: Any, message: str) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message[:500]}
    if isinstance(obj, Mapping):
        if isinstance(obj.get("id"), str):
            out["id"] = obj["id"]
        version = obj.get("modified", obj.get("created"))
        if isinstance(version, str):
            out["version"] = version
    out.setdefault("id", "unknown")
    return out
