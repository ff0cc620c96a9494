"""Wind fields: one interface (``WindField.sample``) over gridded, sounding and analytic data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stratowatch.winds import _libs  # noqa: F401  (first: see its docstring)
from stratowatch.winds.analytic import SolidBodyRotation, UniformWind, ZonalJet
from stratowatch.winds.base import Coverage, WindField
from stratowatch.winds.gridded import GriddedWindField, open_gridded
from stratowatch.winds.sounding import parse_wyoming, read_wyoming


def open_winds(path: str | Path, **kwargs: Any) -> WindField:
    """Open a wind source by its file: GRIB2, NetCDF, Zarr or a Wyoming sounding (.txt)."""
    p = Path(path)
    if p.suffix.lower() in (".txt", ".text", ".wyo"):
        return read_wyoming(p)  # a sounding is steady by nature: ``steady`` does not apply
    return open_gridded(p, **kwargs)


__all__ = [
    "Coverage",
    "GriddedWindField",
    "SolidBodyRotation",
    "UniformWind",
    "WindField",
    "ZonalJet",
    "open_gridded",
    "open_winds",
    "parse_wyoming",
    "read_wyoming",
]
