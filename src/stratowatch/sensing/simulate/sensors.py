"""Simulated sensors: radar, ADS-B, balloon telemetry and visual sightings.

Each sensor turns truth trajectories into Observations (``source`` = ``simulated``, ``ref`` =
the truth object id) with its coverage, update rate, noise, detection probability and, for
radar, false alarms and an optional low-speed velocity gate: the processing that in 2023 kept
slow balloons off the operators' screens. Geometry is a local tangent plane about the sensor
(the radar horizon uses the 4/3-Earth model), adequate within a few hundred kilometres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError
from stratowatch.geo import EARTH_RADIUS_M
from stratowatch.sensing.observation import Observations
from stratowatch.sensing.simulate._local import from_local_m, to_local_m
from stratowatch.sensing.simulate.trajectories import Trajectories
from stratowatch.sensing.simulate.truth import FALSE_ALARM_PREFIX, Truth

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SOURCE = "simulated"


def _schedule(start_s: float, end_s: float, update_s: float, phase_s: float) -> FloatArray:
    return start_s + phase_s + np.arange(0.0, end_s - start_s - phase_s, update_s)


def _text(values: npt.NDArray[np.object_], idx: IntArray) -> list[str]:
    return [str(v) for v in values[idx].tolist()]


@dataclass(frozen=True)
class Radar:
    """A surveillance radar: site (deg, m), coverage, scan period (s), noise, Pd, false alarms.

    ``min_speed_mps`` switches on the low-speed velocity gate: plots whose ``gate`` speed
    (``ground`` speed, or ``radial`` speed along the line of sight) is below it are dropped.
    Targets smaller than ``ref_rcs_dbsm`` are seen to a shorter range (radar equation, range
    to the fourth power). ``measures_height`` False makes a 2-D radar (alt_m NaN).
    """

    sensor_id: str
    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0
    max_range_m: float = 250_000.0
    min_range_m: float = 2_000.0
    max_alt_m: float = 30_000.0
    update_s: float = 10.0
    sigma_range_m: float = 60.0
    sigma_azimuth_deg: float = 0.1
    sigma_elevation_deg: float = 0.15
    sigma_rcs_db: float = 3.0
    detection_probability: float = 0.9
    ref_rcs_dbsm: float = 0.0
    false_alarms_per_scan: float = 0.5
    min_speed_mps: float | None = None
    gate: Literal["ground", "radial"] = "ground"
    measures_height: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.detection_probability <= 1.0 or self.update_s <= 0:
            raise ConfigError(f"radar {self.sensor_id}: bad detection probability or update")

    def with_gate(self, min_speed_mps: float | None) -> Radar:
        """The same radar with the velocity gate set (None: off)."""
        from dataclasses import replace

        return replace(self, min_speed_mps=min_speed_mps)

    def observe(self, traj: Trajectories, truth: Truth, start_s: float, duration_s: float,
                rng: np.random.Generator) -> Observations:
        """Plots of the objects it sees during [start_s, start_s + duration_s], plus false ones."""
        scans = _schedule(start_s, start_s + duration_s, self.update_s,
                          float(rng.uniform(0, self.update_s)))
        obj, t = traj.alive(scans)
        s = traj.at(obj, t)
        e, n = to_local_m(s["lat_deg"], s["lon_deg"], self.lat_deg, self.lon_deg)
        up = s["alt_m"] - self.alt_m
        ground = np.hypot(e, n)
        # Height above the radar's tangent plane: the Earth drops ground**2/(2R) beneath it, so
        # the slant range and the elevation are measured to up - drop, not to up.
        up_t = up - ground**2 / (2.0 * EARTH_RADIUS_M)
        rng_m = np.hypot(ground, up_t)
        horizon_m = ground**2 / (2.0 * (4.0 / 3.0) * EARTH_RADIUS_M)
        reach = self.max_range_m * np.minimum(
            1.0, 10.0 ** ((truth.rcs_dbsm[obj] - self.ref_rcs_dbsm) / 40.0))
        seen = ((rng_m <= reach) & (rng_m >= self.min_range_m) & (up > horizon_m)
                & (s["alt_m"] <= self.max_alt_m)
                & (rng.random(obj.shape[0]) < self.detection_probability))
        if self.min_speed_mps is not None:
            if self.gate == "radial":
                with np.errstate(invalid="ignore", divide="ignore"):
                    speed = np.abs(s["ve_mps"] * e + s["vn_mps"] * n
                                   + s["vu_mps"] * up_t) / np.maximum(rng_m, 1.0)
            else:
                speed = np.hypot(s["ve_mps"], s["vn_mps"])
            seen &= speed >= self.min_speed_mps
        k = np.flatnonzero(seen)
        plots = self._plots(rng, t[k], rng_m[k], np.arctan2(e[k], n[k]),
                            np.arctan2(up_t[k], ground[k]),
                            truth.rcs_dbsm[obj[k]], _text(truth.ref, obj[k]))
        fa = self._false_alarms(rng, scans)
        from stratowatch.sensing.observation import concat

        return concat([plots, fa])

    def _plots(self, rng: np.random.Generator, t: FloatArray, range_m: FloatArray,
               az_rad: FloatArray, el_rad: FloatArray, rcs_dbsm: FloatArray,
               refs: list[str]) -> Observations:
        m = t.shape[0]
        r = range_m + rng.normal(0.0, self.sigma_range_m, m)
        az = az_rad + rng.normal(0.0, np.radians(self.sigma_azimuth_deg), m)
        el = el_rad + rng.normal(0.0, np.radians(self.sigma_elevation_deg), m)
        ground = r * np.cos(el)
        lat, lon = from_local_m(ground * np.sin(az), ground * np.cos(az), self.lat_deg,
                                self.lon_deg)
        alt = self.alt_m + r * np.sin(el) + ground**2 / (2.0 * EARTH_RADIUS_M)
        sigma_h = np.maximum(self.sigma_range_m, r * np.radians(self.sigma_azimuth_deg))
        sigma_v = np.maximum(r * np.radians(self.sigma_elevation_deg), 10.0)
        return Observations(
            t, lat, lon, alt if self.measures_height else np.full(m, np.nan),
            sensor_id=self.sensor_id, source=SOURCE, kind="radar", sigma_h_m=sigma_h,
            sigma_v_m=sigma_v if self.measures_height else np.nan,
            rcs_dbsm=rcs_dbsm + rng.normal(0.0, self.sigma_rcs_db, m), ref=refs)

    def _false_alarms(self, rng: np.random.Generator, scans: FloatArray) -> Observations:
        counts = rng.poisson(self.false_alarms_per_scan, scans.shape[0])
        t = np.repeat(scans, counts)
        m = t.shape[0]
        ground = self.max_range_m * np.sqrt(rng.uniform((self.min_range_m / self.max_range_m)
                                                        ** 2, 1.0, m))
        alt = rng.uniform(0.0, self.max_alt_m, m)
        az = rng.uniform(0.0, 2.0 * np.pi, m)
        up_t = alt - self.alt_m - ground**2 / (2.0 * EARTH_RADIUS_M)
        r = np.hypot(ground, up_t)
        refs = [f"{FALSE_ALARM_PREFIX}{self.sensor_id}:{i}" for i in range(m)]
        return self._plots(rng, t, r, az, np.arctan2(up_t, ground), rng.normal(-10.0, 6.0, m),
                           refs)


@dataclass(frozen=True)
class AdsbReceiver:
    """A ground station for ADS-B: cooperative objects within range, every ``update_s``."""

    sensor_id: str
    lat_deg: float
    lon_deg: float
    max_range_m: float = 400_000.0
    update_s: float = 5.0
    sigma_h_m: float = 30.0
    sigma_v_m: float = 15.0
    sigma_velocity_mps: float = 0.5
    reception_probability: float = 0.95

    def observe(self, traj: Trajectories, truth: Truth, start_s: float, duration_s: float,
                rng: np.random.Generator) -> Observations:
        """Position reports (with velocity, identity and emitter category) of ADS-B objects."""
        obj, t = traj.alive(_schedule(start_s, start_s + duration_s, self.update_s,
                                      float(rng.uniform(0, self.update_s))))
        keep = truth.adsb[obj]
        obj, t = obj[keep], t[keep]
        s = traj.at(obj, t)
        e, n = to_local_m(s["lat_deg"], s["lon_deg"], self.lat_deg, self.lon_deg)
        seen = ((np.hypot(e, n) <= self.max_range_m)
                & (rng.random(obj.shape[0]) < self.reception_probability))
        k = np.flatnonzero(seen)
        m = k.size
        o = obj[k]
        lat, lon = from_local_m(e[k] + rng.normal(0, self.sigma_h_m, m),
                                n[k] + rng.normal(0, self.sigma_h_m, m),
                                self.lat_deg, self.lon_deg)
        alt = np.round(s["alt_m"][k] / 7.62) * 7.62  # 25 ft steps
        sv = self.sigma_velocity_mps
        return Observations(
            t[k], lat, lon, alt, sensor_id=self.sensor_id, source=SOURCE, kind="adsb",
            sigma_h_m=self.sigma_h_m, sigma_v_m=self.sigma_v_m,
            vx_mps=s["ve_mps"][k] + rng.normal(0, sv, m),
            vy_mps=s["vn_mps"][k] + rng.normal(0, sv, m),
            vz_mps=s["vu_mps"][k] + rng.normal(0, sv, m), icao24=_text(truth.icao24, o),
            callsign=_text(truth.callsign, o), category=_text(truth.category, o),
            ref=_text(truth.ref, o))


@dataclass(frozen=True)
class TelemetryReceiver:
    """Balloon telemetry (radiosonde, amateur APRS/LoRa): GPS fixes of equipped balloons."""

    sensor_id: str = "telemetry"
    update_s: float = 20.0
    sigma_h_m: float = 10.0
    sigma_v_m: float = 20.0
    reception_probability: float = 0.9

    def observe(self, traj: Trajectories, truth: Truth, start_s: float, duration_s: float,
                rng: np.random.Generator) -> Observations:
        """Fixes of every object with telemetry, wherever it is (a receiving network)."""
        obj, t = traj.alive(_schedule(start_s, start_s + duration_s, self.update_s,
                                      float(rng.uniform(0, self.update_s))))
        keep = truth.telemetry[obj] & (rng.random(obj.shape[0]) < self.reception_probability)
        obj, t = obj[keep], t[keep]
        s = traj.at(obj, t)
        m = obj.shape[0]
        e = rng.normal(0, self.sigma_h_m, m)
        n = rng.normal(0, self.sigma_h_m, m)
        lat, lon = from_local_m(e, n, s["lat_deg"], s["lon_deg"])
        return Observations(
            t, lat, lon, s["alt_m"] + rng.normal(0, self.sigma_v_m, m),
            sensor_id=self.sensor_id, source=SOURCE, kind="telemetry", sigma_h_m=self.sigma_h_m,
            sigma_v_m=self.sigma_v_m, callsign=_text(truth.callsign, obj),
            ref=_text(truth.ref, obj))


@dataclass(frozen=True)
class VisualObserver:
    """People reporting what they see: few reports, rough position and height."""

    sensor_id: str
    lat_deg: float
    lon_deg: float
    max_range_m: float = 40_000.0
    reports_per_hour: float = 3.0
    sigma_h_m: float = 3_000.0
    sigma_v_m: float = 3_000.0

    def observe(self, traj: Trajectories, truth: Truth, start_s: float, duration_s: float,
                rng: np.random.Generator) -> Observations:
        """Sightings of objects within range (each minute, a chance of a report)."""
        obj, t = traj.alive(_schedule(start_s, start_s + duration_s, 60.0, 0.0))
        s = traj.at(obj, t)
        e, n = to_local_m(s["lat_deg"], s["lon_deg"], self.lat_deg, self.lon_deg)
        seen = ((np.hypot(e, n) <= self.max_range_m)
                & (rng.random(obj.shape[0]) < self.reports_per_hour / 60.0))
        k = np.flatnonzero(seen)
        m = k.size
        lat, lon = from_local_m(e[k] + rng.normal(0, self.sigma_h_m, m),
                                n[k] + rng.normal(0, self.sigma_h_m, m), self.lat_deg,
                                self.lon_deg)
        return Observations(
            t[k], lat, lon, np.maximum(s["alt_m"][k] + rng.normal(0, self.sigma_v_m, m), 0.0),
            sensor_id=self.sensor_id, source=SOURCE, kind="visual", sigma_h_m=self.sigma_h_m,
            sigma_v_m=self.sigma_v_m, ref=_text(truth.ref, obj[k]))


Sensor = Radar | AdsbReceiver | TelemetryReceiver | VisualObserver
"""Any simulated sensor (each has ``observe(traj, truth, start_s, duration_s, rng)``)."""
