"""Benchmark of the store (issue 5): ingest rate and 100-object page latency, SQLite and PostgreSQL.

For N objects (STIX sightings of about 700 bytes, audiences mixed: 70 % "*", 20 % a group and a
partner, 10 % another partner) in batches of 1,000, it prints:

1. ingest objects/s through ``Store.add_objects`` (dicts in, JSON dumped, tokens, one
   transaction per batch, durable commits: SQLite WAL synchronous=FULL, PostgreSQL fsync on);
2. the latency of a 100-object page at a random ``added_after`` (p50/p99 over --pages reads),
   for a reader who sees 90 % of the objects, for one who sees 10 %, for the manifest, and for
   ``next`` paging from a cursor.

The PostgreSQL server is started here on loopback (throwaway, in a temporary directory) from
/usr/lib/postgresql/*/bin, or give --pg-url.

Run: python bench/store.py [--objects 1000000] [--db sqlite|postgresql|both] [--pages 1000]
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from stratowatch.store import Store, format_us

READER_WIDE = frozenset({"*", "community", "partner:ca", "group:fvey"})
READER_NARROW = frozenset({"partner:uk"})
AUDIENCES = [frozenset({"*"})] * 7 + [frozenset({"group:fvey", "partner:ca"})] * 2 + [
    frozenset({"partner:uk"})]


def sighting(rng: random.Random, n: int) -> dict[str, Any]:
    """A STIX sighting of a balloon with a position extension, about 700 bytes of JSON."""
    t = format_us(1_700_000_000_000_000 + n * 1_000_000)
    return {
        "type": "sighting", "spec_version": "2.1",
        "id": f"sighting--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "created": t, "modified": t, "first_seen": t, "last_seen": t, "count": 1,
        "created_by_ref": "identity--b3d3ae4d-0f8c-4f3c-9a9b-2c3b0f5e1a10",
        "sighting_of_ref": f"x-balloon--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "where_sighted_refs": ["identity--b3d3ae4d-0f8c-4f3c-9a9b-2c3b0f5e1a10"],
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
        "extensions": {"extension-definition--5b5f1e2c-7b0a-4f57-8a3c-9b7b1d9e0c11": {
            "extension_type": "property-extension", "lat": rng.uniform(-60, 60),
            "lon": rng.uniform(-180, 180), "alt_m": rng.uniform(15000, 22000),
            "sigma_h_m": 250.0, "sigma_v_m": 400.0, "sensor_id": f"radar-{n % 17}",
            "kind": "radar"}},
    }


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def run(store: Store, n: int, batch: int, pages: int, label: str) -> None:
    rng = random.Random(1)
    store.collections.add("bench", "bench", can_read=True)
    made = 0.0
    spent = 0.0
    done = 0
    while done < n:
        size = min(batch, n - done)
        t0 = time.perf_counter()
        items = [(sighting(rng, done + i), rng.choice(AUDIENCES)) for i in range(size)]
        t1 = time.perf_counter()
        store.add_objects("bench", items, owner="ca")
        spent += time.perf_counter() - t1
        made += t1 - t0
        done += size
    print(f"{label}: ingest {n:,} objects: {n / spent:,.0f} objects/s "
          f"({spent:.1f} s in add_objects; building the dicts took {made:.1f} s more)")

    first = store.page("bench", READER_WIDE, limit=1).items[0].date_added_us
    last = store.manifest("bench", READER_WIDE, limit=1, added_after=first + n - 2).items
    last_us = last[0].date_added_us if last else first + n

    def timed(call: Callable[[int], object]) -> tuple[float, float]:
        samples = []
        for _ in range(pages):
            after = rng.randint(first, max(first, last_us - 2000))
            t0 = time.perf_counter()
            call(after)
            samples.append((time.perf_counter() - t0) * 1000)
        return percentiles(samples)

    def wide(after: int) -> object:
        page = store.page("bench", READER_WIDE, added_after=after, limit=100)
        assert len(page.items) == 100
        return page

    cases: list[tuple[str, Callable[[int], object]]] = [
        ("page, reader sees 90%", wide),
        ("page, reader sees 10%",
         lambda a: store.page("bench", READER_NARROW, added_after=a, limit=100)),
        ("manifest, reader sees 90%",
         lambda a: store.manifest("bench", READER_WIDE, added_after=a, limit=100)),
        ("page, match[type]=sighting",
         lambda a: store.page("bench", READER_WIDE, added_after=a, limit=100,
                              match_type=["sighting"])),
    ]
    wide(first)  # warm the pool and caches
    for name, call in cases:
        p50, p99 = timed(call)
        print(f"{label}: {name:28s} 100 objects: p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    cursor = store.page("bench", READER_WIDE, limit=100).next
    samples = []
    for _ in range(min(pages, n // 100 - 2)):
        t0 = time.perf_counter()
        page = store.page("bench", READER_WIDE, limit=100, next=cursor)
        samples.append((time.perf_counter() - t0) * 1000)
        cursor = page.next
        if cursor is None:
            break
    p50, p99 = percentiles(samples)
    print(f"{label}: {'page, next cursor paging':28s} 100 objects: p50 {p50:6.2f} ms  "
          f"p99 {p99:6.2f} ms")


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL with durable settings (fsync on) on a free loopback port."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL not installed: bash .ci/setup.d/20-postgresql.sh")
    bindir = Path(found[-1]).parent
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="stratowatch-bench-pg-"))
    if prefix:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = root / "data"
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "bench",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c shared_buffers=1GB"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"),
                    "-w", "-o", opts, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://bench@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sqlite-synchronous", default="FULL")
    parser.add_argument("--pg-url", help="use this PostgreSQL database instead of a throwaway")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="stratowatch-bench-"))
        try:
            with Store.open(f"sqlite:///{folder / 'bench.db'}",
                            sqlite_synchronous=args.sqlite_synchronous) as store:
                run(store, args.objects, args.batch, args.pages,
                    f"SQLite (WAL, synchronous={args.sqlite_synchronous.upper()})")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.db in ("postgresql", "both"):
        with contextlib.ExitStack() as stack:
            url = args.pg_url or stack.enter_context(postgres())
            with Store.open(url) as store:
                run(store, args.objects, args.batch, args.pages, "PostgreSQL")


if __name__ == "__main__":
    main()
