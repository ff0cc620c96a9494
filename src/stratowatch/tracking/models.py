"""Motion models: nearly-constant velocity (aircraft) and wind drift (free balloons).

Both act on the same six-element state in a local tangent plane at the track's reference point:
``[east_m, north_m, alt_m, ve_mps, vn_mps, vu_mps]`` (east/north offsets from the reference,
altitude above mean sea level), so an interacting multiple model can mix them. A model is a row
of numbers the compiled kernels read (``params()``); the Python class only names and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError

NCV = 0
"""Kernel code of the nearly-constant-velocity model."""
DRIFT = 1
"""Kernel code of the wind-drift model."""
N_MODEL_PARAMS = 8
"""Columns of a model row: kind, q_h, q_v, sigma_b_h, tau_b_h, sigma_b_v, tau_b_v, sojourn_s."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ConstantVelocity:
    """Nearly-constant velocity: white acceleration of spectral density ``q`` (m^2/s^3).

    The defaults let real airliner turns and climbs (a few m/s^2) through the gates of ADS-B
    and radar reports alike.

    ``coast_s`` is how long a track dominated by this model lives without an update (aircraft
    turn and vanish: seconds); ``sojourn_s`` is the mean time before an IMM mode switch.
    """

    q_h_m2ps3: float = 20.0
    q_v_m2ps3: float = 8.0
    coast_s: float = 60.0
    sojourn_s: float = 86400.0
    name: str = "ncv"

    def __post_init__(self) -> None:
        if min(self.q_h_m2ps3, self.q_v_m2ps3) < 0 or self.coast_s <= 0 or self.sojourn_s <= 0:
            raise ConfigError(f"{self.name}: noise must be >= 0, coast_s and sojourn_s > 0")

    @property
    def kind(self) -> int:
        return NCV

    def params(self) -> FloatArray:
        return np.array([NCV, self.q_h_m2ps3, self.q_v_m2ps3, 0.0, 1.0, 0.0, 1.0,
                         self.sojourn_s])


@dataclass(frozen=True)
class WindDrift:
    """Velocity = wind at the object's position + a slow random walk (an Ornstein-Uhlenbeck
    departure from the wind), horizontal and vertical.

    Defaults follow the Loon stratospheric wind-error statistics (sigma 3.6 m/s, 9.6 h). A track
    in this mode coasts on its drift forecast for ``coast_s`` (days). ``sigma_air_mps`` is the
    spread of an aircraft's speed through the air, the alternative the wind-consistency evidence
    is weighed against; ``evidence_time_s`` tempers that evidence so that velocities, correlated
    from scan to scan, count about once per interval.
    """

    sigma_b_h_mps: float = 3.6
    tau_b_h_s: float = 9.6 * 3600.0
    sigma_b_v_mps: float = 2.0
    tau_b_v_s: float = 3600.0
    q_h_m2ps3: float = 1e-4
    q_v_m2ps3: float = 1e-3
    coast_s: float = 3.0 * 86400.0
    sojourn_s: float = 86400.0
    sigma_air_mps: float = 80.0
    evidence_time_s: float = 60.0
    name: str = "drift"

    def __post_init__(self) -> None:
        if min(self.sigma_b_h_mps, self.tau_b_h_s, self.sigma_b_v_mps, self.tau_b_v_s,
               self.coast_s, self.sojourn_s, self.sigma_air_mps, self.evidence_time_s) <= 0:
            raise ConfigError(f"{self.name}: sigmas, times and coast_s must be positive")

    @property
    def kind(self) -> int:
        return DRIFT

    def params(self) -> FloatArray:
        return np.array([DRIFT, self.q_h_m2ps3, self.q_v_m2ps3, self.sigma_b_h_mps,
                         self.tau_b_h_s, self.sigma_b_v_mps, self.tau_b_v_s, self.sojourn_s])


MotionModel = ConstantVelocity | WindDrift


def model_table(models: tuple[MotionModel, ...]) -> FloatArray:
    """(K, N_MODEL_PARAMS) rows for the kernels, in IMM mode order."""
    if not models:
        raise ConfigError("at least one motion model is needed")
    return np.ascontiguousarray(np.stack([m.params() for m in models]))


__all__ = ["DRIFT", "NCV", "ConstantVelocity", "MotionModel", "WindDrift", "model_table"]
