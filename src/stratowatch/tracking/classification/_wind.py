"""Wind at many points, NaN where the field does not cover them (no exception)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stratowatch.winds import WindField
from stratowatch.winds import _kernel as K

FloatArray = npt.NDArray[np.float64]


def wind_or_nan(winds: WindField, time_s: FloatArray, lat_deg: FloatArray,
                lon_deg: FloatArray, alt_m: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Wind (u, v) in m/s at geometric altitudes (m); NaN outside coverage or without height."""
    n = time_s.shape[0]
    if n == 0:
        return np.empty(0), np.empty(0)
    kf = winds.kernel
    has_alt = np.isfinite(alt_m)
    u, v, _alt, status = K.sample_many(
        kf.kind, kf.params, kf.times_s, kf.levels_hpa, kf.data,
        np.ascontiguousarray(time_s, dtype=np.float64),
        np.ascontiguousarray(lat_deg, dtype=np.float64),
        np.ascontiguousarray(lon_deg, dtype=np.float64),
        np.ascontiguousarray(np.where(has_alt, alt_m, 0.0), dtype=np.float64), K.ALT,
        np.zeros(n, dtype=np.int64))
    ok = (status == K.OK) & has_alt
    return np.where(ok, u, np.nan), np.where(ok, v, np.nan)
