"""Shared fixtures: the real data in ../shared/data, skipped cleanly where it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GFS_DIR = SHARED_DATA / "gfs-0p50-2017-04-25-florida"
GFS_GRIB = GFS_DIR / "gfs_0p50_2017042406_f036-f045.grib2"
GFS_NC = GFS_DIR / "gfs_0p50_2017042406_f036-f045.nc"
SOUNDING = SHARED_DATA / "sounding-03808-2012-06-22-12z" / "camborne-03808-2012062212.txt"
NOVA27 = SHARED_DATA / "nova27-flight-2014-09-30"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"needs {path} (the project's shared data)")
    return path


@pytest.fixture(scope="session")
def gfs_grib() -> Path:
    return _need(GFS_GRIB)


@pytest.fixture(scope="session")
def gfs_nc() -> Path:
    return _need(GFS_NC)


@pytest.fixture(scope="session")
def sounding_path() -> Path:
    return _need(SOUNDING)


@pytest.fixture(scope="session")
def nova27_dir() -> Path:
    return _need(NOVA27)
