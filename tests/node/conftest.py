"""Fixtures: nodes on SQLite and on a throwaway PostgreSQL, served by uvicorn on loopback.

PostgreSQL comes from the store tests' helper (tests/store/conftest.py, loaded by path so it is
shared, not copied); without PostgreSQL binaries those cases skip with the install hint.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.util
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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


@dataclass(frozen=True)
class Answer:
    """A response of :class:`AsgiClient`."""

    status_code: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)


class AsgiClient:
    """Calls an ASGI app in the running event loop, without sockets or threads of its own.

    For tests that make very many requests (the no-leak property test): httpx's ASGITransport
    costs several times what the node spends on a small request, mostly on URL handling. App
    exceptions propagate, as with TestClient. The app still sees a whole HTTP request: method,
    path, query string, headers (Basic credentials included) and body.
    """

    def __init__(self, app: Any, host: str = "testserver") -> None:
        self.app = app
        self.host = host.encode()

    async def get(self, path: str, *, auth: tuple[str, str] | None = None,
                  params: dict[str, str] | None = None,
                  headers: dict[str, str] | None = None) -> Answer:
        return await self.request("GET", path, auth=auth, params=params, headers=headers)

    async def post(self, path: str, *, auth: tuple[str, str] | None = None,
                   json: Any = None, headers: dict[str, str] | None = None) -> Answer:
        return await self.request("POST", path, auth=auth, json_body=json, headers=headers)

    async def request(self, method: str, path: str, *, auth: tuple[str, str] | None = None,
                      params: dict[str, str] | None = None, json_body: Any = None,
                      headers: dict[str, str] | None = None) -> Answer:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        sent: dict[str, str] = {}
        if json_body is not None:
            sent["content-type"] = "application/json"
        sent.update({k.lower(): v for k, v in (headers or {}).items()})
        raw = [(b"host", self.host), (b"content-length", str(len(body)).encode())]
        raw += [(k.encode(), v.encode()) for k, v in sent.items()]
        if auth is not None:
            raw.append((b"authorization",
                        b"Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode())))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": urlencode(params or {}).encode(), "root_path": "",
                 "headers": raw, "client": ("127.0.0.1", 50000),
                 "server": (self.host.decode(), 80)}
        done = asyncio.Event()
        request_sent = False
        status = 0
        got_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()  # a client that stays until the whole response came
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                got_headers.update((k.decode().lower(), v.decode())
                                   for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        finally:
            done.set()
        return Answer(status, got_headers, b"".join(chunks))


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
