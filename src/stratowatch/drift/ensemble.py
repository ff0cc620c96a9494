"""The result of a drift run: member positions at output times, as labelled arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from stratowatch.timeutil import epoch_s_to_datetime64

FloatArray = npt.NDArray[np.float64]


class MemberStatus(IntEnum):
    """Where a member stands at an output time. Codes 1-3 match the wind kernel's."""

    ACTIVE = 0
    LEFT_REGION = 1  # left the wind data's region; frozen at its last position inside
    LEFT_TIME = 2  # ran past the wind data's valid times; frozen
    LEFT_LEVELS = 3  # left the wind data's vertical levels; frozen
    GROUND = 4  # reached the ground (landed, or its launch when run backward); stays there

    @property
    def valid(self) -> bool:
        """True where the position is a forecast position (active or on the ground)."""
        return self in (MemberStatus.ACTIVE, MemberStatus.GROUND)


@dataclass
class Ensemble:
    """Positions of M members at K output times.

    Arrays are (K, M): ``lat_deg``, ``lon_deg`` (in [-180, 180)), ``alt_m`` (geometric, above
    mean sea level) and ``status`` (MemberStatus codes). A member that left the wind data's
    coverage keeps its last position with the status saying why, so no position is invented.
    ``direction`` is +1 for a forecast and -1 for a back-trajectory (times then decrease).
    """

    times_s: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    status: npt.NDArray[np.int8]
    direction: int = 1
    profile: str = ""
    coverage: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_times(self) -> int:
        return int(self.times_s.shape[0])

    @property
    def n_members(self) -> int:
        return int(self.lat_deg.shape[1])

    @property
    def start_s(self) -> float:
        return float(self.times_s[0])

    def lead_s(self) -> FloatArray:
        """Seconds from the start to each output time (negative for back-trajectories)."""
        return self.times_s - self.times_s[0]

    def valid_mask(self) -> npt.NDArray[np.bool_]:
        """(K, M) True where the position is a forecast (active or on the ground)."""
        return (self.status == MemberStatus.ACTIVE) | (self.status == MemberStatus.GROUND)

    def left_coverage(self) -> npt.NDArray[np.bool_]:
        """(M,) True for members that left the wind data's coverage at some time."""
        return np.any(~self.valid_mask(), axis=0)

    def to_dataset(self) -> xr.Dataset:
        """The same arrays as an xarray Dataset with dimensions (time, member)."""
        coords = {"time": epoch_s_to_datetime64(self.times_s), "member": np.arange(self.n_members)}
        dims = ("time", "member")
        return xr.Dataset(
            {
                "lat": (dims, self.lat_deg, {"units": "degrees_north"}),
                "lon": (dims, self.lon_deg, {"units": "degrees_east"}),
                "alt": (dims, self.alt_m, {"units": "m", "long_name": "altitude above MSL"}),
                "status": (dims, self.status, {"flag_meanings": " ".join(
                    s.name.lower() for s in MemberStatus)}),
            },
            coords=coords,
            attrs={"profile": self.profile, "coverage": self.coverage,
                   "direction": self.direction},
        )
