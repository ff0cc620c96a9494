"""Visual and optical sightings: interchange CSV or GeoJSON, with their larger uncertainty.

A person who sees a balloon reports a position that is a guess of tens of kilometres' range and
a height worse than that; a camera or telescope network does better. Where a report leaves
``sigma_h_m``/``sigma_v_m`` empty, the defaults below (metres, one standard deviation) apply, and
``kind`` defaults to the reader's ``kind``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stratowatch.errors import ConfigError
from stratowatch.sensing.csvio import read_csv
from stratowatch.sensing.geojsonio import read_geojson
from stratowatch.sensing.observation import Observations

DEFAULT_SIGMA_M: dict[str, tuple[float, float]] = {
    "visual": (5000.0, 3000.0),
    "optical": (1000.0, 1000.0),
}
"""(sigma_h_m, sigma_v_m) by kind of sighting."""


def with_sighting_defaults(obs: Observations, kind: str = "visual") -> Observations:
    """Fill empty kind and uncertainty of sightings with the defaults of their kind."""
    if kind not in DEFAULT_SIGMA_M:
        raise ConfigError(f"kind must be one of {sorted(DEFAULT_SIGMA_M)}, got {kind!r}")
    cols = obs.columns()
    kinds = np.array([k or kind for k in obs.kind.tolist()], dtype=object)
    sigma_h, sigma_v = obs.sigma_h_m.copy(), obs.sigma_v_m.copy()
    for name, (sh, sv) in DEFAULT_SIGMA_M.items():
        rows = kinds == name
        sigma_h[rows & np.isnan(sigma_h)] = sh
        sigma_v[rows & np.isnan(sigma_v)] = sv
    cols.update(kind=kinds, sigma_h_m=sigma_h, sigma_v_m=sigma_v)
    return Observations.from_columns(cols, skipped=obs.skipped)


def read_visual(path: str | Path, *, kind: str = "visual", strict: bool = False) -> Observations:
    """Sightings from interchange CSV or GeoJSON (by suffix or first character)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        obs = read_geojson(p, strict=strict)
    else:
        obs = read_csv(p, strict=strict)
    return with_sighting_defaults(obs, kind)
