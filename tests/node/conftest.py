"""Fixtures: nodes on SQLite and on a throwaway PostgreSQL, served by uvicorn on loopback.

PostgreSQL comes from the store tests' helper (tests/store/conftest.py, loaded by path so it is
shared, not copied); without PostgreSQL binaries those cases skip with the install hint.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

for _module in ("fastapi", "uvicorn", "httpx"):
    pytest.importorskip(_module, reason="the node needs the web stack: "
                                        "pip install fastapi uvicorn httpx")

import httpx  # noqa: E402

from stratowatch.node import (  # noqa: E402
    CollectionConfig,
    Node,
    NodeConfig,
    PartnerConfig,
    PipelineConfig,
    create_app,
)

_spec = importlib.util.spec_from_file_location(
    "_stratowatch_store_pg", Path(__file__).parents[1] / "store" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_pg = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _pg
_spec.loader.exec_module(_pg)
start_postgres = _pg.start_postgres
PgServer = _pg.PgServer

PASSWORD = "correct-horse-battery"
PARTNERS = (
    PartnerConfig("ca", "Canada", ("five-eyes", "nato"), username="ca", password=PASSWORD),
    PartnerConfig("fr", "France", ("nato", "eu"), username="fr", password=PASSWORD),
    PartnerConfig("ngo", "Research NGO", (), community=False, username="ngo",
                  password=PASSWORD),
)
COLLECTIONS = (
    CollectionConfig("balloons", "Balloons", can_read=True, can_write=False),
    CollectionConfig("inbox", "Inbox", can_read=True, can_write=True),
)


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_config(db_url: str, tmp_path: Path, **changes: Any) -> NodeConfig:
    """A test node: node id "us", three partners, no scenario, small forecasts."""
    base = NodeConfig(node_id="us", node_name="Test node", database=db_url,
                      identity_file=str(tmp_path / f"node-{abs(hash(db_url))}.identity"),
                      scenario="none", demo=False, partners=PARTNERS, collections=COLLECTIONS,
                      pipeline=PipelineConfig(members=8, forecast_hours=2.0,
                                              forecast_every_s=1800.0, output_every_s=3600.0))
    return replace(base, **changes)


@dataclass
class Served:
    """A node served over HTTP on loopback."""

    node: Node
    url: str

    def client(self, partner: str = "ca", **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(partner, PASSWORD), timeout=60.0, **kwargs)


@contextlib.contextmanager
def serve_node(config: NodeConfig, **node_kwargs: Any) -> Iterator[Served]:
    """Open the node, run uvicorn for it in a thread, stop both afterwards."""
    import uvicorn

    node = Node.open(config, **node_kwargs)
    node.start()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(node), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield Served(node, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        node.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    with start_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    server = request.getfixturevalue("pg_server")
    url: str = server.new_database()
    return url


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[Served]:
    """A test node on each database, served on loopback."""
    with serve_node(node_config(db_url, tmp_path)) as running:
        yield running
