"""Benchmark of the node's TAXII 2.1 server (issue 5) against medallion, through HTTP.

For N objects (STIX sightings of about 700 bytes; audiences mixed: 70 % TLP:GREEN, 20 %
TLP:AMBER REL TO five-eyes, 10 % TLP:AMBER REL TO another partner) it starts a node
(``stratowatch serve``, in its own process) on SQLite and on PostgreSQL and measures, from this
process over loopback HTTP:

1. ingest: objects/s added with TAXII add-objects (bundles of --bundle objects over --clients
   connections, each bundle acknowledged with its status; durable commits: SQLite WAL
   synchronous=FULL, PostgreSQL fsync on; medallion gets one connection: it serialises
   requests on one lock anyway);
2. the latency of one 100-object page (GET objects, limit=100) at a random ``added_after``, p50
   and p99 over --pages requests, for a partner who may read 90 % of the objects.

medallion (the OASIS reference server, memory backend, its own process) gets the first
--medallion-objects of the same objects in the same run, by the same requests. Its memory
backend copies and scans the whole collection on every request, so it is measured at sizes it
can serve (default 1,000) and the ratios compare our figure at N with its figure at that size.

Run: python bench/taxii.py [--objects 1000000] [--db sqlite|postgresql|both] [--pages 1000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from stratowatch.sharing import Marking, Tlp
from stratowatch.sharing.policy import identity_id_of
from stratowatch.store import format_us

BENCH_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_ROOT))
from store import postgres  # noqa: E402  (bench/store.py starts a throwaway PostgreSQL)

TAXII = "application/taxii+json;version=2.1"
PASSWORD = "bench-password-1"
MARKINGS = [Marking.of(Tlp.GREEN)] * 7 + [Marking.of(Tlp.AMBER, ["group:five-eyes"])] * 2 + [
    Marking.of(Tlp.AMBER, ["partner:uk"])]
CONFIG = """
[node]
id = "us"
database = "{db}"
identity_file = "{identity}"
scenario = "none"
demo = false

[[collections]]
id = "bench"
title = "bench"
can_read = true
can_write = true

[[collections]]
id = "balloons"
title = "Balloons"

[[partners]]
id = "ca"
groups = ["five-eyes"]
username = "ca"
password_env = "BENCH_PASSWORD"

[[partners]]
id = "uk"
groups = ["five-eyes"]
username = "uk"
password_env = "BENCH_PASSWORD"
"""


def sighting(rng: random.Random, n: int) -> dict[str, Any]:
    """A STIX sighting of a balloon with a position extension, about 700 bytes of JSON."""
    t = format_us(1_700_000_000_000_000 + n * 1_000_000)
    creator = identity_id_of("ca")
    bits = rng.getrandbits(128)
    return {
        "type": "sighting", "spec_version": "2.1",
        "id": f"sighting--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "created": t, "modified": t, "first_seen": t, "last_seen": t, "count": 1,
        "created_by_ref": creator,
        "sighting_of_ref": f"x-stratowatch-balloon--{uuid.UUID(int=bits, version=4)}",
        "where_sighted_refs": [creator],
        "object_marking_refs": MARKINGS[n % len(MARKINGS)].object_marking_refs(),
        "extensions": {"extension-definition--5b5f1e2c-7b0a-4f57-8a3c-9b7b1d9e0c11": {
            "extension_type": "property-extension", "lat": rng.uniform(-60, 60),
            "lon": rng.uniform(-180, 180), "alt_m": rng.uniform(15000, 22000),
            "sigma_h_m": 250.0, "sigma_v_m": 400.0, "sensor_id": f"radar-{n % 17}",
            "kind": "radar"}},
    }


def definitions() -> list[dict[str, Any]]:
    """The REL TO marking definitions the objects reference (sent with the first bundle)."""
    out: dict[str, dict[str, Any]] = {}
    for m in MARKINGS:
        out.update((d["id"], d) for d in m.marking_definitions()[1:])
    return list(out.values())


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], auth: tuple[str, str] | None) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url, auth=auth, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"server did not start: {url}")
        time.sleep(0.2)


@contextlib.contextmanager
def stratowatch_node(db_url: str, workdir: Path) -> Iterator[str]:
    """``stratowatch serve`` on ``db_url`` in its own process; the collection URL."""
    config = workdir / "node.toml"
    config.write_text(CONFIG.format(db=db_url, identity=workdir / "bench.identity"))
    port = free_port()
    env = {**os.environ, "BENCH_PASSWORD": PASSWORD}
    proc = subprocess.Popen([sys.executable, "-m", "stratowatch", "serve", "--config",
                             str(config), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(f"{base}/healthz", proc, None)
        yield f"{base}/taxii2/api/collections/bench/"
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@contextlib.contextmanager
def medallion(workdir: Path) -> Iterator[str]:
    """medallion with its memory backend in its own process; the collection URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = {
        "/discovery": {"title": "medallion", "default": f"{base}/bench/",
                       "api_roots": [f"{base}/bench/"]},
        "bench": {"information": {"title": "bench", "versions": [TAXII],
                                  "max_content_length": 1_000_000_000},
                  "status": [],
                  "collections": [{"id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
                                   "title": "bench", "can_read": True, "can_write": True,
                                   "media_types": ["application/stix+json;version=2.1"],
                                   "objects": [], "manifest": []}]},
    }
    (workdir / "medallion-data.json").write_text(json.dumps(data))
    (workdir / "medallion.json").write_text(json.dumps({
        "backend": {"module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend",
                    "filename": str(workdir / "medallion-data.json")},
        "users": {"ca": PASSWORD}, "taxii": {"max_page_size": 10_000}}))
    exe = shutil.which("medallion") or str(Path(sys.executable).with_name("medallion"))
    proc = subprocess.Popen([exe, "--port", str(port), "--log-level", "ERROR",
                             str(workdir / "medallion.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(f"{base}/taxii2/", proc, ("ca", PASSWORD))
        yield f"{base}/bench/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/"
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def bodies(first: list[dict[str, Any]], start: int, stop: int, bundle: int) -> list[bytes]:
    """The request bodies for objects ``start`` to ``stop`` (made before the clock starts; the
    objects themselves are not kept, so a million fit in memory)."""
    out = []
    for low in range(start, stop, bundle):
        rng = random.Random(low)
        objects = [sighting(rng, n) for n in range(low, min(stop, low + bundle))]
        out.append(json.dumps({"objects": (first if low == start else []) + objects}).encode())
    return out


def ingest(collection: str, requests: list[bytes], count: int, clients: int = 1) -> float:
    """Objects per second through TAXII add-objects: ``clients`` connections, each posting its
    share of the bundles one after another."""
    headers = {"Content-Type": TAXII, "Accept": TAXII}
    failures: list[str] = []

    def post(share: list[bytes]) -> None:
        with httpx.Client(auth=("ca", PASSWORD), timeout=1200) as client:
            for body in share:
                response = client.post(f"{collection}objects/", content=body, headers=headers)
                if response.status_code != 202:
                    failures.append(f"{response.status_code} {response.text[:300]}")
                    return

    shares = [requests[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=post, args=(share,)) for share in shares]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"add-objects failed: {failures[0]}")
    return count / elapsed


def page_latency(collection: str, stamps: list[str], pages: int, seed: int
                 ) -> tuple[float, float]:
    """p50 and p99 (ms) of a 100-object page at a random added_after."""
    rng = random.Random(seed)
    samples = []
    with httpx.Client(auth=("ca", PASSWORD), timeout=600,
                      headers={"Accept": TAXII}) as client:
        for i in range(pages + 5):
            after = stamps[rng.randrange(len(stamps))]
            began = time.perf_counter()
            response = client.get(f"{collection}objects/",
                                  params={"limit": 100, "added_after": after})
            elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 200:
                raise SystemExit(f"page failed: {response.status_code} {response.text[:300]}")
            if i >= 5:  # the first few warm connections and caches
                samples.append(elapsed)
    return percentiles(samples)


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def stamps_between(start_s: float, end_s: float, count: int = 10_000) -> list[str]:
    """Times spread over the ingest (the servers stamp date_added with this machine's clock),
    so pages start anywhere in the collection, not only near its beginning."""
    rng = random.Random(4)
    span = (end_s - start_s) * 0.98
    return [format_us(round((start_s + rng.random() * span) * 1e6), precision="us")
            for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--bundle", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=2,
                        help="concurrent connections adding bundles to stratowatch")
    parser.add_argument("--medallion-objects", type=int, default=1_000)
    parser.add_argument("--medallion-pages", type=int, default=20)
    parser.add_argument("--medallion-ingest-objects", type=int, default=5_000,
                        help="also time medallion's ingest up to this many objects")
    parser.add_argument("--pg-url", default=None, help="use this PostgreSQL database")
    args = parser.parse_args()

    first = definitions()
    print(f"{args.objects:,} objects of ~{len(json.dumps(sighting(random.Random(0), 0))):,} "
          f"bytes; pages of 100 at a random added_after over {args.pages} requests", flush=True)
    results: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="stratowatch-bench-") as tmp:
        work = Path(tmp)
        m = min(args.medallion_objects, args.objects)
        big = min(args.medallion_ingest_objects, args.objects)
        with medallion(work) as url:
            began = time.time()
            rate = ingest(url, bodies(first, 0, m, args.bundle), m)
            p50, p99 = page_latency(url, stamps_between(began, time.time()),
                                    args.medallion_pages, 2)
            print(f"medallion (memory backend) with {m:,} objects: ingest {rate:,.0f} "
                  f"objects/s; page p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                  f"({args.medallion_pages} pages)", flush=True)
            if big > m:
                later = ingest(url, bodies([], m, big, args.bundle), big - m)
                print(f"medallion ingest from {m:,} to {big:,} objects: {later:,.0f} "
                      "objects/s (each new object is compared with every stored one)",
                      flush=True)
        results["medallion"] = (rate, p50, p99)
        with contextlib.ExitStack() as stack:
            dbs = []
            if args.db in ("sqlite", "both"):
                dbs.append(("SQLite", f"sqlite:///{work / 'bench.db'}"))
            if args.db in ("postgresql", "both"):
                pg = args.pg_url or stack.enter_context(postgres())
                dbs.append(("PostgreSQL", pg))
            for label, db in dbs:
                requests = bodies(first, 0, args.objects, args.bundle)
                with stratowatch_node(db, work) as url:
                    began = time.time()
                    rate = ingest(url, requests, args.objects, args.clients)
                    del requests
                    p50, p99 = page_latency(url, stamps_between(began, time.time()),
                                            args.pages, 3)
                results[label] = (rate, p50, p99)
                print(f"stratowatch on {label} with {args.objects:,} objects: ingest "
                      f"{rate:,.0f} objects/s; page p50 {p50:.1f} ms, p99 {p99:.1f} ms",
                      flush=True)
    med_rate, _, med_p99 = results["medallion"]
    print("\nacceptance (targets: ingest >= 10,000 objects/s; page p99 <= 20 ms at 1,000,000 "
          "objects; >= 10x medallion on both)")
    for label, (rate, _p50, p99) in results.items():
        if label == "medallion":
            continue
        print(f"  {label:<10} ingest {rate:>9,.0f}/s ({rate / med_rate:,.1f}x medallion)  "
              f"page p99 {p99:6.1f} ms ({med_p99 / p99:,.1f}x faster than medallion at "
              f"{min(args.medallion_objects, args.objects):,})  at {args.objects:,} objects")


if __name__ == "__main__":
    main()
