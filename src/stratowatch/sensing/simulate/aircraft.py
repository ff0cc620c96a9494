"""Simulated aircraft: real trajectories from the ``traffic`` package's samples, moved.

Each simulated aircraft is a stretch of a real flight (traffic ships recorded ADS-B
trajectories: airliners, gliders, helicopters, survey and military aircraft), rotated about its
first point by a random heading, translated into the scenario region and shifted in time. The
samples are read as files with stratowatch's own reader (``traffic`` itself need not import).
Where traffic is not installed, a documented synthetic model stands in
(:func:`synthetic_aircraft`: straight legs and coordinated turns at airliner and light-aircraft
speeds), and :func:`sample_flights` says so by returning an empty list.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from stratowatch.sensing.observation import Observations
from stratowatch.sensing.simulate._local import from_local_m, to_local_m
from stratowatch.sensing.simulate.trajectories import Trajectories

FloatArray = npt.NDArray[np.float64]

FLIGHT_GAP_S = 600.0
"""A pause longer than this (s) between two reports of one aircraft starts a new flight."""


def traffic_samples_dir() -> Path | None:
    """The folder of trajectory samples inside the installed ``traffic`` package, if any."""
    spec = importlib.util.find_spec("traffic")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "samples"
    return path if path.is_dir() else None


def split_flights(obs: Observations, gap_s: float = FLIGHT_GAP_S) -> npt.NDArray[np.object_]:
    """A flight id per report: one aircraft (icao24, callsign, ref) split at pauses > gap_s.

    This is how traffic's own ``Traffic`` iterates flights; ids read ``<key>#<n>``.
    """
    keys = np.array([f"{r}|{i}|{c}" for r, i, c in zip(obs.ref.tolist(), obs.icao24.tolist(),
                                                        obs.callsign.tolist(), strict=True)],
                    dtype=object)
    _, inv = np.unique(keys, return_inverse=True)
    order = np.lexsort((obs.time, inv))
    new = np.ones(len(obs), dtype=bool)
    new[1:] = (inv[order][1:] != inv[order][:-1]) | (np.diff(obs.time[order]) > gap_s)
    seg = np.cumsum(new) - 1
    out = np.empty(len(obs), dtype=object)
    out[order] = [f"{keys[o]}#{s}" for o, s in zip(order.tolist(), seg.tolist(), strict=True)]
    return out


@dataclass(frozen=True)
class SampleFlight:
    """One real flight from traffic's samples (times s, positions deg, altitude m)."""

    name: str
    icao24: str
    callsign: str
    time_s: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    groundspeed_mps: FloatArray | None = None
    """The recorded ground speed (NaN where none was recorded); None: not known."""


def _read_sample(path: Path) -> Observations:
    """A sample file as Observations: a columnar fast path for traffic's own well-formed
    records (epoch-millisecond times), stratowatch's row-checking reader for anything else."""
    from stratowatch.sensing.trafficfmt import FT_M, KT_MPS, read_traffic

    try:
        records = json.loads(gzip.decompress(path.read_bytes()))
        if not isinstance(records, list) or not records:
            raise ValueError("not a list of records")
        keys = ("timestamp", "latitude", "longitude", "altitude", "groundspeed", "track")
        cols = {k: np.array([np.nan if r.get(k) is None else r.get(k) for r in records],
                            dtype=np.float64) for k in keys}
        if not np.isfinite(cols["timestamp"]).all() or cols["timestamp"].min() < 1e11:
            raise ValueError("timestamps are not epoch milliseconds")
    except (ValueError, TypeError, AttributeError, OSError):
        return read_traffic(path)
    ok = np.isfinite(cols["latitude"]) & np.isfinite(cols["longitude"])

    def text(key: str) -> list[str]:
        return [str(r.get(key) or "").strip() for r, k in zip(records, ok.tolist(),
                                                               strict=True) if k]

    gs, trk = cols["groundspeed"][ok] * KT_MPS, np.radians(cols["track"][ok])
    return Observations(cols["timestamp"][ok] / 1000.0, cols["latitude"][ok],
                        cols["longitude"][ok], cols["altitude"][ok] * FT_M, kind="adsb",
                        source=str(path), icao24=text("icao24"), callsign=text("callsign"),
                        ref=text("flight_id"), vx_mps=gs * np.sin(trk), vy_mps=gs * np.cos(trk))


@lru_cache(maxsize=2)
def sample_flights(min_points: int = 30, min_duration_s: float = 300.0,
                   min_alt_m: float = 60.0) -> tuple[SampleFlight, ...]:
    """Every airborne flight in traffic's samples (empty when traffic is not installed).

    Rows without altitude or below ``min_alt_m`` (on the ground) are left out before flights
    are split; flights shorter than ``min_points`` reports or ``min_duration_s`` are dropped.
    """
    root = traffic_samples_dir()
    if root is None:
        return ()
    flights = []
    for path in sorted(root.glob("**/*.json.gz")):
        obs = _read_sample(path)
        obs = obs[np.isfinite(obs.alt_m) & (obs.alt_m >= min_alt_m)]
        if len(obs) < min_points:
            continue
        ids = split_flights(obs)
        _, inv = np.unique(ids, return_inverse=True)
        for k in range(int(inv.max()) + 1):
            rows = np.flatnonzero(inv == k)
            rows = rows[np.argsort(obs.time[rows], kind="stable")]
            t = obs.time[rows]
            t, first = np.unique(t, return_index=True)
            rows = rows[first]
            if rows.size < min_points or t[-1] - t[0] < min_duration_s:
                continue
            flights.append(SampleFlight(
                f"{path.parent.name}/{path.name.removesuffix('.json.gz')}#{k}",
                str(obs.icao24[rows[0]]), str(obs.callsign[rows[0]]), t,
                obs.lat[rows], np.degrees(np.unwrap(np.radians(obs.lon[rows]))),
                obs.alt_m[rows], np.hypot(obs.vx_mps[rows], obs.vy_mps[rows])))
    return tuple(flights)


def _moved(flight: SampleFlight, rng: np.random.Generator, t0: float, duration_s: float,
           lat_c: float, lon_c: float, radius_m: float, step_s: float, length_s: float
           ) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    span = flight.time_s[-1] - flight.time_s[0]
    length = min(length_s, span)
    a = flight.time_s[0] + rng.uniform(0.0, span - length)
    t_rel = np.arange(0.0, length, step_s)
    if t_rel.size < 2:
        t_rel = np.array([0.0, step_s])
    t = a + t_rel
    e, n = to_local_m(flight.lat_deg, flight.lon_deg, flight.lat_deg[0], flight.lon_deg[0])
    e_i, n_i = np.interp(t, flight.time_s, e), np.interp(t, flight.time_s, n)
    e_i, n_i = e_i - e_i[0], n_i - n_i[0]
    theta = rng.uniform(0.0, 2.0 * np.pi)
    c, s = np.cos(theta), np.sin(theta)
    de, dn = rng.normal(0.0, radius_m, 2)
    lat, lon = from_local_m(c * e_i - s * n_i + de, s * e_i + c * n_i + dn, lat_c, lon_c)
    start = t0 + rng.uniform(-0.5 * length, duration_s - 0.5 * length)
    return start, lat, lon, np.interp(t, flight.time_s, flight.alt_m)


SLOW_MPS = 60.0
NOT_FOR_SIMULATION = ("noisy/",)


def _median_speed_mps(f: SampleFlight) -> float:
    e, n = to_local_m(f.lat_deg, f.lon_deg, f.lat_deg[0], f.lon_deg[0])
    dt = np.diff(f.time_s)
    return float(np.median(np.hypot(np.diff(e), np.diff(n)) / np.maximum(dt, 1e-3)))


MAX_CLIMB_MPS = 50.0
"""Faster altitude changes between two samples (beyond one 100-ft step) are recording errors."""


def _altitude_jumps(f: SampleFlight) -> npt.NDArray[np.bool_]:
    """Samples at either end of a step no aircraft climbs or dives (24,025 ft to 8,850 ft in
    5 s, recorded vertical rate 1 m/s): a decoding error, not a manoeuvre."""
    dt = np.diff(f.time_s)
    jump = np.abs(np.diff(f.alt_m)) > MAX_CLIMB_MPS * dt + 30.0
    bad = np.zeros(f.time_s.shape[0], dtype=bool)
    bad[:-1] |= jump
    bad[1:] |= jump
    return bad


SPEED_AGREEMENT = 0.7
"""Positions must cover at least this fraction of the path the recorded ground speed flies
(and at most its inverse), beyond 15 m/s."""


def _speed_mismatch(f: SampleFlight, path_m: FloatArray, half_s: float = 30.0
                    ) -> npt.NDArray[np.bool_]:
    """Samples whose positions over +/-``half_s`` disagree with the recorded ground speed (a
    straight line at 36 m/s while the aircraft reports 112 m/s; a gap filled by a straight
    descent at 49 m/s while it reports 90): positions held, interpolated or jumping."""
    t = f.time_s
    gs = f.groundspeed_mps
    bad = np.zeros(t.shape[0], dtype=bool)
    if gs is None or np.isfinite(gs).sum() < 2:
        return bad
    ok = np.isfinite(gs)
    g = np.interp(t, t[ok], gs[ok])
    flown = np.concatenate([[0.0], np.cumsum(0.5 * (g[1:] + g[:-1]) * np.diff(t))])
    lo, hi = np.maximum(t - half_s, t[0]), np.minimum(t + half_s, t[-1])
    span = hi - lo
    expect = np.interp(hi, t, flown) - np.interp(lo, t, flown)
    along = np.interp(hi, t, path_m) - np.interp(lo, t, path_m)
    off = (along < SPEED_AGREEMENT * expect) | (along * SPEED_AGREEMENT > expect)
    return off & (np.abs(along - expect) > 15.0 * span) & (span > half_s)


def _pieces(f: SampleFlight, frozen_s: float, min_points: int) -> list[SampleFlight]:
    """The flight cut where its position stays frozen longer than ``frozen_s`` (a receiver
    repeating the last position, not an aircraft standing still in the air) or creeps, where
    its altitude jumps, and where its positions disagree with its recorded ground speed."""
    e, n = to_local_m(f.lat_deg, f.lon_deg, f.lat_deg[0], f.lon_deg[0])
    still = np.hypot(np.diff(e), np.diff(n)) < 1.0
    run_start = np.flatnonzero(np.diff(np.concatenate([[0], still.astype(np.int8)])) == 1)
    run_end = np.flatnonzero(np.diff(np.concatenate([still.astype(np.int8), [0]])) == -1) + 1
    bad = np.zeros(f.time_s.shape[0], dtype=bool)
    for a, b in zip(run_start.tolist(), run_end.tolist(), strict=True):
        if f.time_s[b] - f.time_s[a] > frozen_s:
            bad[a + 1: b + 1] = True
    # nor creeping high up: under 30 m/s along the path over a minute above 3 km is a recording
    # artefact (positions barely updated), not a flight a radar would see; an aircraft
    # orbiting covers a long path and stays
    t = f.time_s
    path = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(e), np.diff(n)))])
    span = np.minimum(t + 30.0, t[-1]) - np.maximum(t - 30.0, t[0])
    along = np.interp(t + 30.0, t, path) - np.interp(t - 30.0, t, path)
    bad |= (along < 30.0 * span) & (f.alt_m > 3000.0) & (span > 30.0)
    bad |= _altitude_jumps(f) | _speed_mismatch(f, path)
    label = np.cumsum(bad)
    out = []
    for k in np.unique(label[~bad]).tolist():
        rows = np.flatnonzero((label == k) & ~bad)
        if rows.size >= min_points:
            gs = None if f.groundspeed_mps is None else f.groundspeed_mps[rows]
            out.append(SampleFlight(f"{f.name}/{k}", f.icao24, f.callsign, f.time_s[rows],
                                    f.lat_deg[rows], f.lon_deg[rows], f.alt_m[rows], gs))
    return out


def airborne(flights: tuple[SampleFlight, ...], min_speed_mps: float = 5.0,
             frozen_s: float = 30.0) -> tuple[SampleFlight, ...]:
    """Flights fit to stand for radar targets: moving (median ground speed above
    ``min_speed_mps``, so no parked aircraft), cut where the recorded position froze, and
    none of traffic's deliberately faulty samples (``noisy/``: spoofing, time errors)."""
    out = [p for f in flights if not f.name.startswith(NOT_FOR_SIMULATION)
           for p in _pieces(f, frozen_s, 30)]
    return tuple(f for f in out if _median_speed_mps(f) > min_speed_mps)


def simulate_aircraft(n: int, *, start_s: float, duration_s: float, lat_deg: float,
                      lon_deg: float, radius_m: float, rng: np.random.Generator,
                      step_s: float = 5.0, length_range_s: tuple[float, float] = (300.0, 3600.0),
                      flights: tuple[SampleFlight, ...] | None = None,
                      slow_fraction: float = 0.3) -> Trajectories:
    """``n`` aircraft from real sample flights, moved into the region (synthetic if none).

    ``slow_fraction`` of them come from the slow flights (median ground speed under 60 m/s:
    gliders, helicopters, survey and relay aircraft circling), the hardest to tell from a
    balloon; the rest from all others.
    """
    flights = airborne(sample_flights() if flights is None else flights)
    if not flights:
        return synthetic_aircraft(n, start_s=start_s, duration_s=duration_s, lat_deg=lat_deg,
                                  lon_deg=lon_deg, radius_m=radius_m, rng=rng, step_s=step_s)
    slow = np.array([_median_speed_mps(f) < SLOW_MPS for f in flights])
    weights = np.where(slow, slow_fraction / max(slow.sum(), 1),
                       (1.0 - slow_fraction) / max((~slow).sum(), 1))
    picks = rng.choice(len(flights), size=n, p=weights / weights.sum())
    starts, lats, lons, alts = [], [], [], []
    for k in picks.tolist():
        length = float(rng.uniform(*length_range_s))
        s, la, lo, al = _moved(flights[k], rng, start_s, duration_s, lat_deg, lon_deg,
                               radius_m, step_s, length)
        starts.append(s)
        lats.append(la)
        lons.append(lo)
        alts.append(al)
    return Trajectories.from_regular(np.array(starts), step_s, lats, lons, alts)


def synthetic_aircraft(n: int, *, start_s: float, duration_s: float, lat_deg: float,
                       lon_deg: float, radius_m: float, rng: np.random.Generator,
                       step_s: float = 5.0) -> Trajectories:
    """The fallback model: ``n`` aircraft on straight legs joined by standard-rate turns.

    Speed 60-250 m/s (light aircraft to airliners), altitude 500-12,500 m with climbs and
    descents up to 10 m/s, legs of 2-10 min, turns at 3 degrees per second.
    """
    starts, lats, lons, alts = [], [], [], []
    for _ in range(n):
        length = float(rng.uniform(300.0, 1800.0))
        k = max(2, int(length / step_s))
        speed = rng.uniform(60.0, 250.0)
        heading = np.full(k, rng.uniform(0.0, 2.0 * np.pi))
        t = np.arange(k) * step_s
        for t_turn in np.cumsum(rng.uniform(120.0, 600.0, 8)):
            turn = np.radians(rng.uniform(-120.0, 120.0))
            dur = abs(np.degrees(turn)) / 3.0
            heading += turn * np.clip((t - t_turn) / dur, 0.0, 1.0)
        e = np.cumsum(speed * np.sin(heading)) * step_s
        nn = np.cumsum(speed * np.cos(heading)) * step_s
        vz = rng.choice([0.0, 0.0, rng.uniform(-10.0, 10.0)])
        alt = np.clip(rng.uniform(500.0, 12500.0) + vz * t, 100.0, 13000.0)
        de, dn = rng.normal(0.0, radius_m, 2)
        la, lo = from_local_m(e + de, nn + dn, lat_deg, lon_deg)
        starts.append(start_s + rng.uniform(-0.5 * length, duration_s - 0.5 * length))
        lats.append(la)
        lons.append(lo)
        alts.append(alt)
    return Trajectories.from_regular(np.array(starts), step_s, lats, lons, alts)
