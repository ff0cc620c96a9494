"""TAXII 2.1 routes: discovery, API root, collections, objects, manifest, versions, status.

Every read asks the store with the caller's audience tokens (the store filters in SQL) and
queues an audit record of what it returned. Object pages are spliced from the stored JSON text
without parsing it. Errors are TAXII error messages (see :mod:`stratowatch.node.errors`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from stratowatch.node.auth import Caller, CallerDep, NodeDep
from stratowatch.node.errors import TaxiiError
from stratowatch.node.inbound import batch_gc_pause, loads
from stratowatch.node.runtime import Node
from stratowatch.store import Collection
from stratowatch.store.objects import MAX_LIMIT

TAXII_MEDIA = "application/taxii+json;version=2.1"
STIX_MEDIA = "application/stix+json;version=2.1"
API_ROOT = "api"
MAX_CONTENT_LENGTH = 64 * 1024 * 1024
_ACCEPTABLE = ("application/taxii+json", "application/stix+json", "application/json",
               "application/*", "*/*")

router = APIRouter(prefix="/taxii2", tags=["TAXII 2.1"])

AddedAfter = Annotated[str | None, Query(description="only versions added after this time")]
Limit = Annotated[int | None, Query(ge=1, description=f"at most this many (server max "
                                                      f"{MAX_LIMIT})")]
Next = Annotated[str | None, Query(description="the `next` cursor of the previous page")]
MatchId = Annotated[str | None, Query(alias="match[id]")]
MatchType = Annotated[str | None, Query(alias="match[type]")]
MatchVersion = Annotated[str | None, Query(alias="match[version]")]
MatchSpec = Annotated[str | None, Query(alias="match[spec_version]")]
CollectionId = Annotated[str, Path(max_length=64)]
ObjectId = Annotated[str, Path(max_length=128)]


def taxii_response(body: str | dict[str, Any], status: int = 200,
                   headers: dict[str, str] | None = None) -> Response:
    """A TAXII JSON response."""
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return Response(text, status_code=status, media_type=TAXII_MEDIA, headers=headers)


def check_accept(accept: str | None) -> None:
    """406 unless the client accepts TAXII JSON (or anything)."""
    if not accept:
        return
    wanted = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if not any(w in _ACCEPTABLE for w in wanted):
        raise TaxiiError(406, "Not Acceptable", f"this server answers {TAXII_MEDIA}")


Accept = Annotated[str | None, Header()]


@router.get("/", summary="Server discovery (no authentication)")
def discovery(request: Request, node: NodeDep, accept: Accept = None) -> Response:
    check_accept(accept)
    root = str(request.url_for("api_root", api_root=API_ROOT))
    return taxii_response({
        "title": node.config.node_name,
        "description": "Balloon sightings, tracks, forecasts and alerts, released per partner "
                       "under TLP 2.0 and REL TO markings.",
        "default": root, "api_roots": [root]})


@router.get("/{api_root}/", summary="API root information")
def api_root(api_root: str, caller: CallerDep, node: NodeDep, accept: Accept = None) -> Response:
    check_accept(accept)
    _root(api_root)
    return taxii_response({"title": "stratowatch", "versions": [TAXII_MEDIA],
                           "max_content_length": MAX_CONTENT_LENGTH})


@router.get("/{api_root}/collections/", summary="The collections")
def collections(api_root: str, caller: CallerDep, node: NodeDep,
                accept: Accept = None) -> Response:
    check_accept(accept)
    _root(api_root)
    found = node.store.collections.for_partner(caller.partner_id)
    return taxii_response({"collections": [c.to_taxii() for c in found]})


@router.get("/{api_root}/collections/{collection_id}/", summary="One collection")
def collection(api_root: str, collection_id: CollectionId, caller: CallerDep, node: NodeDep,
               accept: Accept = None) -> Response:
    check_accept(accept)
    return taxii_response(_collection(node, api_root, collection_id, caller).to_taxii())


@router.get("/{api_root}/collections/{collection_id}/objects/", summary="Objects")
def get_objects(api_root: str, collection_id: CollectionId, caller: CallerDep, node: NodeDep,
                added_after: AddedAfter = None, limit: Limit = None, next: Next = None,
                match_id: MatchId = None, match_type: MatchType = None,
                match_version: MatchVersion = None, match_spec_version: MatchSpec = None,
                accept: Accept = None) -> Response:
    check_accept(accept)
    _readable(node, api_root, collection_id, caller)
    page = node.store.page(collection_id, caller.tokens, added_after=added_after,
                           limit=_limit(limit), next=next, match_id=_list(match_id),
                           match_type=_list(match_type),
                           match_version=match_version or "last",
                           match_spec_version=_list(match_spec_version))
    node.audit.record(caller.partner_id, "taxii.objects", page.items, collection_id)
    return _envelope(page.more, page.next, "objects", [o.json for o in page.items], page)


_ENVELOPE_BODY = {"requestBody": {"required": True, "content": {TAXII_MEDIA: {"schema": {
    "type": "object", "required": ["objects"],
    "properties": {"objects": {"type": "array", "items": {"type": "object"}}}}}}}}


@router.post("/{api_root}/collections/{collection_id}/objects/", status_code=202,
             summary="Add objects (an envelope); returns a status resource",
             openapi_extra=_ENVELOPE_BODY)
async def add_objects(request: Request, api_root: str, collection_id: CollectionId,
                      caller: CallerDep, node: NodeDep, accept: Accept = None,
                      content_type: Annotated[str | None, Header()] = None) -> Response:
    check_accept(accept)
    coll = _collection(node, api_root, collection_id, caller)
    if not coll.can_write:
        raise TaxiiError(403, "Forbidden", f"you may not add objects to {collection_id}")
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in ("application/taxii+json", "application/stix+json", "application/json"):
        raise TaxiiError(415, "Unsupported Media Type", f"send {TAXII_MEDIA}")
    body = await request.body()
    if len(body) > MAX_CONTENT_LENGTH:
        raise TaxiiError(413, "Payload Too Large", f"at most {MAX_CONTENT_LENGTH} bytes")
    with batch_gc_pause:  # the parsed bundle lives until stored: see batch_gc_pause
        try:
            envelope = loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TaxiiError(400, "Bad Request", f"not JSON: {exc}") from exc
        objects = envelope.get("objects") if isinstance(envelope, dict) else None
        if not isinstance(objects, list):
            raise TaxiiError(400, "Bad Request", "send an envelope: {\"objects\": [...]}")
        status = await run_in_threadpool(node.inbound.receive, collection_id, objects,
                                         caller.partner_id)
        del envelope, objects
        return taxii_response(status.to_taxii(), status=202)


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/",
            summary="One object (its versions)")
def get_object(api_root: str, collection_id: CollectionId, object_id: ObjectId,
               caller: CallerDep, node: NodeDep, added_after: AddedAfter = None,
               limit: Limit = None, next: Next = None, match_version: MatchVersion = None,
               match_spec_version: MatchSpec = None, accept: Accept = None) -> Response:
    check_accept(accept)
    _readable(node, api_root, collection_id, caller)
    page = node.store.get_object(collection_id, object_id, caller.tokens,
                                 added_after=added_after, limit=_limit(limit), next=next,
                                 match_version=match_version or "last",
                                 match_spec_version=_list(match_spec_version))
    if not page.items and next is None:
        raise TaxiiError(404, "Not Found", f"no object {object_id} for you in {collection_id}")
    node.audit.record(caller.partner_id, "taxii.object", page.items, collection_id)
    return _envelope(page.more, page.next, "objects", [o.json for o in page.items], page)


@router.get("/{api_root}/collections/{collection_id}/objects/{object_id}/versions/",
            summary="The versions of one object")
def versions(api_root: str, collection_id: CollectionId, object_id: ObjectId,
             caller: CallerDep, node: NodeDep, added_after: AddedAfter = None,
             limit: Limit = None, next: Next = None, match_spec_version: MatchSpec = None,
             accept: Accept = None) -> Response:
    check_accept(accept)
    _readable(node, api_root, collection_id, caller)
    page = node.store.versions(collection_id, object_id, caller.tokens,
                               added_after=added_after, limit=_limit(limit), next=next,
                               match_spec_version=_list(match_spec_version))
    if not page.items and next is None:
        raise TaxiiError(404, "Not Found", f"no object {object_id} for you in {collection_id}")
    node.audit.record(caller.partner_id, "taxii.versions", page.items, collection_id)
    return _envelope(page.more, page.next, "versions",
                     [json.dumps(v.version) for v in page.items], page)


@router.get("/{api_root}/collections/{collection_id}/manifest/", summary="The manifest")
def manifest(api_root: str, collection_id: CollectionId, caller: CallerDep, node: NodeDep,
             added_after: AddedAfter = None, limit: Limit = None, next: Next = None,
             match_id: MatchId = None, match_type: MatchType = None,
             match_version: MatchVersion = None, match_spec_version: MatchSpec = None,
             accept: Accept = None) -> Response:
    check_accept(accept)
    _readable(node, api_root, collection_id, caller)
    page = node.store.manifest(collection_id, caller.tokens, added_after=added_after,
                               limit=_limit(limit), next=next, match_id=_list(match_id),
                               match_type=_list(match_type),
                               match_version=match_version or "last",
                               match_spec_version=_list(match_spec_version))
    node.audit.record(caller.partner_id, "taxii.manifest", page.items, collection_id)
    return _envelope(page.more, page.next, "objects",
                     [json.dumps(e.to_taxii(), separators=(",", ":")) for e in page.items], page)


@router.get("/{api_root}/status/{status_id}/", summary="The status of an add-objects request")
def status(api_root: str, status_id: Annotated[str, Path(max_length=64)], caller: CallerDep,
           node: NodeDep, accept: Accept = None) -> Response:
    check_accept(accept)
    _root(api_root)
    found = node.audit.status(status_id, caller.partner_id)
    if found is None:
        raise TaxiiError(404, "Not Found", f"no status {status_id} of yours")
    return taxii_response(found.to_taxii())


# -- helpers --------------------------------------------------------------------------------------

def _root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise TaxiiError(404, "Not Found", f"no API root {api_root!r}")


def _collection(node: Node, api_root: str, collection_id: str, caller: Caller) -> Collection:
    _root(api_root)
    found = node.collection(collection_id, caller.partner_id)
    if found is None:
        raise TaxiiError(404, "Not Found", f"no collection {collection_id}")
    return found


def _readable(node: Node, api_root: str, collection_id: str, caller: Caller) -> Collection:
    found = _collection(node, api_root, collection_id, caller)
    if not found.can_read:
        raise TaxiiError(403, "Forbidden", f"you may not read {collection_id}")
    return found


def _limit(limit: int | None) -> int:
    return 100 if limit is None else min(limit, MAX_LIMIT)


def _list(value: str | None) -> list[str]:
    if value is None:
        return []
    items = [v.strip() for v in value.split(",")]
    if any(not v for v in items):
        raise TaxiiError(400, "Bad Request", f"empty value in a match filter: {value!r}")
    return items


def _envelope(more: bool, next_cursor: str | None, key: str, items: list[str],
              page: Any) -> Response:
    head = '{"more":' + ("true" if more else "false")
    if next_cursor is not None:
        head += ',"next":' + json.dumps(next_cursor)
    body = head + ',"' + key + '":[' + ",".join(items) + "]}" if items else head + "}"
    headers = {}
    if page.date_added_first is not None:
        headers["X-TAXII-Date-Added-First"] = page.date_added_first
        headers["X-TAXII-Date-Added-Last"] = page.date_added_last
    return taxii_response(body, headers=headers)
