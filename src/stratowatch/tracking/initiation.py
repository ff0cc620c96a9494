"""Track initiation: a tentative track from each unclaimed report, confirmed M of N.

A new track starts with one state per IMM mode: the report's position (its sigmas, or a wide
altitude prior when it has no height), and a velocity prior per mode: the reported velocity
where there is one, else zero with ``sigma_speed_mps`` for the nearly-constant-velocity mode and
the wind with the drift model's sigma for the drift mode. "M of N": confirmed once ``m`` of its
first ``n`` opportunities (frames whose reports surround it) brought a report; dropped as soon
as that can no longer happen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError
from stratowatch.tracking.models import DRIFT

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class MofNInitiator:
    """M-of-N confirmation and the initial state priors (m/s, m)."""

    m: int = 2
    n: int = 3
    sigma_speed_mps: float = 150.0
    sigma_vz_mps: float = 20.0
    prior_alt_m: float = 12000.0
    sigma_prior_alt_m: float = 10000.0
    sigma_reported_velocity_mps: float = 5.0
    mode_prior: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.m <= self.n:
            raise ConfigError(f"M-of-N needs 1 <= M <= N, got M={self.m}, N={self.n}")

    def initial(self, z: FloatArray, r: FloatArray, mask: BoolArray, wind: FloatArray,
                models: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per-mode states (n, K, 6), covariances (n, K, 6, 6) and mode probabilities (n, K) of
        new tracks from report vectors ``z`` (n, 6; rows 0-1 are zero at the report) with
        variances ``r``, observed rows ``mask`` and the wind (n, 2) at each report."""
        n = z.shape[0]
        K = models.shape[0]
        xs = np.zeros((n, K, 6))
        Ps = np.zeros((n, K, 6, 6))
        alt = np.where(mask[:, 2], z[:, 2], self.prior_alt_m)
        var_alt = np.where(mask[:, 2], r[:, 2], self.sigma_prior_alt_m ** 2)
        vel_rep = mask[:, 3:6]
        sv2 = self.sigma_reported_velocity_mps ** 2
        for k in range(K):
            drift = int(models[k, 0]) == DRIFT
            xs[:, k, 2] = alt
            Ps[:, k, 0, 0] = r[:, 0]
            Ps[:, k, 1, 1] = r[:, 1]
            Ps[:, k, 2, 2] = var_alt
            if drift:
                prior_v = np.column_stack([wind[:, 0], wind[:, 1], np.zeros(n)])
                prior_var = np.array([models[k, 3] ** 2, models[k, 3] ** 2, models[k, 5] ** 2])
            else:
                prior_v = np.zeros((n, 3))
                prior_var = np.array([self.sigma_speed_mps ** 2, self.sigma_speed_mps ** 2,
                                      self.sigma_vz_mps ** 2])
            for a in range(3):
                xs[:, k, 3 + a] = np.where(vel_rep[:, a], z[:, 3 + a], prior_v[:, a])
                Ps[:, k, 3 + a, 3 + a] = np.where(vel_rep[:, a], np.maximum(r[:, 3 + a], sv2),
                                                  prior_var[a])
        prior = (np.full(K, 1.0 / K) if self.mode_prior is None
                 else np.asarray(self.mode_prior, dtype=np.float64))
        if prior.shape != (K,):
            raise ConfigError(f"mode_prior has {prior.size} values for {K} models")
        mu = np.repeat((prior / prior.sum())[None, :], n, axis=0)
        return xs, Ps, mu

    def confirmed(self, hits: IntArray, chances: IntArray) -> BoolArray:
        """Tracks that reached M hits within their first N chances."""
        return (hits >= self.m) & (chances <= self.n)

    def failed(self, hits: IntArray, chances: IntArray) -> BoolArray:
        """Tentative tracks that can no longer reach M of N."""
        return hits + np.maximum(self.n - chances, 0) < self.m


__all__ = ["MofNInitiator"]
