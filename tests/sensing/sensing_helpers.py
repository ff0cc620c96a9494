"""Paths to real sample data shipped inside optional packages, found without importing them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


def package_dir(name: str) -> Path:
    """The directory of an installed package (skip the test if it is not installed)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"needs the package {name!r}")
    return Path(next(iter(spec.submodule_search_locations)))


def asterix_sample(name: str) -> Path:
    path = package_dir("asterix") / "sample_data" / name
    if not path.exists():
        pytest.skip(f"asterix_decoder does not ship {name}")
    return path


def traffic_samples() -> Path:
    return package_dir("traffic") / "data" / "samples"
