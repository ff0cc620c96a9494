"""Deterministic identifiers and STIX timestamps shared by the sharing modules.

Ids are UUIDv5 in one project namespace so that an object rebuilt from the same inputs (a replay,
a test, a second node deriving the same marking) gets the same id.
"""

from __future__ import annotations

import datetime as dt
import uuid

#: Namespace of every deterministic stratowatch STIX id (UUIDv5 of the project's URN).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:stratowatch:stix")


def det_id(stix_type: str, *parts: str) -> str:
    """The STIX id `stix_type--uuid5(NAMESPACE, stix_type/part/...)`."""
    name = "/".join((stix_type, *parts))
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, name)}"


def random_id(stix_type: str) -> str:
    """A fresh `stix_type--uuid4` for objects that need no reproducible id (bundles)."""
    return f"{stix_type}--{uuid.uuid4()}"


def stix_time(epoch_s: float) -> str:
    """A STIX timestamp (UTC, millisecond precision, `Z`), as `created`/`modified` require."""
    moment = dt.datetime.fromtimestamp(round(float(epoch_s), 3), tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_stix_time(text: str) -> float:
    """Seconds since the epoch of a STIX timestamp (`...Z`)."""
    value = text[:-1] + "+00:00" if text.endswith("Z") else text
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def now_s() -> float:
    """The current time in seconds since the epoch (one place to read the clock)."""
    return dt.datetime.now(tz=dt.UTC).timestamp()
