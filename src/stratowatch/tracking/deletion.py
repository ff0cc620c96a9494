"""Track deletion that depends on the motion model.

A track ends when it has gone without a report for longer than the coasting time of its most
probable mode: seconds for an aircraft (nearly-constant velocity), days for a balloon (its drift
forecast stays useful, and the long-gap joiner can pick it up again). Optionally a track whose
position sigma has grown past ``max_sigma_h_m`` ends too (an aircraft that stopped being seen).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ModelDeleter:
    """Deletes tracks silent longer than the coast time (s) of their most probable mode."""

    max_sigma_h_m: float = np.inf

    def coast_s(self, mu: FloatArray, coast_by_mode: FloatArray) -> FloatArray:
        """How long each track (mode probabilities ``mu``, (N, K)) may coast, seconds."""
        return np.asarray(coast_by_mode[np.argmax(mu, axis=1)], dtype=np.float64)

    def expired(self, now_s: float, last_s: FloatArray, mu: FloatArray,
                coast_by_mode: FloatArray, sigma_h_m: FloatArray | None = None) -> BoolArray:
        """Tracks to delete at ``now_s``."""
        out = (now_s - last_s) > self.coast_s(mu, coast_by_mode)
        if sigma_h_m is not None and np.isfinite(self.max_sigma_h_m):
            out |= sigma_h_m > self.max_sigma_h_m
        return np.asarray(out, dtype=np.bool_)


__all__ = ["ModelDeleter"]
