"""Truth trajectories of many simulated objects, sampled on a regular step per object.

Simulated, not observed: these are the true states that the simulated sensors then measure.
Columns are flat numpy arrays; object ``j`` owns rows ``offset[j]:offset[j] + count[j]``, at
times ``t_start_s[j] + i * step_s[j]``. Longitudes are continuous along a trajectory (they may
leave [-180, 180); the Observations built from them are wrapped). Velocities are m/s east,
north, up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Trajectories:
    """Regularly sampled truth states of ``n_objects`` objects (see the module docstring)."""

    t_start_s: FloatArray
    step_s: FloatArray
    count: IntArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    ve_mps: FloatArray
    vn_mps: FloatArray
    vu_mps: FloatArray

    def __post_init__(self) -> None:
        if np.any(self.count < 2):
            raise ConfigError("every simulated trajectory needs at least two samples")
        if int(self.count.sum()) != self.lat_deg.shape[0]:
            raise ConfigError("trajectory counts do not match the sample columns")

    @property
    def n_objects(self) -> int:
        return int(self.count.shape[0])

    @property
    def offset(self) -> IntArray:
        return np.concatenate([[0], np.cumsum(self.count)[:-1]]).astype(np.int64)

    @property
    def t_end_s(self) -> FloatArray:
        return self.t_start_s + (self.count - 1) * self.step_s

    @classmethod
    def from_regular(cls, t_start_s: npt.ArrayLike, step_s: npt.ArrayLike,
                     lat_deg: Sequence[FloatArray], lon_deg: Sequence[FloatArray],
                     alt_m: Sequence[FloatArray]) -> Trajectories:
        """Build from per-object position arrays; velocities by centred differences."""
        count = np.array([len(a) for a in lat_deg], dtype=np.int64)
        n = count.shape[0]
        steps = np.broadcast_to(np.asarray(step_s, dtype=np.float64), (n,)).copy()
        ve, vn, vu = [], [], []
        from stratowatch.sensing.simulate._local import to_local_m

        for la, lo, al, dt in zip(lat_deg, lon_deg, alt_m, steps, strict=True):
            e, nn = to_local_m(la, lo, la[0], lo[0])
            ve.append(np.gradient(e, dt))
            vn.append(np.gradient(nn, dt))
            vu.append(np.gradient(al, dt))

        def cat(parts: Sequence[FloatArray] | list[FloatArray]) -> FloatArray:
            return np.concatenate(parts) if len(parts) else np.empty(0)

        return cls(np.asarray(t_start_s, dtype=np.float64).reshape(n), steps, count,
                   cat(list(lat_deg)), cat(list(lon_deg)), cat(list(alt_m)), cat(ve), cat(vn),
                   cat(vu))

    def at(self, obj: IntArray, time_s: FloatArray) -> dict[str, FloatArray]:
        """States of objects ``obj`` at times ``time_s`` (linear interpolation; clamped)."""
        f = (time_s - self.t_start_s[obj]) / self.step_s[obj]
        i = np.clip(np.floor(f).astype(np.int64), 0, self.count[obj] - 2)
        w = np.clip(f - i, 0.0, 1.0)
        k = self.offset[obj] + i
        out = {}
        for name in ("lat_deg", "lon_deg", "alt_m", "ve_mps", "vn_mps", "vu_mps"):
            col = getattr(self, name)
            out[name] = col[k] * (1.0 - w) + col[k + 1] * w
        return out

    def alive(self, time_s: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """(object, time) pairs for every time of a common schedule inside each object's life."""
        times = np.asarray(time_s, dtype=np.float64)
        first = np.searchsorted(times, self.t_start_s, side="left")
        last = np.searchsorted(times, self.t_end_s, side="right")
        counts = np.maximum(last - first, 0)
        obj = np.repeat(np.arange(self.n_objects, dtype=np.int64), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        idx = np.repeat(first, counts) + (np.arange(obj.shape[0]) - starts)
        return obj, times[idx]


def concat_trajectories(parts: Sequence[Trajectories]) -> Trajectories:
    """All objects of several sets, in order (no sets: no objects)."""
    if not parts:
        return Trajectories.from_regular(np.empty(0), 1.0, [], [], [])
    def cat(name: str) -> npt.NDArray[np.generic]:
        return np.concatenate([getattr(p, name) for p in parts])

    return Trajectories(*(cat(n) for n in (  # type: ignore[arg-type]
        "t_start_s", "step_s", "count", "lat_deg", "lon_deg", "alt_m", "ve_mps", "vn_mps",
        "vu_mps")))
