"""A node killed with SIGKILL while partners add objects over TAXII loses no acknowledged object
and keeps no partial request: every bundle answered 202 is there whole, and any other bundle is
either whole or absent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from stratowatch.store import UNFILTERED, Store

from .conftest import PASSWORD, free_port

BATCH = 400
TAXII = "application/taxii+json;version=2.1"
CONFIG = """
[node]
id = "us"
database = "{db}"
identity_file = "{identity}"
scenario = "none"
demo = false

[[partners]]
id = "ca"
username = "ca"
password_env = "CA_PASSWORD"
"""


def _bundle(round_no: int, batch: int) -> list[dict[str, Any]]:
    t = f"2026-01-01T00:{batch % 60:02d}:00.000Z"
    return [{"type": "note", "spec_version": "2.1", "id": f"note--{uuid.uuid4()}",
             "created": t, "modified": t, "content": "x" * 200, "object_refs": [
                 f"note--{uuid.uuid4()}"], "x_round": round_no, "x_batch": batch,
             "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}
            for _ in range(BATCH)]


def _start(config: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "CA_PASSWORD": PASSWORD}
    return subprocess.Popen([sys.executable, "-m", "stratowatch", "serve", "--config",
                             str(config), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=2).raise_for_status()
            return
        except httpx.HTTPError as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"node did not start: {proc.stderr.read()}") from exc  # type: ignore[union-attr]
            time.sleep(0.1)


def _post_until_killed(url: str, round_no: int, acked: list[int], stop: threading.Event) -> None:
    with httpx.Client(base_url=url, auth=("ca", PASSWORD), timeout=30) as client:
        batch = 0
        while not stop.is_set():
            try:
                response = client.post("/taxii2/api/collections/inbox/objects/",
                                       json={"objects": _bundle(round_no, batch)},
                                       headers={"Content-Type": TAXII, "Accept": TAXII})
            except httpx.HTTPError:
                return  # the server died under us: this bundle was not acknowledged
            if response.status_code == 202 and response.json()["success_count"] == BATCH:
                acked.append(batch)
            batch += 1


def test_sigkill_during_http_ingest_keeps_acknowledged_bundles_whole(db_url: str,
                                                                     tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(CONFIG.format(db=db_url, identity=tmp_path / "node.identity"))
    for round_no in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = _start(config, port)
        acked: list[int] = []
        stop = threading.Event()
        try:
            _wait_up(url, proc)
            poster = threading.Thread(target=_post_until_killed,
                                      args=(url, round_no, acked, stop))
            poster.start()
            deadline = time.monotonic() + 60
            while len(acked) < 3 + round_no and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.03 * round_no)  # land the kill at different points of a request
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            stop.set()
            poster.join(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == -signal.SIGKILL
        assert len(acked) >= 3 + round_no
        with Store.open(db_url) as store:
            stored: Counter[int] = Counter()
            visible: Counter[int] = Counter()
            cursor = None
            while True:
                page = store.page("inbox", UNFILTERED, limit=1000, next=cursor)
                stored.update(o.data()["x_batch"] for o in page.items
                              if o.data()["x_round"] == round_no)
                if not page.more:
                    break
                cursor = page.next
            cursor = None
            while True:  # what a partner would get: the audience tokens came with the rows
                page = store.page("inbox", {"*"}, limit=1000, next=cursor)
                visible.update(o.data()["x_batch"] for o in page.items
                               if o.data()["x_round"] == round_no)
                if not page.more:
                    break
                cursor = page.next
        assert set(acked) <= set(stored), "an acknowledged bundle was lost"
        assert all(n == BATCH for n in stored.values()), f"partial bundle: {stored}"
        assert visible == stored
