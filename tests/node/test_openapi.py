"""schemathesis over the OpenAPI document finds no server error, with and without credentials."""

from __future__ import annotations

import os
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from stratowatch.node import create_app  # noqa: E402

from .conftest import PASSWORD, Served  # noqa: E402

EXAMPLES = int(os.environ.get("STRATOWATCH_SCHEMATHESIS_EXAMPLES", "25"))


def test_schemathesis_finds_no_server_error(served: Served) -> None:
    import base64

    raw = create_app(served.node).openapi()
    schema = schemathesis.openapi.from_dict(raw)
    basic = base64.b64encode(f"ca:{PASSWORD}".encode()).decode()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            for headers in ({"Authorization": f"Basic {basic}"}, {}):
                params = {"follow": "false"} if case.path == "/events" else None
                response = case.call(base_url=served.url, headers=headers, params=params,
                                     timeout=60)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} {case.query} "
                                    f"-> {response.status_code} {response.text[:200]}")

        check()
    assert failures == []
