"""The REST API under ``/api/v1``: observations in, observations, tracks, forecasts, alerts out.

JSON for the map and for scripts; every read goes through the store with the caller's tokens
and is audited, as TAXII reads are.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from stratowatch.errors import ConfigError
from stratowatch.node.auth import Caller, CallerDep, NodeDep
from stratowatch.node.errors import TaxiiError
from stratowatch.node.runtime import Node
from stratowatch.sharing import Marking
from stratowatch.sharing import stix as S
from stratowatch.store import ObjectRef
from stratowatch.timeutil import to_epoch_s

router = APIRouter(prefix="/api/v1", tags=["REST"])
Since = Annotated[str | None, Query(description="ISO 8601 UTC; only items at or after it")]
Limit = Annotated[int, Query(ge=1, le=10_000)]


class MarkingIn(BaseModel):
    """TLP 2.0 level and an optional REL TO list (``partner:<id>``, ``group:<name>``)."""

    tlp: str = Field("TLP:GREEN", max_length=32, examples=["TLP:GREEN"])
    rel_to: list[Annotated[str, Field(max_length=80)]] | None = Field(None, max_length=32)


class ObservationIn(BaseModel):
    """One report in the interchange fields (DESIGN.md)."""

    time: str | float = Field(examples=["2026-01-01T00:00:00Z"])
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=360)
    alt_m: float = Field(ge=-1000, le=100_000)
    sensor_id: str | None = Field(None, max_length=128)
    source: str | None = Field(None, max_length=128)
    kind: str | None = Field(None, pattern="^(radar|adsb|telemetry|visual|optical)$")
    sigma_h_m: float | None = Field(None, ge=0, le=1e7)
    sigma_v_m: float | None = Field(None, ge=0, le=1e7)
    vx_mps: float | None = Field(None, ge=-1e4, le=1e4)
    vy_mps: float | None = Field(None, ge=-1e4, le=1e4)
    vz_mps: float | None = Field(None, ge=-1e4, le=1e4)
    icao24: str | None = Field(None, max_length=8)
    callsign: str | None = Field(None, max_length=16)
    category: str | None = Field(None, max_length=16)
    rcs_dbsm: float | None = Field(None, ge=-100, le=100)
    ref: str | None = Field(None, max_length=256)

    @field_validator("time")
    @classmethod
    def _time(cls, value: str | float) -> str | float:
        seconds = to_epoch_s(value)
        if not math.isfinite(seconds) or not -2e9 < seconds < 1e10:
            raise ValueError("time out of range")
        return value


class ObservationsIn(BaseModel):
    """A batch of observations and the marking they are shared under."""

    marking: MarkingIn = Field(default_factory=lambda: MarkingIn(tlp="TLP:GREEN", rel_to=None))
    observations: list[ObservationIn] = Field(min_length=1, max_length=10_000)


class Accepted(BaseModel):
    """Ids of the stored observations (their products follow asynchronously)."""

    ids: list[int]


@router.post("/observations", status_code=201, response_model=Accepted,
             summary="Add observations; the pipeline tracks, classifies, forecasts, publishes")
async def add_observations(body: ObservationsIn, caller: CallerDep, node: NodeDep) -> Accepted:
    marking = Marking.of(body.marking.tlp, body.marking.rel_to)
    rows = [o.model_dump(exclude_none=True) for o in body.observations]
    if any(isinstance(v, str) and "\x00" in v for row in rows for v in row.values()):
        raise TaxiiError(400, "Bad Request", "NUL characters are not allowed in observations")
    ids = await run_in_threadpool(node.pipeline.ingest, rows, marking, caller.partner_id)
    return Accepted(ids=ids)


# Reads are coroutines that make one trip to a worker thread for the store: a plain ``def``
# endpoint would take a second trip for FastAPI's response validation.

@router.get("/observations", summary="Observations you may see, by time")
async def observations(caller: CallerDep, node: NodeDep, since: Since = None,
                       until: Since = None, limit: Limit = 1000) -> list[dict[str, Any]]:
    start, end = _seconds(since), _seconds(until)
    found = await run_in_threadpool(node.store.observations.query, caller.tokens, since=start,
                                    until=end, limit=limit)
    node.audit.record(caller.partner_id, "rest.observations",
                      [ObjectRef(f"observation:{o['id']}", round(o["time"] * 1e6))
                       for o in found])
    return found


@router.get("/tracks", summary="Tracks you may see, oldest update first")
async def tracks(caller: CallerDep, node: NodeDep, since: Since = None,
                 limit: Limit = 1000) -> list[dict[str, Any]]:
    found = await run_in_threadpool(node.store.tracks.list, caller.tokens, since_us=_us(since),
                                    limit=limit)
    node.audit.record(caller.partner_id, "rest.tracks",
                      [ObjectRef(t.id, t.updated_us) for t in found])
    return [_public(t.payload) for t in found]


@router.get("/tracks/{track_id}", summary="One track")
async def track(track_id: Annotated[str, Path(max_length=128)], caller: CallerDep,
                node: NodeDep) -> dict[str, Any]:
    found = await run_in_threadpool(node.store.tracks.get, track_id, caller.tokens)
    if found is None:
        raise TaxiiError(404, "Not Found", f"no track {track_id} for you")
    node.audit.record(caller.partner_id, "rest.track", [ObjectRef(found.id, found.updated_us)])
    return _public(found.payload)


@router.get("/forecasts", summary="Forecasts you may see, oldest first")
async def forecasts(caller: CallerDep, node: NodeDep,
                    track_id: Annotated[str | None, Query(max_length=128)] = None,
                    since: Since = None, limit: Limit = 1000) -> list[dict[str, Any]]:
    found = await run_in_threadpool(node.store.forecasts.list, caller.tokens,
                                    track_id=track_id, since_us=_us(since), limit=limit)
    node.audit.record(caller.partner_id, "rest.forecasts",
                      [ObjectRef(f.id, f.issued_us) for f in found])
    return [f.payload for f in found]


@router.get("/forecasts/{forecast_id}", summary="One forecast")
async def forecast(forecast_id: Annotated[str, Path(max_length=128)], caller: CallerDep,
                   node: NodeDep) -> dict[str, Any]:
    found = await run_in_threadpool(node.store.forecasts.get, forecast_id, caller.tokens)
    if found is None:
        raise TaxiiError(404, "Not Found", f"no forecast {forecast_id} for you")
    node.audit.record(caller.partner_id, "rest.forecast", [ObjectRef(found.id, found.issued_us)])
    return found.payload


@router.get("/alerts", summary="Airspace alerts you may see (STIX), oldest first")
async def alerts(caller: CallerDep, node: NodeDep, since: Since = None,
                 limit: Limit = 1000) -> list[dict[str, Any]]:
    return await run_in_threadpool(_alerts, node, caller, _us(since), limit)


def _alerts(node: Node, caller: Caller, since_us: int | None,
            limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for coll in node.store.collections.for_partner(caller.partner_id):
        if not coll.can_read:
            continue
        page = node.store.page(coll.id, caller.tokens, added_after=since_us, limit=limit,
                               match_type=[S.ALERT_TYPE])
        node.audit.record(caller.partner_id, "rest.alerts", page.items, coll.id)
        out += [o.data() for o in page.items]
    return out[:limit]


def _seconds(text: str | None) -> float | None:
    """A query time in seconds since the epoch, within years 1906-2286 (a ConfigError else)."""
    if text is None:
        return None
    seconds = to_epoch_s(text)
    if not math.isfinite(seconds) or not -2e9 < seconds < 1e10:
        raise ConfigError(f"time out of range: {text!r}")
    return seconds


def _us(since: str | None) -> int | None:
    seconds = _seconds(since)
    return None if seconds is None else round(seconds * 1e6)


def _public(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if not k.startswith("_")}
