"""The public surface of stratowatch.sharing is exactly what __all__ says."""

from __future__ import annotations

import stratowatch.sharing as sharing


def test_all_is_exactly_the_public_api() -> None:
    public = {n for n in dir(sharing) if not n.startswith("_")}
    modules = {"markings", "policy", "signing", "stix"}
    assert set(sharing.__all__) == public - (modules - {"stix"})
    assert sorted(sharing.__all__) == sharing.__all__
