"""The node's HTTP app: TAXII 2.1, the REST API, server-sent events, health and metrics.

Only TAXII discovery and ``/healthz`` answer without credentials; even the OpenAPI document and
its viewer ask for them (they describe what a partner may call).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from stratowatch import __version__
from stratowatch.node import errors, rest, stream, taxii
from stratowatch.node.auth import CallerDep, NodeDep
from stratowatch.node.metrics import Metrics
from stratowatch.node.runtime import Node

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def create_app(node: Node) -> FastAPI:
    """The FastAPI app serving ``node``."""
    app = FastAPI(title="stratowatch node", version=__version__,
                  description="Balloon sightings, tracks, forecasts and alerts shared over "
                              "TAXII 2.1 and a REST API under enforced releasability.",
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.node = node
    errors.install(app)
    app.include_router(taxii.router)
    app.include_router(rest.router)
    app.include_router(stream.router)

    @app.get("/healthz", tags=["operations"], summary="Liveness (no authentication)")
    def healthz(node: NodeDep) -> dict[str, str]:
        return {"status": "ok", "node": node.config.node_id}

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics",
             response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    def metrics(caller: CallerDep, node: NodeDep) -> Response:
        return Response(node.metrics.render(), media_type="text/plain; version=0.0.4")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(caller: CallerDep) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(caller: CallerDep) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="stratowatch node")

    app.add_middleware(_Timing, metrics=node.metrics)
    return app


class _Timing:
    """Counts requests and their latency by route (a plain ASGI layer: no body buffering)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            # No database stores NUL in text (PostgreSQL refuses it): a bad request, said early.
            await _refuse(send, scope.get("path", "").startswith("/taxii2"))
            return
        began = time.perf_counter()
        status = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.inc("stratowatch_requests_total", route=path,
                             status=str(status["code"]))
            self.metrics.observe("stratowatch_request_seconds", time.perf_counter() - began,
                                 route=path)


async def _refuse(send: Send, taxii: bool) -> None:
    body = json.dumps({"title": "Bad Request", "http_status": "400",
                       "description": "NUL characters are not allowed in requests"}).encode()
    media = b"application/taxii+json;version=2.1" if taxii else b"application/json"
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", media),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
