"""``/events``: server-sent events of new objects, each partner seeing only what it may.

A stream is a tail of the store: on each wake-up it reads the pages after its position from
every collection the partner may read, with the partner's tokens, exactly as TAXII does. Event
ids are ``date_added`` times (unique and rising across collections), so ``Last-Event-ID`` resumes
without loss. ``follow=false`` sends what is there and ends (for scripts and tests).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from stratowatch.node.auth import Caller, CallerDep, NodeDep
from stratowatch.node.runtime import Node
from stratowatch.store import StoredObject, format_us, parse_us
from stratowatch.store.stamps import now_us

router = APIRouter(tags=["events"])
PAGE = 500
KEEPALIVE_S = 15.0


@router.get("/events", summary="Server-sent events of new objects you may see",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def events(request: Request, caller: CallerDep, node: NodeDep,
                 added_after: Annotated[str | None, Query(
                     description="start after this date_added (default: now)")] = None,
                 follow: bool = True,
                 last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    start = last_event_id or added_after
    after_us = now_us() if start is None else parse_us(start, field="added_after")
    return StreamingResponse(_stream(request, node, caller, after_us, follow),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _stream(request: Request, node: Node, caller: Caller, after_us: int,
                  follow: bool) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    seen = -1
    while True:
        generation = node.hub.generation
        if generation != seen:
            seen = generation
            while True:
                batch, more = await run_in_threadpool(_read, node, caller, after_us)
                for coll, obj in batch:
                    yield _event(coll, obj)
                if batch:
                    after_us = batch[-1][1].date_added_us
                    node.audit.record(caller.partner_id, "events", [o for _, o in batch])
                if not more:
                    break
        if not follow or await request.is_disconnected():
            return
        before = node.hub.generation
        if await node.hub.wait(before, KEEPALIVE_S) == before:
            seen = -1  # timed out: another process may have written; look anyway
            yield ": keepalive\n\n"


def _read(node: Node, caller: Caller, after_us: int
          ) -> tuple[list[tuple[str, StoredObject]], bool]:
    """The next objects after ``after_us`` across readable collections, in date_added order.

    When a collection has more than a page, only objects up to that page's end are returned,
    so no object of another collection with an earlier date_added is skipped.
    """
    found: list[tuple[str, StoredObject]] = []
    bound: int | None = None
    for coll in node.store.collections.for_partner(caller.partner_id):
        if not coll.can_read:
            continue
        page = node.store.page(coll.id, caller.tokens, added_after=after_us, limit=PAGE,
                               match_version="all")
        found += [(coll.id, o) for o in page.items]
        if page.more and page.date_added_last_us is not None:
            bound = page.date_added_last_us if bound is None else min(bound,
                                                                      page.date_added_last_us)
    found.sort(key=lambda item: item[1].date_added_us)
    if bound is not None:
        found = [item for item in found if item[1].date_added_us <= bound]
    return found, bound is not None


def _event(collection_id: str, obj: StoredObject) -> str:
    stamp = format_us(obj.date_added_us, precision="us")
    data = ('{"collection":' + json.dumps(collection_id) + ',"date_added":"' + stamp
            + '","object":' + obj.json + "}")
    return f"id: {stamp}\nevent: object\ndata: {data}\n\n"
