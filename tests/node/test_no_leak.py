"""No leaks through any path out: TAXII objects, manifest, object, versions, REST, events.

Each generated case draws partner groups and community membership, leaf objects with authored
markings and owners (some with a second, more restricted version), and chains of derived
objects marked ``most_restrictive`` of their inputs. The objects go in over TAXII (and as REST
observations, tracks and forecasts); then partners read them back through every path, and every
object version delivered must be allowed by the oracle below, written from the policy's prose.
TAXII object listings must also be complete (the test is not vacuous).

STRATOWATCH_PROPERTY_EXAMPLES sets the number of cases per database (default 200). A long run,
with the count hypothesis generated:

    STRATOWATCH_PROPERTY_EXAMPLES=100000 pytest tests/node/test_no_leak.py -k sqlite \
        --hypothesis-show-statistics
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratowatch.node import Node, PartnerConfig, create_app
from stratowatch.sharing import Marking, Partner, Tlp, audience_tokens, most_restrictive
from stratowatch.sharing import stix as S
from stratowatch.sharing.markings import releasability_definition_id
from stratowatch.sharing.policy import identity_id_of
from stratowatch.store import format_us
from stratowatch.store.stamps import now_us

from .conftest import PASSWORD, AsgiClient, node_config

EXAMPLES = int(os.environ.get("STRATOWATCH_PROPERTY_EXAMPLES", "200"))
IDS = ("ca", "fr", "uk", "nz", "no", "de")
OWNERS = (*IDS, "us")  # "us" is the node itself
GROUPS = ("five-eyes", "nato", "eu")
TAXII = "application/taxii+json;version=2.1"
_counter = itertools.count()


@dataclass(frozen=True)
class Authored:
    """A marking as a person wrote it: TLP and REL TO labels (None: no REL TO)."""

    tlp: Tlp
    rel_to: tuple[str, ...] | None

    def marking(self) -> Marking:
        return Marking.of(self.tlp, self.rel_to)


@dataclass(frozen=True)
class Version:
    """One version of one object: its inputs' authored markings (all apply) and owner."""

    inputs: tuple[Authored, ...]
    owner: str

    def marking(self) -> Marking:
        return most_restrictive([a.marking() for a in self.inputs])


def oracle_nonowner(p: Partner, a: Authored) -> bool:
    """The policy in plain words, for a partner that does not own the object."""
    if a.tlp != Tlp.CLEAR and not p.community:
        return False  # GREEN and above: community members only
    if a.rel_to is None:
        return a.tlp in (Tlp.CLEAR, Tlp.GREEN)  # AMBER and above need a REL TO list
    if a.tlp in (Tlp.AMBER_STRICT, Tlp.RED):
        return f"partner:{p.id}" in a.rel_to  # individually named partners only
    return f"partner:{p.id}" in a.rel_to or any(f"group:{g}" in a.rel_to for g in p.groups)


def allowed(p: Partner, v: Version) -> bool:
    return p.id == v.owner or all(oracle_nonowner(p, a) for a in v.inputs)


def definition_allowed(p: Partner, clauses: list[list[str]]) -> bool:
    """A REL TO definition goes to whoever its REL TO names (directly or by group)."""
    labels = {f"partner:{p.id}", *(f"group:{g}" for g in p.groups)}
    return all(any(label in labels for label in clause) for clause in clauses)


# Strategies are built once here, not inside each draw: building them cost more than drawing.
labels = st.sampled_from([*(f"partner:{i}" for i in IDS), *(f"group:{g}" for g in GROUPS)])
tlps = st.sampled_from(list(Tlp))
named = st.sets(st.sampled_from(IDS), min_size=1, max_size=3)
labelled = st.sets(labels, min_size=1, max_size=3)
owners = st.sampled_from(OWNERS)
memberships = st.tuples(*(st.tuples(st.sets(st.sampled_from(GROUPS)), st.booleans())
                          for _ in IDS))
kinds_of = st.sampled_from(["note", S.ALERT_TYPE])
reader_sets = st.sets(st.integers(0, len(IDS) - 1), min_size=1, max_size=3)


@st.composite
def authored(draw: st.DrawFn) -> Authored:
    tlp = draw(tlps)
    if draw(st.booleans()):
        return Authored(tlp, None)
    if tlp in (Tlp.AMBER_STRICT, Tlp.RED):
        return Authored(tlp, tuple(sorted(f"partner:{n}" for n in draw(named))))
    return Authored(tlp, tuple(sorted(draw(labelled))))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Partner], list[list[Version]], list[str], list[int]]:
    partners = [Partner(i, i.upper(), frozenset(groups), community)
                for i, (groups, community) in zip(IDS, draw(memberships), strict=True)]
    objects: list[list[Version]] = []
    leaf = authored()
    for _ in range(draw(st.integers(1, 4))):
        first = Version((draw(leaf),), draw(owners))
        versions = [first]
        if draw(st.booleans()):  # the creator restricts it further in a second version
            versions.append(Version((*first.inputs, draw(leaf)), first.owner))
        objects.append(versions)
    for _ in range(draw(st.integers(0, 4))):
        parents = draw(st.sets(st.integers(0, len(objects) - 1), min_size=1, max_size=3))
        inputs = tuple(a for i in sorted(parents) for a in objects[i][0].inputs)
        objects.append([Version(inputs, draw(owners))])
    kinds = [draw(kinds_of) for _ in objects]
    readers = sorted(draw(reader_sets))
    return partners, objects, kinds, readers


@dataclass
class Harness:
    """One node per database, reused by every case; its app called in-process over ASGI.

    One event loop for every case, and a bare ASGI caller: TestClient's thread portal and
    httpx's URL handling cost more than the node spends on a request.
    """

    node: Node
    client: AsgiClient
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, None]) -> None:
        self.loop.run_until_complete(coro)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def harness(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Harness]:
    tmp: Path = tmp_path_factory.mktemp("noleak")
    if request.param == "sqlite":
        # Durability is not under test here: no fsync per commit (the crash test covers it).
        url = f"sqlite:///{tmp / 'noleak.db'}?synchronous=OFF"
    else:
        url = request.getfixturevalue("pg_server").new_database()
    partners = tuple(PartnerConfig(i, i.upper(), username=i, password=PASSWORD) for i in IDS)
    node = Node.open(node_config(url, tmp, partners=partners), validate=False)
    # The audit writer runs; the pipeline worker does not. POST /observations stores each
    # observation with its audience before it answers, and that is what the REST path out
    # serves. Tracking the reports is the pipeline's business (test_pipeline.py covers what it
    # releases); its cost grows with the tracker's history (6 to 30 ms a case over the first
    # 800 cases) and would dominate a run of 100,000 cases.
    node.audit.start()
    loop = asyncio.new_event_loop()
    try:
        yield Harness(node, AsgiClient(create_app(node)), loop)
    finally:
        loop.close()
        node.stop()


def _stix(node: Node, kind: str, oid: str, v: Version, stamp: str) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": kind, "spec_version": "2.1", "id": oid, "created_by_ref": identity_id_of(
            v.owner), "created": stamp, "modified": stamp,
        "object_marking_refs": v.marking().object_marking_refs()}
    if kind == "note":
        obj["content"] = "case"
        obj["object_refs"] = [oid]
    else:
        obj.update(subject_ref=f"{S.BALLOON_TYPE}--{uuid.uuid4()}", zone_id="z",
                   alert_level="info", message="m")
    return node.signer.sign(obj) if v.owner == "us" else obj


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_no_object_reaches_a_partner_outside_its_releasability(
        harness: Harness,
        case: tuple[list[Partner], list[list[Version]], list[str], list[int]]) -> None:
    harness.run(_check(harness.node, harness.client, *case))


async def _check(node: Node, client: AsgiClient, partners: list[Partner],
                 objects: list[list[Version]], kinds: list[str], readers: list[int]) -> None:
    node.update_partners(partners)
    n = next(_counter)
    base_s = 1_800_000_000 + n * 100  # this case's own time window (REST queries by time)
    before = format_us(now_us(), precision="us")

    # In: STIX over TAXII (with the REL TO definitions), observations over REST, and tracks and
    # forecasts as the pipeline stores them.
    expected: dict[tuple[str, str], Version] = {}
    bundle: list[dict[str, Any]] = []
    definitions: dict[str, list[list[str]]] = {}
    for i, (versions, kind) in enumerate(zip(objects, kinds, strict=True)):
        oid = f"{kind}--{uuid.uuid4()}"
        for k, v in enumerate(versions):
            stamp = format_us((base_s + i) * 1_000_000 + k * 1000)
            bundle.append(_stix(node, kind, oid, v, stamp))
            expected[(oid, stamp)] = v
            for d in v.marking().marking_definitions()[1:]:
                definitions[d["id"]] = d["extensions"][next(iter(d["extensions"]))]["rel_to"]
                bundle.append(d)
        last = versions[-1]
        tokens = audience_tokens(last.marking(), last.owner)
        node.store.tracks.put(oid, {"id": oid}, tokens, updated_us=(base_s + i) * 1_000_000)
        node.store.forecasts.put(oid, {"id": oid}, tokens, issued_us=(base_s + i) * 1_000_000)
        if last.owner != "us" and len(last.inputs) == 1:
            rel = last.inputs[0]
            posted = await client.post("/api/v1/observations", auth=(last.owner, PASSWORD), json={
                "marking": {"tlp": rel.tlp.label, "rel_to": rel.rel_to},
                "observations": [{"time": base_s + i, "lat": 0, "lon": 0, "alt_m": 1,
                                  "sensor_id": oid}]})  # no track key: no pipeline products
            assert posted.status_code == 201, posted.text
            expected[(f"observation:{oid}", "")] = last
    added = await client.post("/taxii2/api/collections/inbox/objects/",
                              json={"objects": bundle}, auth=("ca", PASSWORD),
                              headers={"Content-Type": TAXII})
    assert added.json()["failure_count"] == 0, added.json()["failures"]

    window = {"since": format_us(base_s * 1_000_000), "until": format_us(
        (base_s + 99) * 1_000_000)}
    ids = [oid for oid, _ in expected if not oid.startswith("observation:")]
    latest = {oid: stamp for (oid, stamp) in expected}  # the last version of each
    base = "/taxii2/api/collections/inbox"
    for index in readers:
        p = partners[index]
        auth = (p.id, PASSWORD)

        async def get(path: str, params: dict[str, str], found: tuple[int, ...] = (200,),
                      auth: tuple[str, str] = auth) -> Any:
            """The JSON body of a read; a status outside ``found`` fails the case."""
            answer = await client.get(path, auth=auth, params=params)
            assert answer.status_code in (200, *found), (path, answer.status_code, answer.text)
            return answer.json() if answer.status_code == 200 else {}

        got: dict[str, set[tuple[str, str]]] = {}
        since = {"added_after": before, "match[version]": "all", "limit": "1000"}
        page = await get(f"{base}/objects/", since)
        got["taxii.objects"] = {(o["id"], o.get("modified", "")) for o in page.get("objects", [])}
        page = await get(f"{base}/manifest/", since)
        got["taxii.manifest"] = {(o["id"], o["version"]) for o in page.get("objects", [])}
        got["taxii.object"], got["taxii.versions"] = set(), set()
        for oid in ids[: 2]:  # 404 when nothing of it is released to the reader
            one = await get(f"{base}/objects/{oid}/", {"match[version]": "all"}, (404,))
            got["taxii.object"] |= {(o["id"], o["modified"]) for o in one.get("objects", [])}
            vs = await get(f"{base}/objects/{oid}/versions/", {}, (404,))
            got["taxii.versions"] |= {(oid, v) for v in vs.get("versions", [])}
        stream = await client.get("/events", auth=auth, params={"follow": "false",
                                                                "added_after": before})
        assert stream.status_code == 200, stream.text
        events = [json.loads(line[6:])["object"] for line in stream.text.split("\n")
                  if line.startswith("data: ")]
        got["events"] = {(o["id"], o.get("modified", "")) for o in events}
        got["rest.alerts"] = {(o["id"], o["modified"]) for o in await get(
            "/api/v1/alerts", {"since": before})}
        got["rest.tracks"] = {(t["id"], latest[t["id"]]) for t in await get(
            "/api/v1/tracks", {"since": window["since"]})}
        got["rest.forecasts"] = {(f["id"], latest[f["id"]]) for f in await get(
            "/api/v1/forecasts", {"since": window["since"]})}
        got["rest.observations"] = {(f"observation:{o['sensor_id']}", "") for o in await get(
            "/api/v1/observations", window)}

        for path, delivered in got.items():
            for oid, version in delivered:
                if oid.startswith("marking-definition--"):
                    clauses = definitions.get(oid)
                    assert clauses is None or definition_allowed(p, clauses), (path, p, oid)
                    continue
                assert (oid, version) in expected, (path, oid, version)
                assert allowed(p, expected[(oid, version)]), (
                    f"LEAK via {path}: {p} got {oid} {version} {expected[(oid, version)]}")
        want = {key for key, v in expected.items()
                if not key[0].startswith("observation:") and allowed(p, v)}
        assert {k for k in got["taxii.objects"] if k in expected} == want
        assert {k for k in got["events"] if k in expected} == want
    assert all(releasability_definition_id(frozenset(frozenset(c) for c in clauses)) == d
               for d, clauses in definitions.items())
