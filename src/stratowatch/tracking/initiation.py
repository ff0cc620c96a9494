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
from numba import njit

from stratowatch.errors import ConfigError
from stratowatch.tracking.models import DRIFT

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@njit(cache=True)
def initial_states(src: IntArray, dst: IntArray, z: FloatArray, r: FloatArray, mask: BoolArray,
                   wind: FloatArray, models: FloatArray, prm: FloatArray, prior: FloatArray,
                   xs: FloatArray, Ps: FloatArray, mu: FloatArray) -> None:
    """Fill rows ``dst`` of xs, Ps, mu from reports ``src`` (see ``MofNInitiator``); ``prm``:
    sigma_speed, sigma_vz, prior_alt, sigma_prior_alt, sigma_reported_velocity; ``wind`` is
    per entry of ``src``."""
    K = models.shape[0]
    for q in range(src.shape[0]):
        j = src[q]
        i = dst[q]
        alt = z[j, 2] if mask[j, 2] else prm[2]
        var_alt = r[j, 2] if mask[j, 2] else prm[3] * prm[3]
        for k in range(K):
            xs[i, k, :] = 0.0
            Ps[i, k, :, :] = 0.0
            xs[i, k, 2] = alt
            Ps[i, k, 0, 0] = r[j, 0]
            Ps[i, k, 1, 1] = r[j, 1]
            Ps[i, k, 2, 2] = var_alt
            drift = int(models[k, 0]) == DRIFT
            for a in range(3):
                if mask[j, 3 + a]:
                    xs[i, k, 3 + a] = z[j, 3 + a]
                    Ps[i, k, 3 + a, 3 + a] = max(r[j, 3 + a], prm[4] * prm[4])
                elif drift:
                    xs[i, k, 3 + a] = wind[q, a] if a < 2 else 0.0
                    s = models[k, 3] if a < 2 else models[k, 5]
                    Ps[i, k, 3 + a, 3 + a] = s * s
                else:
                    s = prm[0] if a < 2 else prm[1]
                    Ps[i, k, 3 + a, 3 + a] = s * s
            mu[i, k] = prior[k]


@njit(cache=True)
def _settle(m: int, n: int, confirmed: BoolArray, hits: IntArray, chances: IntArray
            ) -> tuple[BoolArray, BoolArray]:
    newly = np.zeros(hits.shape[0], dtype=np.bool_)
    failed = np.zeros(hits.shape[0], dtype=np.bool_)
    for i in range(hits.shape[0]):
        if confirmed[i]:
            continue
        if hits[i] >= m and chances[i] <= n:
            newly[i] = True
        elif hits[i] + max(n - chances[i], 0) < m:
            failed[i] = True
    return newly, failed


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

    def prior_row(self, K: int) -> FloatArray:
        """Initial mode probabilities (K,)."""
        prior = (np.full(K, 1.0 / K) if self.mode_prior is None
                 else np.asarray(self.mode_prior, dtype=np.float64))
        if prior.shape != (K,):
            raise ConfigError(f"mode_prior has {prior.size} values for {K} models")
        return prior / prior.sum()

    def params(self) -> FloatArray:
        """The numbers ``initial_states`` reads."""
        return np.array([self.sigma_speed_mps, self.sigma_vz_mps, self.prior_alt_m,
                         self.sigma_prior_alt_m, self.sigma_reported_velocity_mps])

    def initial(self, z: FloatArray, r: FloatArray, mask: BoolArray, wind: FloatArray,
                models: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per-mode states (n, K, 6), covariances (n, K, 6, 6) and mode probabilities (n, K) of
        new tracks from report vectors ``z`` (n, 6; rows 0-1 are zero at the report) with
        variances ``r``, observed rows ``mask`` and the wind (n, 2) at each report."""
        n = z.shape[0]
        K = models.shape[0]
        xs = np.empty((n, K, 6))
        Ps = np.empty((n, K, 6, 6))
        mu = np.empty((n, K))
        rows = np.arange(n, dtype=np.int64)
        initial_states(rows, rows, z, r, mask, wind, models, self.params(),
                       self.prior_row(K), xs, Ps, mu)
        return xs, Ps, mu

    def settle(self, confirmed: BoolArray, hits: IntArray, chances: IntArray
               ) -> tuple[BoolArray, BoolArray]:
        """Tentative tracks confirmed now, and those that can no longer be (one pass)."""
        return _settle(self.m, self.n, confirmed, hits, chances)

    def confirmed(self, hits: IntArray, chances: IntArray) -> BoolArray:
        """Tracks that reached M hits within their first N chances."""
        return (hits >= self.m) & (chances <= self.n)

    def failed(self, hits: IntArray, chances: IntArray) -> BoolArray:
        """Tentative tracks that can no longer reach M of N."""
        return hits + np.maximum(self.n - chances, 0) < self.m


__all__ = ["MofNInitiator"]
