"""Publishing: sign, validate, label with audience tokens, store in one transaction, announce.

Everything the node creates leaves through here, so no unsigned, invalid or unlabelled object
can reach a partner. Objects that fail the OASIS validator are not stored; the node logs them
and counts them in ``/metrics`` (a bug in a builder must not stop the pipeline).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stratowatch.node.events import EventHub
from stratowatch.node.metrics import Metrics
from stratowatch.sharing import Marking, Policy, Signer, audience_tokens, validation_errors
from stratowatch.sharing import stix as S
from stratowatch.sharing.markings import tlp_marking_definition
from stratowatch.sharing.policy import owner_token
from stratowatch.sharing.signing import canonical_json
from stratowatch.store import NewObject, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """An object the node made, its marking, and partners who own its input outright.

    ``sources`` are the partners whose own report the object restates (a sighting of one report):
    they receive it whatever the marking, as they would their own report.
    """

    obj: Mapping[str, Any]
    marking: Marking
    sources: frozenset[str] = frozenset()


class Publisher:
    """Signs and stores the node's objects in its publication collection."""

    def __init__(self, store: Store, policy: Policy, signer: Signer, collection_id: str,
                 hub: EventHub,
                 metrics: Metrics, *, validate: bool = True) -> None:
        self._store = store
        self._policy = policy
        self._signer = signer
        self._collection = collection_id
        self._published: set[str] = set()  # REL TO definitions stored (idempotent anyway)
        self._hub = hub
        self._metrics = metrics
        self._validate = validate
        self._lock = threading.Lock()

    def use_policy(self, policy: Policy) -> None:
        """Apply a new partner configuration from the next batch on."""
        self._policy = policy

    def publish_constants(self, identity: Mapping[str, Any], marking: Marking) -> None:
        """The definitions every reader needs: TLP 2.0, extensions, the project and this node."""
        from stratowatch.sharing import Tlp

        constants: list[Mapping[str, Any]] = [tlp_marking_definition(t) for t in Tlp]
        constants += [S.project_identity(), *S.extension_definitions()]
        items = [NewObject(obj, self._policy.tokens_for_object(obj, {})) for obj in constants]
        signed = self._signer.sign(identity)
        items.append(self._labelled(signed, marking, frozenset()))
        self._store_items(items)

    def publish(self, outgoing: Sequence[Outgoing]) -> int:
        """Sign, validate and store a batch with any REL TO definitions it needs; how many."""
        items: list[NewObject] = []
        with self._lock:
            for out in outgoing:
                for definition in out.marking.marking_definitions():
                    if definition["id"] not in self._published:
                        self._published.add(definition["id"])
                        tokens = self._policy.tokens_for_object(definition, {})
                        # A REL TO nobody can meet: kept for the node itself, delivered to none.
                        items.append(NewObject(definition, tokens or frozenset(
                            {owner_token(self._policy.self_partner.id)})))
            for out in outgoing:
                signed = self._signer.sign(out.obj)
                if self._validate:
                    errors = validation_errors(signed)
                    if errors:
                        self._metrics.inc("stratowatch_invalid_objects_total")
                        log.error("not publishing %s: %s", signed.get("id"), "; ".join(errors))
                        continue
                items.append(self._labelled(signed, out.marking, out.sources))
        self._store_items(items)
        return len(items)

    def tokens(self, marking: Marking) -> frozenset[str]:
        """The audience tokens of an object this node made under ``marking``.

        Computed from the marking itself, never by looking definitions up again, so nothing a
        partner sent can change the audience of the node's own objects.
        """
        return audience_tokens(marking, self._policy.self_partner.id)

    def _labelled(self, signed: Mapping[str, Any], marking: Marking,
                  sources: Iterable[str]) -> NewObject:
        tokens = set(self.tokens(marking))
        tokens.update(owner_token(p) for p in sources)
        text = canonical_json(signed).decode()
        return NewObject(signed, frozenset(tokens), json_text=text)

    def _store_items(self, items: list[NewObject]) -> None:
        if not items:
            return
        owner = self._policy.self_partner.id
        result = self._store.add_objects(self._collection, items, owner=owner)
        self._metrics.inc("stratowatch_published_objects_total", len(result.added))
        self._hub.notify()
