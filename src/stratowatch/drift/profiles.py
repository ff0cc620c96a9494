"""Flight profiles: how a balloon moves vertically.

- ``FloatProfile``: a superpressure or zero-pressure float at constant pressure (isobaric, the
  physics of a sealed balloon) or at constant altitude.
- ``StandardProfile``: a latex sounding balloon: ascent at a constant rate to burst, then a
  parachute descent whose rate scales as 1/sqrt(air density), given at sea level. The three
  parameters mean what Tawhiri's do (ascent rate, burst altitude, sea-level descent rate).
- ``ManeuveringProfile``: a balloon able to choose any altitude in a band (ballast or altitude
  control). Each member picks a random target altitude in the band and holds it for a random
  (exponential) dwell time, climbing or sinking at up to a vertical rate: the spread of members
  samples the set of places reachable by some altitude strategy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.drift import kernel as DK
from stratowatch.errors import ConfigError


@dataclass(frozen=True)
class FloatProfile:
    """Float at a constant pressure (hPa) or a constant geometric altitude (m); give one."""

    pressure_hpa: float | None = None
    alt_m: float | None = None

    def __post_init__(self) -> None:
        if (self.pressure_hpa is None) == (self.alt_m is None):
            raise ConfigError("a float profile needs exactly one of pressure_hpa or alt_m")
        if self.pressure_hpa is not None and not 0.0 < self.pressure_hpa <= 1100.0:
            raise ConfigError(f"pressure_hpa {self.pressure_hpa} is not in (0, 1100]")

    @property
    def mode(self) -> int:
        return DK.FLOAT_PRESSURE if self.pressure_hpa is not None else DK.FLOAT_ALT

    def params(self) -> npt.NDArray[np.float64]:
        return np.zeros(DK.N_PROFILE_PARAMS)

    def describe(self) -> str:
        if self.pressure_hpa is not None:
            return f"float at {self.pressure_hpa:g} hPa"
        return f"float at {self.alt_m:g} m"


@dataclass(frozen=True)
class StandardProfile:
    """Ascent to burst then descent; rates in m/s (descent at sea level), altitudes in m."""

    ascent_rate_mps: float = 5.0
    burst_alt_m: float = 30000.0
    descent_rate_mps: float = 5.0
    ground_alt_m: float = 0.0
    descending: bool = False  # True when the start is already after burst

    def __post_init__(self) -> None:
        if self.ascent_rate_mps <= 0 or self.descent_rate_mps <= 0:
            raise ConfigError("ascent and descent rates must be positive (m/s)")
        if self.burst_alt_m <= self.ground_alt_m:
            raise ConfigError("burst altitude must be above the ground altitude")

    mode = DK.STANDARD

    def params(self) -> npt.NDArray[np.float64]:
        p = np.zeros(DK.N_PROFILE_PARAMS)
        p[DK.PR_ASCENT_MPS] = self.ascent_rate_mps
        p[DK.PR_DESCENT_SL_MPS] = self.descent_rate_mps
        p[DK.PR_GROUND_M] = self.ground_alt_m
        return p

    def describe(self) -> str:
        return (f"standard: ascent {self.ascent_rate_mps:g} m/s, burst {self.burst_alt_m:g} m, "
                f"descent {self.descent_rate_mps:g} m/s at sea level")


@dataclass(frozen=True)
class ManeuveringProfile:
    """Any altitude in [alt_min_m, alt_max_m], changed at up to ``vertical_rate_mps``."""

    alt_min_m: float
    alt_max_m: float
    vertical_rate_mps: float = 1.0
    dwell_s: float = 6 * 3600.0

    def __post_init__(self) -> None:
        if not self.alt_min_m < self.alt_max_m:
            raise ConfigError("alt_min_m must be below alt_max_m")
        if self.vertical_rate_mps <= 0 or self.dwell_s <= 0:
            raise ConfigError("vertical_rate_mps and dwell_s must be positive")

    mode = DK.MANEUVER

    def params(self) -> npt.NDArray[np.float64]:
        p = np.zeros(DK.N_PROFILE_PARAMS)
        p[DK.PR_ALT_MIN] = self.alt_min_m
        p[DK.PR_ALT_MAX] = self.alt_max_m
        p[DK.PR_VRATE_MPS] = self.vertical_rate_mps
        p[DK.PR_DWELL_S] = self.dwell_s
        return p

    def describe(self) -> str:
        return (f"maneuvering between {self.alt_min_m:g} and {self.alt_max_m:g} m "
                f"(up to {self.vertical_rate_mps:g} m/s, mean dwell {self.dwell_s / 3600:g} h)")


Profile = FloatProfile | StandardProfile | ManeuveringProfile
