"""Wind sampling that marks points outside a field's coverage instead of raising."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stratowatch.winds import WindField
from stratowatch.winds import _kernel as K

FloatArray = npt.NDArray[np.float64]


def wind_or_zero(winds: WindField | None, time_s: FloatArray, lat_deg: FloatArray,
                 lon_deg: FloatArray, alt_m: FloatArray
                 ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Wind (u, v) m/s at points, 0 where not covered; the third array says where covered."""
    n = time_s.shape[0]
    if winds is None or n == 0:
        return np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    kf = winds.kernel
    alt = np.where(np.isfinite(alt_m), alt_m, 0.0)
    u, v, _alt, status = K.sample_many(
        kf.kind, kf.params, kf.times_s, kf.levels_hpa, kf.data,
        np.ascontiguousarray(time_s, dtype=np.float64),
        np.ascontiguousarray(lat_deg, dtype=np.float64),
        np.ascontiguousarray((np.asarray(lon_deg) + 180.0) % 360.0 - 180.0, dtype=np.float64),
        np.ascontiguousarray(alt, dtype=np.float64), K.ALT, np.zeros(n, dtype=np.int64))
    ok = (status == K.OK) & np.isfinite(u) & np.isfinite(v)
    return np.where(ok, u, 0.0), np.where(ok, v, 0.0), ok
