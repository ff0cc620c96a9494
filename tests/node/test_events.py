"""/events streams new objects live, per partner, and resumes from Last-Event-ID."""

from __future__ import annotations

import json
import threading
from typing import Any

from stratowatch.sharing import Marking, Tlp
from stratowatch.store.stamps import format_us, now_us

from .conftest import Served
from .test_taxii_client import TAXII, sightings


def _parse(lines: list[str]) -> list[dict[str, Any]]:
    events, current = [], {}
    for line in lines:
        if not line:
            if "data" in current:
                events.append(current)
            current = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            current[key] = value
    return events


def _listen(served: Served, partner: str, want: int, out: list[dict[str, Any]],
            ready: threading.Event, after: str) -> None:
    lines: list[str] = []
    with served.client(partner) as client, client.stream(
            "GET", "/events", params={"added_after": after}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        ready.set()
        for line in response.iter_lines():
            lines.append(line)
            if line == "" and len(_parse(lines)) >= want:
                break
    out.extend(_parse(lines))


def test_events_stream_live_objects_filtered_per_partner(served: Served) -> None:
    after = format_us(now_us(), precision="us")
    amber = Marking.of(Tlp.AMBER, ["group:five-eyes"])
    five_eyes = sightings(3, marking=amber, start=100)
    green = sightings(2, start=200)
    got_ca: list[dict[str, Any]] = []
    got_fr: list[dict[str, Any]] = []
    ready = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=_listen, args=(served, "ca", 6, got_ca, ready[0], after)),
               threading.Thread(target=_listen, args=(served, "fr", 2, got_fr, ready[1], after))]
    for t in threads:
        t.start()
    assert all(r.wait(30) for r in ready)
    with served.client("ca") as client:
        for objs in (amber.marking_definitions()[1:] + five_eyes, green):
            client.post("/taxii2/api/collections/inbox/objects/", json={"objects": objs},
                        headers={"Content-Type": TAXII})
    for t in threads:
        t.join(60)
    ids_ca = [json.loads(e["data"])["object"]["id"] for e in got_ca]
    ids_fr = [json.loads(e["data"])["object"]["id"] for e in got_fr]
    assert ids_ca[0] == amber.marking_definitions()[1]["id"]  # REL TO: for five-eyes only
    ids_ca = ids_ca[1:]
    assert ids_ca == [o["id"] for o in five_eyes + green]
    assert ids_fr == [o["id"] for o in green]  # fr is not in five-eyes

    # Resume after the first event: exactly the rest, then the stream ends (follow=false)
    with served.client("ca") as client:
        rest = client.get("/events", params={"follow": "false"},
                          headers={"Last-Event-ID": got_ca[0]["id"]})
        resumed = [json.loads(e["data"])["object"]["id"] for e in _parse(rest.text.split("\n"))]
    assert resumed == ids_ca
