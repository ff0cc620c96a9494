"""Errors as TAXII 2.1 error messages, on every path (REST clients read the same shape).

``{"title": ..., "description": ..., "http_status": "404"}``: a bad parameter is a 400 that
says which and why; an unexpected failure is a 500 without internals.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from stratowatch.errors import ConfigError, ReleasabilityError, StratowatchError

log = logging.getLogger(__name__)
TAXII_MEDIA = "application/taxii+json;version=2.1"
_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 406: "Not Acceptable", 413: "Payload Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Entity",
           500: "Internal Server Error"}


class TaxiiError(Exception):
    """An error answered as a TAXII error message with this HTTP status."""

    def __init__(self, status: int, title: str, description: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.title = title
        self.description = description
        self.headers = headers


def error_response(request: Request, status: int, description: str,
                   headers: dict[str, str] | None = None, title: str | None = None) -> Response:
    """The error message, as TAXII JSON under /taxii2 and plain JSON elsewhere."""
    body = {"title": title or _TITLES.get(status, "Error"), "description": description,
            "http_status": str(status)}
    media = TAXII_MEDIA if request.url.path.startswith("/taxii2") else "application/json"
    return Response(json.dumps(body), status_code=status, media_type=media, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(TaxiiError)
    async def _taxii(request: Request, exc: TaxiiError) -> Response:
        return error_response(request, exc.status, exc.description, exc.headers, exc.title)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail),
                              dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                             for e in exc.errors()[:10])
        return error_response(request, 400, problems or "invalid request")

    @app.exception_handler(ReleasabilityError)
    async def _release(request: Request, exc: ReleasabilityError) -> Response:
        return error_response(request, 403, str(exc))

    @app.exception_handler(ConfigError)
    async def _config(request: Request, exc: ConfigError) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(StratowatchError)
    async def _other(request: Request, exc: StratowatchError) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "the server failed; see its log")
