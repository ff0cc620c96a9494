"""Who is asking: HTTP Basic (TAXII clients) or a bearer token, resolved to a partner and the
audience tokens it holds now.

Every data endpoint depends on :func:`caller`; a missing or wrong credential is a 401 with a
``WWW-Authenticate`` challenge for both schemes. Verified credentials are cached briefly by the
store (scrypt on every request would spend the latency budget).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials
from fastapi.security import HTTPBearer as _HTTPBearer

from stratowatch.node.runtime import Node

CHALLENGE = 'Basic realm="stratowatch", Bearer realm="stratowatch"'

# Declared for the OpenAPI document (both schemes); the header is parsed below, once.
_basic = HTTPBasic(auto_error=False, description="partner username and password")
_bearer = _HTTPBearer(auto_error=False, description="partner token (swt_...)")


@dataclass(frozen=True)
class Caller:
    """An authenticated partner and the audience tokens it holds."""

    partner_id: str
    tokens: frozenset[str]


async def node_of(request: Request) -> Node:
    """The node serving this app (async: a lookup needs no worker thread)."""
    return _node(request)


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def caller(request: Request,
           _b: Annotated[HTTPBasicCredentials | None, Depends(_basic)] = None,
           _t: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None
           ) -> Caller:
    """The authenticated partner, or a 401."""
    node = _node(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    partner_id: str | None = None
    if scheme.lower() == "basic":
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode(
                "utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            user, sep, password = "", "", ""
        if sep:
            partner_id = node.store.credentials.verify_password(user, password)
    elif scheme.lower() == "bearer":
        partner_id = node.store.credentials.verify_token(value.strip())
    tokens = None if partner_id is None else node.tokens_of(partner_id)
    if partner_id is None or tokens is None:
        node.metrics.inc("stratowatch_auth_failures_total")
        raise HTTPException(401, "valid partner credentials are required (HTTP Basic or a "
                                 "bearer token)", headers={"WWW-Authenticate": CHALLENGE})
    return Caller(partner_id, tokens)


CallerDep = Annotated[Caller, Depends(caller)]
NodeDep = Annotated[Node, Depends(node_of)]
