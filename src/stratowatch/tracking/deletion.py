"""Track deletion that depends on the motion model.

A track ends when it has gone without a report for longer than the coasting time of its most
probable mode: seconds for an aircraft (nearly-constant velocity), days for a balloon (its drift
forecast stays useful, and the long-gap joiner can pick it up again).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@njit(cache=True)
def _expired(now_s: float, last_s: FloatArray, mu: FloatArray, coast_by_mode: FloatArray
             ) -> BoolArray:
    out = np.empty(last_s.shape[0], dtype=np.bool_)
    for i in range(last_s.shape[0]):
        best = 0
        for k in range(1, mu.shape[1]):
            if mu[i, k] > mu[i, best]:
                best = k
        out[i] = now_s - last_s[i] > coast_by_mode[best]
    return out


@dataclass(frozen=True)
class ModelDeleter:
    """Deletes tracks silent longer than the coast time (s) of their most probable mode."""

    def coast_s(self, mu: FloatArray, coast_by_mode: FloatArray) -> FloatArray:
        """How long each track (mode probabilities ``mu``, (N, K)) may coast, seconds."""
        return np.asarray(coast_by_mode[np.argmax(mu, axis=1)], dtype=np.float64)

    def expired(self, now_s: float, last_s: FloatArray, mu: FloatArray,
                coast_by_mode: FloatArray) -> BoolArray:
        """Tracks to delete at ``now_s`` (``last_s``: each track's last update, s)."""
        return _expired(float(now_s), np.ascontiguousarray(last_s), np.ascontiguousarray(mu),
                        coast_by_mode)


__all__ = ["ModelDeleter"]
