"""Fixtures for the sensing tests: real samples shipped inside optional packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"needs the package {name!r}")
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session")
def asterix_samples() -> Path:
    """asterix_decoder's sample_data folder (real radar recordings)."""
    path = _package_dir("asterix") / "sample_data"
    if not (path / "cat_034_048.pcap").exists():
        pytest.skip("asterix_decoder ships no sample recordings")
    return path


@pytest.fixture(scope="session")
def traffic_samples() -> Path:
    """traffic's data/samples folder (real trajectories), read without importing traffic."""
    path = _package_dir("traffic") / "data" / "samples"
    if not path.exists():
        pytest.skip("traffic ships no samples")
    return path
