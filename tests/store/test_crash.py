"""A process killed by SIGKILL during ingest loses no acknowledged batch, keeps no partial one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from stratowatch.store import UNFILTERED, Store

from .ingest_child import BATCH_SIZE

CHILD = Path(__file__).with_name("ingest_child.py")


def _run_and_kill(url: str, collection: str, round_no: int, acks_before_kill: int,
                  delay_s: float) -> list[int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, str(CHILD), url, collection, str(round_no)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    acked: list[int] = []
    try:
        while len(acked) < acks_before_kill:
            line = child.stdout.readline()
            if not line:
                raise AssertionError(f"child ended early: {child.stderr.read()}")  # type: ignore[union-attr]
            acked.append(int(line.split()[1]))
        time.sleep(delay_s)  # land the kill somewhere inside a later batch
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        # Everything it printed before dying was acknowledged to us.
        acked.extend(int(line.split()[1]) for line in child.stdout if line.startswith("ACK"))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    return acked


def test_sigkill_during_ingest_keeps_every_acknowledged_batch_whole(db_url: str) -> None:
    with Store.open(db_url) as store:
        store.collections.add("crash", "crash test")
    rng = random.Random(5)
    for round_no in range(3):
        acked = _run_and_kill(db_url, "crash", round_no, acks_before_kill=3 + round_no,
                              delay_s=rng.uniform(0.0, 0.05))
        with Store.open(db_url) as store:
            batches: Counter[int] = Counter()
            visible: Counter[int] = Counter()
            cursor = None
            while True:
                page = store.page("crash", UNFILTERED, limit=1000, next=cursor)
                batches.update(o.data()["x_batch"] for o in page.items
                               if o.data()["x_round"] == round_no)
                if not page.more:
                    break
                cursor = page.next
            tokens_page = store.page("crash", {f"round:{round_no}"}, limit=10_000)
            visible.update(o.data()["x_batch"] for o in tokens_page.items)
        assert acked == list(range(len(acked)))
        assert set(acked) <= set(batches), "an acknowledged batch was lost"
        assert all(n == BATCH_SIZE for n in batches.values()), f"partial batch: {batches}"
        assert max(batches) <= max(acked) + 1
        assert visible == batches, "a batch was stored without its audience tokens"
