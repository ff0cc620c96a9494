"""Observations: a batch of reports as columns of numpy arrays (Stone Soup's Detection, columnar).

One row is one report of one object at one time. The fields are those of the interchange CSV in
DESIGN.md; numeric fields are float64 (NaN when not reported), text fields are Python ``str``
in object arrays (``""`` when not reported). Times are float seconds since the epoch (UTC),
positions WGS84 degrees with longitude in [-180, 180), altitudes metres above mean sea level.
``alt_m`` may be NaN where a sensor gives no height (a primary radar plot, a visual sighting).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError
from stratowatch.geo import wrap_lon

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.object_]

REQUIRED_FIELDS: tuple[str, ...] = ("time", "lat", "lon", "alt_m")
"""Columns every observation carries."""

FLOAT_FIELDS: tuple[str, ...] = (
    "time", "lat", "lon", "alt_m", "sigma_h_m", "sigma_v_m", "vx_mps", "vy_mps", "vz_mps",
    "rcs_dbsm",
)
STR_FIELDS: tuple[str, ...] = ("sensor_id", "source", "kind", "icao24", "callsign", "category",
                               "ref")

FIELDS: tuple[str, ...] = (
    "time", "lat", "lon", "alt_m", "sensor_id", "source", "kind", "sigma_h_m", "sigma_v_m",
    "vx_mps", "vy_mps", "vz_mps", "icao24", "callsign", "category", "rcs_dbsm", "ref",
)
"""All columns, in the order of the interchange CSV header."""

KINDS: tuple[str, ...] = ("radar", "adsb", "telemetry", "visual", "optical")
"""Allowed values of ``kind`` (besides ``""`` for not stated)."""


@dataclass(frozen=True)
class BadRow:
    """One input row a reader skipped: where it was and why (``line`` counts from 1)."""

    source: str
    line: int | None
    reason: str
    field: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return ", ".join(where) + ": " + self.reason


def _float_column(name: str, value: Any, n: int) -> FloatArray:
    if value is None:
        return np.full(n, np.nan)
    arr = np.array(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ConfigError(f"column {name!r} has shape {arr.shape}, expected ({n},)")
    return arr


def _str_column(name: str, value: Any, n: int) -> StrArray:
    out = np.empty(n, dtype=object)
    if value is None:
        out[:] = ""
        return out
    if isinstance(value, str):
        out[:] = value
        return out
    items = list(value)
    if len(items) != n:
        raise ConfigError(f"column {name!r} has {len(items)} values, expected {n}")
    out[:] = ["" if v is None else str(v) for v in items]
    return out


class Observations:
    """A batch of observations, one numpy array per field (see the module docstring).

    ``skipped`` lists the input rows a reader left out under the partly-bad-file rule, so the
    caller can report them; it travels with the batch through ``concat`` and selection.
    """

    __slots__ = (*FIELDS, "skipped")

    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    sensor_id: StrArray
    source: StrArray
    kind: StrArray
    sigma_h_m: FloatArray
    sigma_v_m: FloatArray
    vx_mps: FloatArray
    vy_mps: FloatArray
    vz_mps: FloatArray
    icao24: StrArray
    callsign: StrArray
    category: StrArray
    rcs_dbsm: FloatArray
    ref: StrArray
    skipped: tuple[BadRow, ...]

    def __init__(
        self,
        time: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt_m: npt.ArrayLike | None = None,
        *,
        sensor_id: str | Iterable[str] | None = None,
        source: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        sigma_h_m: npt.ArrayLike | None = None,
        sigma_v_m: npt.ArrayLike | None = None,
        vx_mps: npt.ArrayLike | None = None,
        vy_mps: npt.ArrayLike | None = None,
        vz_mps: npt.ArrayLike | None = None,
        icao24: str | Iterable[str] | None = None,
        callsign: str | Iterable[str] | None = None,
        category: str | Iterable[str] | None = None,
        rcs_dbsm: npt.ArrayLike | None = None,
        ref: str | Iterable[str] | None = None,
        skipped: Sequence[BadRow] = (),
    ) -> None:
        t = np.atleast_1d(np.array(time, dtype=np.float64))
        if t.ndim != 1:
            raise ConfigError(f"time must be one-dimensional, got shape {t.shape}")
        n = t.shape[0]
        self.time = t
        self.lat = _float_column("lat", lat, n)
        self.lon = _float_column("lon", lon, n)
        self.alt_m = _float_column("alt_m", alt_m, n)
        for name, value in (("sigma_h_m", sigma_h_m), ("sigma_v_m", sigma_v_m),
                            ("vx_mps", vx_mps), ("vy_mps", vy_mps), ("vz_mps", vz_mps),
                            ("rcs_dbsm", rcs_dbsm)):
            setattr(self, name, _float_column(name, value, n))
        for name, svalue in (("sensor_id", sensor_id), ("source", source), ("kind", kind),
                             ("icao24", icao24), ("callsign", callsign),
                             ("category", category), ("ref", ref)):
            setattr(self, name, _str_column(name, svalue, n))
        self.skipped = tuple(skipped)
        self._validate()
        self.lon = np.where(np.isfinite(self.lon), wrap_lon(self.lon), self.lon)

    def _validate(self) -> None:
        for name in ("time", "lat", "lon"):
            bad = ~np.isfinite(getattr(self, name))
            if bad.any():
                raise ConfigError(f"{name} must be finite (row {int(np.argmax(bad))})")
        bad = np.abs(self.lat) > 90.0
        if bad.any():
            raise ConfigError(f"lat outside [-90, 90] (row {int(np.argmax(bad))})")
        kinds = set(self.kind.tolist()) - {"", *KINDS}
        if kinds:
            raise ConfigError(f"unknown kind {sorted(kinds)[0]!r}; expected one of {KINDS}")

    @classmethod
    def empty(cls) -> Observations:
        """A batch with no rows."""
        return cls(np.empty(0), np.empty(0), np.empty(0), np.empty(0))

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any],
                     skipped: Sequence[BadRow] = ()) -> Observations:
        """Build from a mapping of field name to column; unknown names are a ConfigError."""
        unknown = set(columns) - set(FIELDS)
        if unknown:
            raise ConfigError(f"unknown observation fields: {sorted(unknown)}")
        missing = [f for f in ("time", "lat", "lon") if f not in columns]
        if missing:
            raise ConfigError(f"missing observation fields: {missing}")
        return cls(**dict(columns), skipped=skipped)

    def columns(self) -> dict[str, FloatArray | StrArray]:
        """Field name to column, in interchange order (the arrays themselves, not copies)."""
        return {name: getattr(self, name) for name in FIELDS}

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def __getitem__(self, index: Any) -> Observations:
        """Rows selected by a slice, boolean mask or integer array (always a batch)."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        cols = {name: col[index] for name, col in self.columns().items()}
        return Observations.from_columns(cols, skipped=self.skipped)

    def take(self, rows: npt.NDArray[np.integer]) -> Observations:
        """Rows ``rows`` (an integer array; every column is a copy), without validating them
        again: they were validated when this batch was made. For callers that cut thousands of
        selections from one batch (a tracker's tracks), where re-validation would cost more
        than the work itself."""
        out = Observations.__new__(Observations)
        for name in FIELDS:
            setattr(out, name, getattr(self, name)[rows])
        out.skipped = self.skipped
        return out

    def with_skipped(self, skipped: Sequence[BadRow]) -> Observations:
        """The same rows with a different list of skipped input rows."""
        return Observations.from_columns(self.columns(), skipped=skipped)

    def sorted_by_time(self) -> Observations:
        """Rows in time order (stable, so simultaneous reports keep their input order)."""
        return self[np.argsort(self.time, kind="stable")]

    def records(self) -> list[dict[str, float | str]]:
        """One dict per row; handy for small batches and tests, slow for large ones."""
        cols = self.columns()
        return [{name: col[i].item() if isinstance(col[i], np.generic) else col[i]
                 for name, col in cols.items()} for i in range(len(self))]

    def equals(self, other: Observations, *, atol: float = 0.0) -> bool:
        """Same rows: floats equal within ``atol`` (NaN equals NaN), strings identical."""
        if len(self) != len(other):
            return False
        for name in FLOAT_FIELDS:
            a, b = getattr(self, name), getattr(other, name)
            if not np.allclose(a, b, rtol=0.0, atol=atol, equal_nan=True):
                return False
        return all(np.array_equal(getattr(self, n), getattr(other, n)) for n in STR_FIELDS)

    def __repr__(self) -> str:
        kinds = sorted(set(self.kind.tolist()) - {""})
        return f"Observations({len(self)} rows, kinds={kinds}, skipped={len(self.skipped)})"


def concat(parts: Iterable[Observations]) -> Observations:
    """All rows of several batches, in order; their skipped rows are joined too."""
    parts = list(parts)
    if not parts:
        return Observations.empty()
    cols: dict[str, Any] = {}
    for name in FIELDS:
        arrays = [getattr(p, name) for p in parts]
        cols[name] = np.concatenate(arrays) if name in FLOAT_FIELDS else [
            s for a in arrays for s in a.tolist()]
    skipped = [b for p in parts for b in p.skipped]
    return Observations.from_columns(cols, skipped=skipped)


__all__ = ["FIELDS", "FLOAT_FIELDS", "KINDS", "REQUIRED_FIELDS", "STR_FIELDS", "BadRow",
           "Observations", "concat"]
