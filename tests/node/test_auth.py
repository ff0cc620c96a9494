"""Every endpoint except TAXII discovery and /healthz requires a partner's credentials."""

from __future__ import annotations

import re

from stratowatch.node import create_app

from .conftest import Served

PUBLIC = {"/taxii2/", "/healthz"}


def _routes(served: Served) -> list[tuple[str, str]]:
    """Every operation in the OpenAPI document, plus the document and its viewer."""
    app = create_app(served.node)
    found = [("GET", "/openapi.json"), ("GET", "/docs")]
    for path, operations in app.openapi()["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x", path.replace("{api_root}", "api"))
        found += [(method.upper(), concrete) for method in sorted(operations)]
    return found


def test_every_endpoint_but_discovery_and_health_answers_401_with_a_challenge(
        served: Served) -> None:
    routes = _routes(served)
    assert len(routes) >= 18
    with served.client() as client:
        client.auth = None
        for method, path in routes:
            for headers in ({}, {"Authorization": "Basic Y2E6d3Jvbmc="},
                            {"Authorization": "Bearer swt_0000_nope"},
                            {"Authorization": "Digest abc"}):
                response = client.request(method, path, headers=headers,
                                          params={"follow": "false"})
                if path in PUBLIC:
                    assert response.status_code == 200, (method, path)
                    break
                assert response.status_code == 401, (method, path, headers, response.text)
                assert "Basic" in response.headers["WWW-Authenticate"]
                assert "Bearer" in response.headers["WWW-Authenticate"]


def test_bearer_tokens_and_passwords_resolve_to_their_partner(served: Served) -> None:
    token = served.node.store.credentials.issue_token("fr", "test")
    with served.client() as client:
        client.auth = None
        ok = client.get("/taxii2/api/collections/", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        served.node.store.credentials.revoke_token(token)
        gone = client.get("/taxii2/api/collections/",
                          headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 401
    with served.client("ngo") as client:
        assert client.get("/metrics").status_code == 200
        assert "stratowatch_requests_total" in client.get("/metrics").text
