"""Small builders of STIX objects for the store tests."""

from __future__ import annotations

import uuid
from typing import Any

from stratowatch.store import format_us

BASE_US = 1_700_000_000_000_000


def stix(kind: str = "indicator", n: int = 0, version: int = 0, *, namespace: str = "t",
         **extra: Any) -> dict[str, Any]:
    """A minimal STIX 2.1 object; the same (kind, n, namespace) always gets the same id."""
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{kind}/{n}")
    obj: dict[str, Any] = {
        "type": kind, "spec_version": "2.1", "id": f"{kind}--{ident}",
        "created": format_us(BASE_US), "modified": format_us(BASE_US + version * 1000),
    }
    obj.update(extra)
    return obj
