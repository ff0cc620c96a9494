"""The running node: its store, identity, partners, pipeline and the parts the HTTP app uses.

``Node.open(config)`` brings the database to the configured state (partners, groups,
collections, credentials), loads or makes the signing key, publishes the node's identity and
the definitions every reader needs, and wires the pipeline. ``start``/``stop`` run and halt the
background threads (pipeline worker, audit writer, scenario feed).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratowatch.errors import ConfigError
from stratowatch.node.audit import AuditBatcher
from stratowatch.node.config import (
    INBOX_COLLECTION,
    PUBLISH_COLLECTION,
    NodeConfig,
    PartnerConfig,
)
from stratowatch.node.events import EventHub
from stratowatch.node.identity import load_or_create
from stratowatch.node.inbound import Inbound
from stratowatch.node.metrics import Metrics
from stratowatch.node.pipeline import Pipeline
from stratowatch.node.publish import Publisher
from stratowatch.node.scenario import ScenarioFeed
from stratowatch.node.sightings import PartnerSightings
from stratowatch.sharing import Keyring, Marking, Partner, Policy, Tlp, partner_tokens
from stratowatch.sharing import stix as S
from stratowatch.sharing.policy import identity_id_of
from stratowatch.sharing.signing import b64url_decode, public_key_from_raw
from stratowatch.store import UNFILTERED, Collection, Store
from stratowatch.winds import WindField, ZonalJet, open_winds

log = logging.getLogger(__name__)
COLLECTION_CACHE_S = 2.0
DEMO_PARTNER = PartnerConfig(id="demo", name="Demo partner", groups=("demo",), username="demo")


@dataclass(frozen=True)
class DemoCredentials:
    """The demo partner's fresh credentials, printed at start (they change at every start)."""

    username: str
    password: str
    token: str


class Node:
    """One stratowatch node."""

    def __init__(self, config: NodeConfig, store: Store, *, validate: bool = True,
                 scenario_interval_s: float = 2.0) -> None:
        self.config = config
        self.store = store
        self.metrics = Metrics()
        self.hub = EventHub()
        identity_path = config.identity_path()
        self.signer, self.key_created = load_or_create(identity_path, config.node_id)
        partners = [*config.partners]
        if config.demo and DEMO_PARTNER.id not in {p.id for p in partners}:
            partners.append(DEMO_PARTNER)
        self.partner_configs = {p.id: p for p in partners}
        self.self_partner = Partner(config.node_id, config.node_name)
        self.policy = Policy(self.self_partner, [
            Partner(p.id, p.name, frozenset(p.groups), p.community) for p in partners])
        self._sync_partners()
        self._sync_collections()
        self.keyring = Keyring()
        self.keyring.add(self.signer.identity_id, self.signer.public_key)
        keyed = {self.signer.identity_id}
        for p in partners:
            if p.public_key:
                try:
                    key = public_key_from_raw(b64url_decode(p.public_key))
                except ValueError as exc:
                    raise ConfigError(f"partner {p.id}: bad public_key: {exc}") from exc
                self.keyring.add(identity_id_of(p.id), key)
                keyed.add(identity_id_of(p.id))
        self.definitions = self._load_definitions()
        self.validating = validate and _validator_installed()
        if validate and not self.validating:
            log.warning("stix2-validator is not installed: objects are signed but not validated "
                        "(pip install stix2-validator)")
        self.audit = AuditBatcher(store, self.metrics)
        self.publisher = Publisher(store, self.policy, self.signer, PUBLISH_COLLECTION,
                                   self.hub, self.metrics, validate=self.validating)
        created_s = identity_path.stat().st_mtime if identity_path.exists() else 0.0
        self.publisher.publish_constants(
            S.identity(self.self_partner, created_s=float(int(created_s)),
                       marking=Marking.of(Tlp.CLEAR)), Marking.of(Tlp.CLEAR))
        self.inbound = Inbound(store, self.policy, self.keyring, frozenset(keyed),
                               self.definitions, self.hub, self.metrics,
                               save_status=self.audit.save_status)
        winds = _winds(config.winds)
        inbox = (PartnerSightings(store, INBOX_COLLECTION, self.signer.identity_id,
                                  self.definitions)
                 if INBOX_COLLECTION in {c.id for c in config.collections} else None)
        self.pipeline = Pipeline(store, self.publisher, config.pipeline, winds,
                                 self.signer.identity_id, config.node_id, self.metrics,
                                 partner_sightings=inbox, hub=self.hub)
        self._collections: dict[tuple[str, str], tuple[Collection | None, float]] = {}
        self.scenario: ScenarioFeed | None = None
        if config.scenario == "builtin":
            last = max((r.updated_us for r in store.tracks.list(UNFILTERED, limit=1_000_000)),
                       default=None)
            self.scenario = ScenarioFeed(self.pipeline.ingest, config.own_marking,
                                         config.node_id, interval_s=scenario_interval_s,
                                         resume_after_s=None if last is None else last / 1e6)

    @classmethod
    def open(cls, config: NodeConfig, **kwargs: Any) -> Node:
        """Open the database and bring the node up (threads not yet started)."""
        store = Store.open(config.database)
        try:
            return cls(config, store, **kwargs)
        except BaseException:
            store.close()
            raise

    def start(self) -> None:
        """Start the audit writer, the pipeline worker and the scenario feed."""
        self.audit.start()
        self.pipeline.start()
        if self.scenario is not None:
            self.scenario.start()

    def stop(self) -> None:
        """Stop the threads (flushing audit rows) and close the database."""
        if self.scenario is not None:
            self.scenario.stop()
        self.pipeline.stop()
        self.audit.stop()
        self.store.close()

    # -- partners -------------------------------------------------------------------------------

    def collection(self, collection_id: str, partner_id: str) -> Collection | None:
        """A collection with the partner's rights, cached for a few seconds (read per request)."""
        key = (collection_id, partner_id)
        now = time.monotonic()
        hit = self._collections.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        found = self.store.collections.get(collection_id, partner_id)
        if len(self._collections) > 10_000:
            self._collections.clear()
        self._collections[key] = (found, now + COLLECTION_CACHE_S)
        return found

    def tokens_of(self, partner_id: str) -> frozenset[str] | None:
        """The audience tokens a partner holds now, or None for an unknown partner."""
        partner = self.policy.partners.get(partner_id)
        return None if partner is None else partner_tokens(partner)

    def update_partners(self, partners: Iterable[Partner]) -> None:
        """Replace the partners' groups and community membership (say, after a config reload).

        Stored objects keep their audience tokens (they depend on markings and owners only);
        what each partner may read changes with its new tokens at its next request.
        """
        policy = Policy(self.self_partner, partners)
        self.policy = policy
        self.inbound.use_policy(policy)
        self.publisher.use_policy(policy)
        self._sync_partners(credentials=False)

    def demo_credentials(self) -> DemoCredentials | None:
        """New credentials for the demo partner (old demo tokens are revoked), if configured."""
        if DEMO_PARTNER.id not in self.partner_configs or not self.config.demo:
            return None
        creds = self.store.credentials
        password = secrets.token_urlsafe(12)
        creds.set_password(DEMO_PARTNER.id, "demo", password)
        for info in creds.list(DEMO_PARTNER.id):
            if info.kind == "token" and info.label == "demo" and info.revoked_us is None:
                creds.revoke(info.id)
        return DemoCredentials("demo", password, creds.issue_token(DEMO_PARTNER.id, "demo"))

    def _sync_partners(self, *, credentials: bool = True) -> None:
        for partner in self.policy.partners.values():
            found = self.store.partners.get(partner.id)
            if found is None:
                self.store.partners.add(partner.id, partner.name,
                                        identity_ref=partner.identity_id, groups=partner.groups)
            elif found.groups != partner.groups or found.name != partner.name:
                self.store.partners.update(partner.id, name=partner.name, groups=partner.groups)
            conf = self.partner_configs.get(partner.id)
            if credentials and conf is not None and conf.username and conf.password:
                self.store.credentials.set_password(partner.id, conf.username, conf.password)

    def _sync_collections(self) -> None:
        for c in self.config.collections:
            if self.store.collections.get(c.id) is None:
                self.store.collections.add(c.id, c.title, description=c.description,
                                           can_read=c.can_read, can_write=c.can_write)

    def _load_definitions(self) -> dict[str, Mapping[str, Any]]:
        """Marking definitions already stored (any collection), for reading inbound markings."""
        found: dict[str, Mapping[str, Any]] = {}
        for c in self.store.collections.for_partner(None):
            cursor = None
            while True:
                page = self.store.page(c.id, UNFILTERED, limit=1000, next=cursor,
                                       match_type=["marking-definition"])
                found.update((o.stix_id, o.data()) for o in page.items)
                if not page.more:
                    break
                cursor = page.next
        return found


def _validator_installed() -> bool:
    try:
        import stix2validator  # noqa: F401
    except ImportError:
        return False
    return True


def _winds(spec: str) -> WindField:
    if spec == "builtin:jet":
        return ZonalJet()
    if not Path(spec).exists():
        raise ConfigError(f"winds {spec!r}: not 'builtin:jet' and no such file")
    return open_winds(spec)


def default_config_used(environ: Mapping[str, str] | None = None) -> bool:
    """Whether no STRATOWATCH_* variable is set (the embedded defaults apply)."""
    env = os.environ if environ is None else environ
    return not any(k.startswith("STRATOWATCH_") for k in env)


__all__ = ["INBOX_COLLECTION", "PUBLISH_COLLECTION", "DemoCredentials", "Node"]
