"""Benchmark of the node's TAXII 2.1 server (issue 5) against medallion, through HTTP.

For N objects (STIX sightings of about 870 bytes; markings mixed: 70 % TLP:GREEN, 20 %
TLP:AMBER REL TO five-eyes, 10 % TLP:AMBER REL TO another partner) it starts a node
(``stratowatch serve``, in its own process) on SQLite and on PostgreSQL and measures, from this
process over loopback HTTP:

1. ingest: objects/s added with TAXII add-objects (bundles of --bundle objects over --clients
   connections, each bundle acknowledged with its status only after its commit; durable
   commits: SQLite WAL synchronous=FULL, PostgreSQL fsync on), filling the collection from 0 to
   --same-size objects and then on to N, so the rate at medallion's size is measured too;
2. the latency of one 100-object page (GET objects, limit=100) at a random ``added_after``, p50
   and p99 over --pages requests, read by partner ca (the objects' owner, so it may read all of
   them; by marking alone 90 %).

Next to each wall-clock figure it prints the CPU the server process spent (from /proc, user +
system) and the CPU of this client process, because the machine may be shared: objects per
server CPU-second and server CPU milliseconds per page do not depend on what else runs.

medallion (the OASIS reference server, memory backend, its own process, one connection: it
serialises requests on one lock anyway) gets the same objects by the same requests. Its memory
backend compares each new object with every stored one and copies and scans the whole
collection on every read, so its figures fall as it fills: it is measured filling to each of
--medallion-sizes (ingest rate per step), with --medallion-pages pages at each size up to
--medallion-page-max (a page at 20,000 objects takes minutes). The ratios printed compare equal
sizes where both were measured (ingest from 0 to --same-size objects), and our figure at N
with medallion's at its sizes, which favours medallion.

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
def stratowatch_node(db_url: str, workdir: Path) -> Iterator[tuple[str, int]]:
    """``stratowatch serve`` on ``db_url`` in its own process; the collection URL and pid."""
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
        yield f"{base}/taxii2/api/collections/bench/", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=60)


@contextlib.contextmanager
def medallion(workdir: Path) -> Iterator[tuple[str, int]]:
    """medallion with its memory backend in its own process; the collection URL and pid."""
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
        yield f"{base}/bench/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_s(db_url: str) -> float:
    """CPU seconds of the PostgreSQL server listening on the URL's port (postmaster and its
    children, the backends), 0 when it is not on this machine or not PostgreSQL."""
    port = db_url.rpartition(":")[2].partition("/")[0]
    if not db_url.startswith("postgresql") or not port.isdigit():
        return 0.0
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stats[int(entry.name)] = ((entry / "cmdline").read_bytes().split(b"\0"),
                                          (entry / "stat").read_text().rpartition(")")[2].split())
    master = [pid for pid, (cmd, _) in stats.items()
              if cmd and cmd[0].endswith(b"postgres") and b"-p" in cmd
              and cmd[cmd.index(b"-p") + 1:cmd.index(b"-p") + 2] == [port.encode()]]
    family = [pid for pid, (_, stat) in stats.items()
              if pid in master or (len(stat) > 1 and int(stat[1]) in master)]
    return sum(int(stats[pid][1][11]) + int(stats[pid][1][12]) for pid in family) / os.sysconf(
        "SC_CLK_TCK")


class Meter:
    """Wall time, the server's CPU (and its database server's), and this process's CPU over
    one measured phase."""

    def __init__(self, pid: int, db_url: str = "") -> None:
        self.pid = pid
        self.db_url = db_url
        self.wall = self.server = self.client = self.database = 0.0

    @contextlib.contextmanager
    def measure(self) -> Iterator[None]:
        wall, server, client = time.perf_counter(), cpu_s(self.pid), time.process_time()
        database = postgres_cpu_s(self.db_url) if self.db_url else 0.0
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall
            self.server += cpu_s(self.pid) - server
            self.client += time.process_time() - client
            if self.db_url:
                self.database += postgres_cpu_s(self.db_url) - database


def bodies(first: list[dict[str, Any]], start: int, stop: int, bundle: int) -> list[bytes]:
    """The request bodies for objects ``start`` to ``stop`` (made before the clock starts; the
    objects themselves are not kept, so a million fit in memory)."""
    out = []
    for low in range(start, stop, bundle):
        rng = random.Random(low)
        objects = [sighting(rng, n) for n in range(low, min(stop, low + bundle))]
        out.append(json.dumps({"objects": (first if low == start else []) + objects}).encode())
    return out


def ingest(collection: str, requests: list[bytes], meter: Meter, clients: int = 1) -> None:
    """Add the bundles through TAXII add-objects: ``clients`` connections, each posting its
    share of the bundles one after another; time and CPU go to ``meter``."""
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
    with meter.measure():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        raise SystemExit(f"add-objects failed: {failures[0]}")


def page_latency(collection: str, stamps: list[str], pages: int, seed: int, pid: int,
                 db_url: str = "") -> tuple[float, float, float]:
    """p50 and p99 (ms) of a 100-object page at a random added_after, and the server's mean
    CPU milliseconds per page (PostgreSQL's own CPU per page printed when it is measured)."""
    rng = random.Random(seed)
    samples = []
    short = 0
    meter = Meter(pid, db_url)
    with httpx.Client(auth=("ca", PASSWORD), timeout=600,
                      headers={"Accept": TAXII}) as client:
        for i in range(pages + 5):
            after = stamps[rng.randrange(len(stamps))]
            with meter.measure() if i >= 5 else contextlib.nullcontext():
                began = time.perf_counter()
                response = client.get(f"{collection}objects/",
                                      params={"limit": 100, "added_after": after})
                elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 200:
                raise SystemExit(f"page failed: {response.status_code} {response.text[:300]}")
            if i >= 5:  # the first few warm connections and caches
                samples.append(elapsed)
                short += len(response.json().get("objects", [])) < 100
    p50, p99 = percentiles(samples)
    if short:
        print(f"  ({short} of {pages} pages had fewer than 100 objects: near the end)")
    if db_url.startswith("postgresql"):
        print(f"  (PostgreSQL server CPU {meter.database / pages * 1000:.2f} ms per page)")
    return p50, p99, meter.server / pages * 1000


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


def sizes(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def run_medallion(work: Path, first: list[dict[str, Any]], args: argparse.Namespace
                  ) -> dict[int, tuple[float, float | None]]:
    """medallion filled step by step; {size: (objects/s from 0 to size, page p99 ms)}."""
    filled: dict[int, tuple[float, float | None]] = {}
    with medallion(work) as (url, pid):
        meter = Meter(pid)
        done = 0
        for size in sizes(args.medallion_sizes):
            step = Meter(pid)
            began = time.time()
            ingest(url, bodies(first if done == 0 else [], done, size, args.bundle), step)
            meter.wall, meter.server = meter.wall + step.wall, meter.server + step.server
            filled[size] = (size / meter.wall, None)
            print(f"medallion: ingest {done:,} -> {size:,} objects: "
                  f"{(size - done) / step.wall:,.0f} objects/s (this step; from 0: "
                  f"{size / meter.wall:,.0f}/s); server CPU "
                  f"{step.server:.1f} s, {(size - done) / max(step.server, 1e-9):,.0f} objects "
                  "per CPU-s", flush=True)
            if size <= args.medallion_page_max and args.medallion_pages:
                p50, p99, cpu_ms = page_latency(url, stamps_between(began, time.time()),
                                                args.medallion_pages, 2, pid)
                print(f"medallion: page of 100 with {size:,} objects stored: p50 {p50:,.1f} ms,"
                      f" p99 {p99:,.1f} ms ({args.medallion_pages} pages; server CPU "
                      f"{cpu_ms:,.1f} ms per page)", flush=True)
                filled[size] = (size / meter.wall, p99)
            done = size
    return filled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--bundle", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=2,
                        help="concurrent connections adding bundles to stratowatch")
    parser.add_argument("--same-size", type=int, default=20_000,
                        help="also time our ingest from 0 to this many objects")
    parser.add_argument("--medallion-sizes", default="1000,5000,20000",
                        help="fill medallion to each of these sizes in turn (empty: skip it)")
    parser.add_argument("--medallion-pages", type=int, default=10)
    parser.add_argument("--medallion-page-max", type=int, default=1_000,
                        help="measure medallion's pages at the sizes up to this one")
    parser.add_argument("--pg-url", default=None, help="use this PostgreSQL database")
    args = parser.parse_args()

    first = definitions()
    print(f"{args.objects:,} objects of ~{len(json.dumps(sighting(random.Random(0), 0))):,} "
          f"bytes; pages of 100 at a random added_after over {args.pages} requests; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    results: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="stratowatch-bench-") as tmp:
        work = Path(tmp)
        med = run_medallion(work, first, args) if args.medallion_sizes.strip() else {}
        with contextlib.ExitStack() as stack:
            dbs = []
            if args.db in ("sqlite", "both"):
                dbs.append(("SQLite", f"sqlite:///{work / 'bench.db'}"))
            if args.db in ("postgresql", "both"):
                pg = args.pg_url or stack.enter_context(postgres())
                dbs.append(("PostgreSQL", pg))
            for label, db in dbs:
                split = min(args.same_size, args.objects) // args.bundle
                requests = bodies(first, 0, args.objects, args.bundle)
                with stratowatch_node(db, work) as (url, pid):
                    began = time.time()
                    early, later = Meter(pid, db), Meter(pid, db)
                    ingest(url, requests[:split], early, args.clients)
                    ingest(url, requests[split:], later, args.clients)
                    del requests
                    wall = early.wall + later.wall
                    rate = args.objects / wall
                    p50, p99, cpu_ms = page_latency(url, stamps_between(began, time.time()),
                                                    args.pages, 3, pid, db)
                results[label] = (rate, p99, early.wall)
                head = split * args.bundle
                print(f"stratowatch on {label}: ingest 0 -> {args.objects:,} objects: {rate:,.0f}"
                      f" objects/s (0 -> {head:,}: {head / max(early.wall, 1e-9):,.0f}/s); "
                      f"server CPU {early.server + later.server:.1f} s = "
                      f"{args.objects / (early.server + later.server):,.0f} objects per CPU-s;"
                      f" client CPU {early.client + later.client:.1f} s"
                      + (f"; PostgreSQL server CPU {early.database + later.database:.1f} s"
                         if db.startswith("postgresql") else ""), flush=True)
                print(f"stratowatch on {label} with {args.objects:,} objects: page p50 "
                      f"{p50:.1f} ms, p99 {p99:.1f} ms; server CPU {cpu_ms:.2f} ms per page",
                      flush=True)
    print("\nacceptance (targets: ingest >= 10,000 objects/s; page p99 <= 20 ms at 1,000,000 "
          "objects; >= 10x medallion on both)")
    for label, (rate, p99, early_wall) in results.items():
        head = min(args.same_size, args.objects) // args.bundle * args.bundle
        print(f"  {label:<10} ingest {rate:>9,.0f}/s, page p99 {p99:6.1f} ms at "
              f"{args.objects:,} objects")
        for size, (med_rate, med_p99) in med.items():
            line = f"      vs medallion filled to {size:>7,}: ingest {rate / med_rate:6.1f}x"
            if size == head and early_wall > 0:
                line += f" (at equal size {head / early_wall / med_rate:.1f}x)"
            if med_p99 is not None:
                line += f"; page p99 {med_p99 / p99:,.0f}x faster"
            print(line)


if __name__ == "__main__":
    main()
