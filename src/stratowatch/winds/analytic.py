"""Analytic wind fields with exact answers, for tests, benchmarks and demonstrations."""

from __future__ import annotations

import numpy as np

from stratowatch.errors import ConfigError
from stratowatch.geo.sphere import to_unit
from stratowatch.winds import _kernel as K
from stratowatch.winds.base import Coverage, WindField


class _AnalyticField(WindField):
    _kind: int

    def __init__(self, params: list[float]) -> None:
        times, levels, data = K.empty_grid()
        self._kernel = K.kernel_field(self._kind, np.asarray(params, dtype=np.float64), times,
                                     levels, data)

    @property
    def kernel(self) -> K.KernelField:
        return self._kernel

    @property
    def coverage(self) -> Coverage:
        return Coverage(note=f"analytic {type(self).__name__}")


class UniformWind(_AnalyticField):
    """The same wind (m/s east and north) everywhere and always."""

    _kind = K.UNIFORM

    def __init__(self, u_mps: float, v_mps: float) -> None:
        super().__init__([u_mps, v_mps])


class SolidBodyRotation(_AnalyticField):
    """Rigid rotation of the atmosphere about an axis through the Earth's centre.

    Every particle moves on a small circle about the axis (``axis_lat_deg``, ``axis_lon_deg``)
    at ``omega_radps``: the exact solution after time t is a rotation by omega * t, at any
    altitude. An axis off the poles makes the flow cross meridians, poles and the antimeridian.
    """

    _kind = K.SOLID_BODY

    def __init__(self, axis_lat_deg: float, axis_lon_deg: float, omega_radps: float) -> None:
        axis = to_unit(axis_lat_deg, axis_lon_deg)
        self.axis = axis
        self.omega_radps = float(omega_radps)
        super().__init__([float(axis[0]), float(axis[1]), float(axis[2]), self.omega_radps])

    @classmethod
    def with_speed(cls, axis_lat_deg: float, axis_lon_deg: float,
                   equator_speed_mps: float) -> SolidBodyRotation:
        """A rotation whose speed 90 degrees from the axis, at sea level, is given (m/s)."""
        from stratowatch.geo.sphere import EARTH_RADIUS_M

        return cls(axis_lat_deg, axis_lon_deg, equator_speed_mps / EARTH_RADIUS_M)


class ZonalJet(_AnalyticField):
    """A westerly jet with a travelling meridional wave, Gaussian in latitude and height.

    u = u0 g, v = amplitude g cos(lat) sin(k (lon - c t)), with
    g = exp(-((lat - lat0)/width)^2) exp(-((alt - z_jet)/depth)^2); c in degrees per second.
    """

    _kind = K.ZONAL_JET

    def __init__(self, u0_mps: float = 30.0, lat0_deg: float = 45.0, width_deg: float = 15.0,
                 z_jet_m: float = 18000.0, depth_m: float = 12000.0, amplitude_mps: float = 10.0,
                 wavenumber: int = 5, phase_speed_degps: float = 10.0 / 86400.0) -> None:
        if width_deg <= 0 or depth_m <= 0:
            raise ConfigError("ZonalJet: width_deg and depth_m must be positive")
        super().__init__([u0_mps, lat0_deg, width_deg, z_jet_m, depth_m, amplitude_mps,
                          float(wavenumber), phase_speed_degps])
