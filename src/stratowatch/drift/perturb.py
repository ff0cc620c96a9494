"""Ensemble perturbations: initial state, altitude spread and a correlated wind error.

The wind error of each member is an Ornstein-Uhlenbeck process per component with standard
deviation ``wind_sigma_mps``, seen along the member's path through an error field correlated
over ``wind_length_m`` and ``wind_time_s``: its decorrelation rate is
``1/wind_time_s + |V|/wind_length_m`` with V the wind at the member. The defaults are the
stratospheric forecast-error statistics published from Loon flights (sigma about 3.6 m/s,
correlation about 357 km and 9.6 h). The process starts in its stationary state: the forecast
is already wrong at the start. For a constant rate lambda the mean squared displacement per
component after t is ``2 sigma^2 (lambda t - 1 + exp(-lambda t)) / lambda^2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError

LOON_WIND_SIGMA_MPS = 3.6
LOON_WIND_LENGTH_M = 357e3
LOON_WIND_TIME_S = 9.6 * 3600.0


@dataclass(frozen=True)
class Perturbation:
    """How members differ. All standard deviations; zero switches a part off."""

    sigma_h_m: float = 0.0
    sigma_alt_m: float = 0.0
    wind_sigma_mps: float = LOON_WIND_SIGMA_MPS
    wind_length_m: float = LOON_WIND_LENGTH_M
    wind_time_s: float = LOON_WIND_TIME_S
    rate_sigma_frac: float = 0.0  # relative spread of ascent/descent/vertical rates
    burst_sigma_m: float = 0.0

    def __post_init__(self) -> None:
        for name in ("sigma_h_m", "sigma_alt_m", "wind_sigma_mps", "rate_sigma_frac",
                     "burst_sigma_m"):
            if getattr(self, name) < 0 or not math.isfinite(getattr(self, name)):
                raise ConfigError(f"{name} must be a finite number >= 0")
        if self.wind_length_m <= 0 or self.wind_time_s <= 0:
            raise ConfigError("wind_length_m and wind_time_s must be positive")

    @classmethod
    def none(cls) -> Perturbation:
        """No perturbation at all: every member is the deterministic trajectory."""
        return cls(wind_sigma_mps=0.0)

    @property
    def is_none(self) -> bool:
        return (self.sigma_h_m == 0 and self.sigma_alt_m == 0 and self.wind_sigma_mps == 0
                and self.rate_sigma_frac == 0 and self.burst_sigma_m == 0)

    def err_params(self) -> npt.NDArray[np.float64]:
        return np.array([self.wind_sigma_mps, self.wind_length_m, self.wind_time_s])


def wind_error_msd_m2(t_s: npt.ArrayLike, sigma_mps: float, rate_per_s: float
                      ) -> npt.NDArray[np.float64]:
    """Analytic mean squared horizontal displacement (both components, m^2) of the error alone."""
    t = np.asarray(t_s, dtype=np.float64)
    lt = rate_per_s * t
    per_component = 2.0 * sigma_mps**2 * (lt - 1.0 + np.exp(-lt)) / rate_per_s**2
    return 2.0 * per_component
