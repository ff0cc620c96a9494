"""The multi-target tracker: frames of reports in, tracks out.

Reports are taken in time order and cut into frames (reports within ``frame_s`` of the frame's
first). Per frame, for all live tracks at once: wind at each track (for the drift mode), a
coarse k-d tree gate, the IMM pair scores, the fine (Mahalanobis) gate, association (GNN in two
stages, confirmed tracks before tentative ones, or JPDA for confirmed tracks), the updates,
initiation from unclaimed reports, M-of-N confirmation, long-gap joins of new tracks onto silent
balloon tracks, classification and model-dependent deletion. Tracks are predicted lazily (only
when a report is scored against them), so silent tracks cost nothing. A report older than a
track's state (out of sequence, e.g. a late batch from a partner) is scored by retrodiction and
applied through the cross-covariance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from stratowatch.errors import ConfigError
from stratowatch.geo.sphere import EARTH_RADIUS_M, great_circle_m
from stratowatch.sensing.adsb import LIGHTER_THAN_AIR
from stratowatch.sensing.observation import Observations, concat
from stratowatch.tracking import imm
from stratowatch.tracking.association import JPDA, GNNWith2DAssignment, gnn_two_stage
from stratowatch.tracking.classifier import ModeClassifier, StateFeatures, TrackClassifier
from stratowatch.tracking.deletion import ModelDeleter
from stratowatch.tracking.gating import KDTreeGater, chi2_gate
from stratowatch.tracking.initiation import MofNInitiator
from stratowatch.tracking.live import (
    EX_MAX,
    LiveTracks,
    after_assignment,
    claim_rules,
    pair_costs,
    rows_to_log,
    sensor_bit,
    settle_and_expire,
    start_tracks,
)
from stratowatch.tracking.longgap import DriftJoiner, Endpoint
from stratowatch.tracking.models import ConstantVelocity, MotionModel, WindDrift, model_table
from stratowatch.tracking.types import CLASSES, Join, Track, TrackTable, track_stix_id
from stratowatch.winds.base import WindField

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
LOG_ALT_RANGE = math.log(30000.0)  # m: spread of clutter altitudes
LOG_VEL_RANGE = math.log(300.0)  # m/s: spread of clutter velocities, per axis
MIN_REPORTS_TO_CLASSIFY = 3
"""Reports a track needs before the report classifier is asked about it."""


def _one_track_per_report(obs_of: IntArray, beta: FloatArray) -> None:
    """Where several JPDA tracks name one report as theirs (``obs_of``, by their largest
    association probability ``beta``), only the most probable keeps it. Exact JPDA cannot give
    one report 0.5 or more for two tracks, but the cheap approximation it falls back to for
    large clusters can, and a report must not be attributed twice."""
    has = np.flatnonzero(obs_of >= 0)
    if has.size < 2:
        return
    j = obs_of[has]
    order = np.lexsort((-beta[has], j))  # by report, then the most probable track first
    later = np.r_[False, j[order][1:] == j[order][:-1]]
    obs_of[has[order[later]]] = -1


@dataclass
class _Batch:
    """One added batch of reports as kernel-ready arrays (sorted by time)."""

    obs: Observations
    offset: int
    t: FloatArray
    lat: FloatArray
    lon: FloatArray
    z: FloatArray
    r: FloatArray
    mask: BoolArray
    log_lambda: FloatArray
    lta: BoolArray
    xpdr: BoolArray
    rcs: FloatArray
    sensor: IntArray
    sensor_bit: IntArray
    one_sensor: bool


@dataclass
class _Log:
    """State snapshots (``imm.LOG_COLUMNS`` rows) and report attributions, per frame."""

    states: list[FloatArray] = field(default_factory=list)
    obs_number: list[IntArray] = field(default_factory=list)
    obs_index: list[IntArray] = field(default_factory=list)


class Tracker:
    """Multi-target, multi-sensor tracker over ``Observations`` (see the module docstring).

    ``models`` are the IMM modes (the first should be the nearly-constant-velocity model for the
    wind-consistency evidence); ``winds`` feed the drift mode and the long-gap joiner (without
    them the drift mode sees still air and no joins are made). ``clutter_density_per_km2`` is the
    density of false reports per frame (per km^2), ``p_detect`` the detection probability.
    With ``log_coasting`` a confirmed track that a frame's reports surround but did not update
    gets a predicted state row too (as Stone Soup's trackers append predictions), which metrics
    such as GOSPA expect.

    With ``birth_density_per_km2`` (new objects per frame per km^2) a tentative track carries
    the odds that it is an object at all (births against false reports, then updated by its
    hits and misses: integrated track existence), and its pairs in the assignment carry them:
    a track started by one false report, whose prior is broad, then does not take an
    established track's report. Without it every track is taken to be real.

    Class probabilities: while a track is young, and whenever the report classifier
    (``stratowatch.tracking.classification``) is absent or ``classify_reports`` is False, they
    come from ``classifier`` (by default ``ModeClassifier``, on the IMM drift-mode probability);
    from ``MIN_REPORTS_TO_CLASSIFY`` reports on, the calibrated report classifier decides, run on
    the reports the track holds at doubling counts so that the probabilities grow with it.
    """

    def __init__(self, *, models: Sequence[MotionModel] = (ConstantVelocity(), WindDrift()),
                 winds: WindField | None = None,
                 associator: GNNWith2DAssignment | JPDA | None = None,
                 gater: KDTreeGater | None = None, initiator: MofNInitiator | None = None,
                 deleter: ModelDeleter | None = None, joiner: DriftJoiner | None = None,
                 classifier: TrackClassifier | None = None, p_detect: float = 0.9,
                 clutter_density_per_km2: float = 1e-3, gate_prob: float = 0.9999,
                 frame_s: float = 1.0, long_gap_s: float = 1800.0,
                 default_sigma_h_m: float = 300.0, default_sigma_v_m: float = 300.0,
                 sigma_velocity_mps: float = 5.0, coverage_pad_m: float = 20000.0,
                 log_coasting: bool = False, classify_reports: bool = True,
                 birth_density_per_km2: float | None = None, run_key: str = "") -> None:
        if not 0.0 < p_detect < 1.0 or clutter_density_per_km2 <= 0 or frame_s < 0:
            raise ConfigError("p_detect in (0, 1), clutter density > 0 and frame_s >= 0")
        if birth_density_per_km2 is not None and not birth_density_per_km2 > 0:
            raise ConfigError("birth_density_per_km2 must be > 0 (or None: every track real)")
        self.models = tuple(models)
        self.model_rows = model_table(self.models)
        self.coast_by_mode = np.array([m.coast_s for m in self.models])
        drift = [m for m in self.models if isinstance(m, WindDrift)]
        self.evidence = np.array([drift[0].sigma_air_mps if drift else 1.0,
                                  drift[0].evidence_time_s if drift else 1.0,
                                  1.0 if drift and winds is not None else 0.0])
        self.drift_mode = next((k for k, m in enumerate(self.models)
                                if isinstance(m, WindDrift)), -1)
        self.winds = winds
        self.associator = associator or GNNWith2DAssignment()
        self._gnn = GNNWith2DAssignment()
        self.gater = gater or KDTreeGater()
        self.initiator = initiator or MofNInitiator()
        self._init_params = self.initiator.params()
        self._mode_prior = self.initiator.prior_row(len(self.models))
        self.deleter = deleter or ModelDeleter()
        self.joiner = joiner if joiner is not None else (
            DriftJoiner(winds, min_gap_s=long_gap_s) if winds is not None and drift else None)
        self.classifier: TrackClassifier = classifier or ModeClassifier()
        self.p_detect = p_detect
        self.log_clutter = math.log(clutter_density_per_km2 / 1e6)
        self._ex0 = (EX_MAX if birth_density_per_km2 is None
                     else math.log(birth_density_per_km2 / clutter_density_per_km2))
        self.gate_d2 = np.array([np.inf] + [chi2_gate(gate_prob, m) for m in range(1, 7)])
        self._gate_sigmas = math.sqrt(chi2_gate(gate_prob, 2))
        self.frame_s = frame_s
        self.long_gap_s = long_gap_s
        self.default_sigma_h_m = default_sigma_h_m
        self.default_sigma_v_m = default_sigma_v_m
        self.sigma_velocity_mps = sigma_velocity_mps
        self.coverage_pad_m = coverage_pad_m
        self.run_key = run_key
        self.log_coasting = log_coasting
        self.classify_reports = classify_reports
        self._live = LiveTracks(len(self.models))
        self._batches: list[_Batch] = []
        self._n_reports = 0
        self._next_number = 0
        self._log = _Log()
        self._alias: dict[int, int] = {}
        self._joins: dict[int, list[Join]] = {}
        self._ever_confirmed: set[int] = set()
        self._sensors: dict[str, int] = {}
        self._no_rows = np.empty(0, dtype=np.int64)
        self._pad_deg = math.degrees(coverage_pad_m / EARTH_RADIUS_M)
        self._zero_wind = np.zeros((64, 2))
        self._zero_ok = np.zeros(64, dtype=np.bool_)
        self.now_s = -np.inf
        self.stats = {"frames": 0, "reports": 0, "pairs": 0, "joins": 0, "oos": 0}

    # ------------------------------------------------------------------ public
    def run(self, observations: Observations) -> list[Track]:
        """Track a whole batch and return the confirmed tracks."""
        self.add(observations)
        return self.tracks()

    def add(self, observations: Observations) -> None:
        """Process a batch of reports (in any order; reports older than the tracks they meet
        are handled as out-of-sequence measurements)."""
        if len(observations) == 0:
            return
        batch = self._prepare(observations.sorted_by_time())
        self._batches.append(batch)
        t = batch.t
        i = 0
        n = t.shape[0]
        while i < n:
            # a frame: reports less than frame_s after its first (all at one time if 0)
            j = int(np.searchsorted(t, t[i] + self.frame_s,
                                    side="left" if self.frame_s > 0 else "right"))
            self._frame(batch, i, max(j, i + 1))
            i = max(j, i + 1)

    @property
    def n_live(self) -> int:
        """Live (not deleted) tracks, tentative ones included."""
        return self._live.n

    def tracks(self, include_tentative: bool = False) -> list[Track]:
        """All tracks so far (deleted ones too), each with its states, reports and joins."""
        log = self._log
        if not log.states:
            return []
        snap = np.concatenate(log.states)
        number = self._resolve(snap[:, 0].astype(np.int64))
        t = snap[:, 1]
        probs = self._classify(snap)
        o_num = self._resolve(np.concatenate(log.obs_number)) if log.obs_number else \
            np.empty(0, dtype=np.int64)
        o_idx = np.concatenate(log.obs_index) if log.obs_index else np.empty(0, dtype=np.int64)
        all_obs = (self._batches[0].obs if len(self._batches) == 1
                   else concat(b.obs for b in self._batches))
        order = np.lexsort((t, number))
        o_order = np.lexsort((o_idx, o_num))
        L = self._live
        confirmed = {self._resolve_one(k) for k in self._ever_confirmed}
        confirmed.update(self._resolve_one(k) for k in L.number[:L.n][L.confirmed[:L.n]].tolist())
        out: list[Track] = []
        rows_of: list[IntArray] = []
        nums, starts = np.unique(number[order], return_index=True)
        ends = np.r_[starts[1:], order.size]
        onums, ostarts = np.unique(o_num[o_order], return_index=True)
        oends = np.r_[ostarts[1:], o_order.size]
        opos = {int(k): (int(s), int(e)) for k, s, e in zip(onums, ostarts, oends, strict=True)}
        for k, s, e in zip(nums.tolist(), starts.tolist(), ends.tolist(), strict=True):
            is_conf = k in confirmed
            if not is_conf and not include_tentative:
                continue
            sel = order[s:e]
            os_, oe = opos.get(k, (0, 0))
            obs_rows = o_idx[o_order[os_:oe]]
            final = probs[sel[-1]]
            out.append(Track(
                number=k, track_id=track_stix_id(k, self.run_key), times_s=t[sel],
                lat_deg=snap[sel, 2], lon_deg=snap[sel, 3], alt_m=snap[sel, 4],
                velocity_mps=snap[sel, 5:8], sigma_h_m=snap[sel, 8], p_balloon=probs[sel, 0],
                p_drift=snap[sel, 9],
                class_probs={c: float(final[q]) for q, c in enumerate(CLASSES)},
                observations=all_obs.take(obs_rows), joins=list(self._joins.get(k, [])),
                confirmed=is_conf))
            rows_of.append(obs_rows)
        if self.classify_reports and out:
            self._classify_by_reports(out, rows_of, all_obs, snap[order], number[order])
        return out

    def _classify_by_reports(self, tracks: list[Track], rows_of: list[IntArray],
                             all_obs: Observations, snap: FloatArray, number: IntArray) -> None:
        """Class probabilities from the report classifier, on each track's reports (rows
        ``rows_of`` of ``all_obs``) at doubling counts (3, 6, 12, ... and all); each state takes
        the latest count it had reached."""
        try:
            from stratowatch.tracking.classification import LABELS, classify
        except ImportError:  # pragma: no cover - the classification package ships with us
            return
        pieces: list[IntArray] = []
        refs: list[str] = []
        sizes: list[int] = []
        counts_of: list[list[int]] = []
        t_all = all_obs.time
        for tk, rows in zip(tracks, rows_of, strict=True):
            n = rows.size
            counts: list[int] = []
            if n >= MIN_REPORTS_TO_CLASSIFY:
                rows = rows[np.argsort(t_all[rows], kind="stable")]
                k = MIN_REPORTS_TO_CLASSIFY
                while k < n:
                    counts.append(k)
                    k *= 2
                counts.append(n)
                for k in counts:
                    pieces.append(rows[:k])
                    refs.append(f"{tk.number}#{k}")
                    sizes.append(k)
            counts_of.append(counts)
        if not pieces:
            return
        batch = all_obs.take(np.concatenate(pieces))
        batch.ref = np.repeat(np.array(refs, dtype=object), sizes)
        result = classify(batch, self.winds, explain=False)
        cols = [LABELS.index(c) for c in CLASSES]
        by_ref = {str(r): result.probabilities[i, cols] for i, r in enumerate(result.ref)}
        starts = np.searchsorted(number, [tk.number for tk in tracks], side="left")
        for tk, s0, ks in zip(tracks, starts.tolist(), counts_of, strict=True):
            if not ks:
                continue
            n_obs = snap[s0:s0 + len(tk.times_s), 10]
            for k in ks:
                probs = by_ref.get(f"{tk.number}#{k}")
                if probs is None:
                    continue
                tk.p_balloon[n_obs >= k] = probs[0]
            final = by_ref.get(f"{tk.number}#{ks[-1]}")
            if final is not None:
                tk.class_probs = {c: float(final[q]) for q, c in enumerate(CLASSES)}

    def table(self, tracks: list[Track] | None = None) -> TrackTable:
        """The output table (one row per state) of the given or all confirmed tracks."""
        tracks = self.tracks() if tracks is None else tracks
        return tracks_table(tracks)

    # ------------------------------------------------------------------ batches
    def _prepare(self, obs: Observations) -> _Batch:
        n = len(obs)
        z = np.zeros((n, 6))
        z[:, 2] = obs.alt_m
        z[:, 3] = obs.vx_mps
        z[:, 4] = obs.vy_mps
        z[:, 5] = obs.vz_mps
        mask = np.isfinite(z)
        mask[:, :2] = True
        z = np.where(mask, z, 0.0)
        sh = np.where(np.isfinite(obs.sigma_h_m) & (obs.sigma_h_m > 0), obs.sigma_h_m,
                      self.default_sigma_h_m)
        sv = np.where(np.isfinite(obs.sigma_v_m) & (obs.sigma_v_m > 0), obs.sigma_v_m,
                      self.default_sigma_v_m)
        r = np.empty((n, 6))
        r[:, 0] = r[:, 1] = sh * sh
        r[:, 2] = sv * sv
        r[:, 3:] = self.sigma_velocity_mps ** 2
        log_lambda = (self.log_clutter - mask[:, 2] * LOG_ALT_RANGE
                      - mask[:, 3:].sum(axis=1) * LOG_VEL_RANGE)
        sensor = self._sensor_codes(obs)
        cat = obs.category.astype(str)
        lta = (np.char.find(np.char.lower(cat), LIGHTER_THAN_AIR.lower()) >= 0) \
            | (obs.kind == "telemetry")
        batch = _Batch(obs=obs, offset=self._n_reports, t=obs.time, lat=obs.lat, lon=obs.lon,
                       z=np.ascontiguousarray(z), r=r, mask=np.ascontiguousarray(mask),
                       log_lambda=log_lambda, lta=np.asarray(lta, dtype=np.bool_),
                       xpdr=np.asarray(obs.kind == "adsb", dtype=np.bool_),
                       rcs=np.ascontiguousarray(obs.rcs_dbsm, dtype=np.float64),
                       sensor=sensor, sensor_bit=sensor_bit(sensor),
                       one_sensor=bool(np.all(sensor == sensor[0])))
        self._n_reports += n
        return batch

    def _sensor_codes(self, obs: Observations) -> IntArray:
        """A code per report naming its sensor (source and sensor id), the same in every
        batch: for the claim rules and the per-sensor M-of-N chances."""
        key = np.char.add(np.char.add(obs.source.astype(str), "\x1f"),
                          obs.sensor_id.astype(str))
        names, inverse = np.unique(key, return_inverse=True)
        codes = np.array([self._sensors.setdefault(str(k), len(self._sensors)) for k in names],
                         dtype=np.int64)
        return codes[inverse.ravel()]

    # ------------------------------------------------------------------ winds
    def _wind(self, t: FloatArray, lat: FloatArray, lon: FloatArray, alt: FloatArray
              ) -> tuple[FloatArray, BoolArray]:
        """Wind (n, 2) m/s where covered, zero and ok=False elsewhere."""
        n = t.shape[0]
        if self.winds is None or self.drift_mode < 0 or n == 0:
            return np.zeros((n, 2)), np.zeros(n, dtype=np.bool_)
        u, v, ok = self.winds.sample_covered(t, lat, lon, alt)
        return np.column_stack([u, v]), ok

    # ------------------------------------------------------------------ one frame
    def _frame(self, b: _Batch, a: int, e: int) -> None:
        L = self._live
        mt = b.t[a:e]
        mlat, mlon = b.lat[a:e], b.lon[a:e]
        z, r, mask = b.z[a:e], b.r[a:e], b.mask[a:e]
        loglam = b.log_lambda[a:e]
        nm = e - a
        t_frame = float(np.add.reduce(mt)) / nm if nm > 1 else float(mt[0])
        now = float(mt.max()) if nm > 1 else t_frame
        self.stats["frames"] += 1
        self.stats["reports"] += nm
        jpda = isinstance(self.associator, JPDA)
        if jpda:
            mt = np.full(nm, t_frame)

        n = L.n
        K = L.K
        # where every recent track will be, winds there (drift mode), the coarse gate
        elig = np.flatnonzero(t_frame - L.t[:n] <= self.long_gap_s)
        w0 = w1 = self._still_air(n)
        wok = self._no_wind(n)
        if elig.size:
            plat, plon, palt, radius = imm.gate_centres(
                elig, t_frame, L.xs, L.Ps, L.mu, L.t, L.rlat, L.rlon, self.model_rows,
                float(r[:, 0].max()), self._gate_sigmas)
            if self.drift_mode >= 0 and self.winds is not None:
                w0 = np.zeros((n, 2))
                w1 = np.zeros((n, 2))
                wok = np.zeros(n, dtype=np.bool_)
                w0e, ok0 = self._wind(L.t[elig], L.rlat[elig], L.rlon[elig], palt)
                w1e, ok1 = self._wind(np.full(elig.size, t_frame), plat, plon, palt)
                w0[elig], w1[elig], wok[elig] = w0e, w1e, ok0 & ok1
            gi, pj = self.gater.candidates(plat, plon, radius, mlat, mlon)
            pi = elig[gi]
        else:
            pi = pj = np.empty(0, dtype=np.int64)
        npairs = pi.shape[0]
        self.stats["pairs"] += npairs
        x_pr = np.empty((npairs, K, 6))
        P_pr = np.empty((npairs, K, 6, 6))
        cbar = np.empty((npairs, K))
        ll = np.empty((npairs, K))
        ll_mix = np.empty(npairs)
        if npairs:
            kept = imm.pair_scores(pi, pj, L.xs, L.Ps, L.mu, L.t, L.rlat, L.rlon, w0, w1,
                                   self.model_rows, mlat, mlon, z, r, mask, mt, self.gate_d2,
                                   x_pr, P_pr, cbar, ll, ll_mix)
            if kept < npairs:
                pi, pj, ll_mix = pi[:kept], pj[:kept], ll_mix[:kept]
        # a young track's doubt of existing weighs against its pairs
        cost = pair_costs(pi, pj, L.ex, loglam, ll_mix, self.p_detect)
        conf_pair = L.confirmed[pi]
        sensor = b.sensor[a:e]
        claimed = np.zeros(nm, dtype=np.bool_)  # reports that start no track (claim_rules)
        hit = np.zeros(n, dtype=np.bool_)
        obs_of = np.full(n, -1, dtype=np.int64)
        if jpda:
            sel = np.flatnonzero(conf_pair)
            beta_c, beta0 = self.associator.associate(
                pi[sel], pj[sel], np.exp(np.minimum(ll_mix[sel] - loglam[pj[sel]], 700.0)),
                n, nm)
            order = np.argsort(pi[sel], kind="stable")
            trk = pi[sel][order]
            utr, ustart = np.unique(trk, return_index=True)
            ptr = np.r_[ustart, trk.size].astype(np.int64)
            imm.pda_update(utr.astype(np.int64), ptr, sel[order].astype(np.int64),
                           beta_c[order], beta0[utr], pj, L.xs, L.Ps, L.mu, L.t, L.rlat,
                           L.rlon, w1, wok, self.model_rows, self.evidence, mlat, mlon, z, r, mask,
                           t_frame, x_pr, P_pr, cbar, ll, loglam, self.p_detect)
            hit[utr] = True
            best = np.full(n, -1.0)
            up = np.argsort(beta_c, kind="stable")  # ascending: the last (largest) write wins
            best[pi[sel[up]]] = beta_c[up]
            obs_of[pi[sel[up]]] = pj[sel[up]]
            obs_of[best < 0.5] = -1
            _one_track_per_report(obs_of, best)
            claim_rules(pi, pj, conf_pair, obs_of, sensor, True, False, claimed)
            tent = np.flatnonzero(~conf_pair)
            free = tent[~claimed[pj[tent]]]
            chosen = free[self._gnn.associate(pi[free], pj[free], cost[free], n, nm)]
        else:
            gnn = self.associator if isinstance(self.associator, GNNWith2DAssignment) \
                else self._gnn
            if not gnn.confirmed_first:  # one joint assignment
                chosen = gnn.associate(pi, pj, cost, n, nm)
            elif type(gnn) is GNNWith2DAssignment:  # confirmed tracks choose first
                chosen = gnn_two_stage(pi, pj, cost, conf_pair, n, nm)
            else:  # a user's GNN variant: its associate(), in the same two stages
                first = np.flatnonzero(conf_pair)
                c1 = first[gnn.associate(pi[first], pj[first], cost[first], n, nm)]
                taken = np.zeros(nm, dtype=np.bool_)
                taken[pj[c1]] = True
                rest = np.flatnonzero(~conf_pair & ~taken[pj])
                c2 = rest[gnn.associate(pi[rest], pj[rest], cost[rest], n, nm)]
                chosen = np.concatenate([c1, c2])
        if chosen.size:
            ai = pi[chosen]
            self.stats["oos"] += int(np.count_nonzero(mt[pj[chosen]] < L.t[ai]))
            imm.gnn_update(ai, chosen.astype(np.int64), pj, L.xs, L.Ps, L.mu, L.t, L.rlat,
                           L.rlon, w0, w1, wok, self.model_rows, self.evidence, mlat, mlon, z, r,
                           mask, mt, x_pr, P_pr, cbar, ll)
        # hits, claims, and M-of-N chances and existence of the tentative tracks
        # and the cues of the reports taken; which report each track took goes to the log
        took = after_assignment(pi, pj, conf_pair, chosen.astype(np.int64), ll_mix, loglam,
                                sensor, b.sensor_bit[a:e], jpda, claimed, hit, obs_of, n,
                                L.confirmed, L.rlat, L.rlon, mlat, mlon, self._pad_deg, L.chances,
                                L.hits, self.p_detect, L.ex, L.sensors, a, b.lta, b.xpdr, b.rcs,
                                L.n_obs, L.lta, L.xpdr, L.rcs)
        if took.size:
            self._log.obs_number.append(L.number[took])
            self._log.obs_index.append(b.offset + a + obs_of[took])

        # initiation from unclaimed reports, then long-gap joins of the new tracks
        new_rows = self._initiate(b, a, self._one_per_object(b, a, np.flatnonzero(~claimed)))
        drop = np.zeros(L.n, dtype=np.bool_)
        if new_rows.size and self.joiner is not None:
            drop = self._join(new_rows, now)

        # log the updated and new tracks (and, if asked, the coasting ones)
        rows, to_t = rows_to_log(hit, new_rows, elig if self.log_coasting else self._no_rows,
                                 t_frame)
        if rows.size:
            self._log.states.append(imm.snapshot(
                rows, to_t, L.number, L.xs, L.Ps, L.mu, L.t, L.rlat, L.rlon, L.n_obs, L.lta,
                L.xpdr, L.rcs, self.drift_mode))

        # confirmation and failure (M of N), deletion
        self._settle_and_delete(now, drop)
        self.now_s = max(self.now_s, now)

    def _settle_and_delete(self, now: float, drop: BoolArray) -> None:
        """M-of-N confirmation, then deletion of failed, dropped and expired tracks."""
        L = self._live
        nn = L.n
        if type(self.initiator) is MofNInitiator and type(self.deleter) is ModelDeleter:
            newly_numbers, keep = settle_and_expire(
                self.initiator.m, self.initiator.n, now, self.coast_by_mode, drop, nn, L.number,
                L.mu, L.t, L.hits, L.chances, L.confirmed)
            if newly_numbers.size:
                self._ever_confirmed.update(newly_numbers.tolist())
        else:  # user-supplied rules: through their public methods
            newly, failed = self.initiator.settle(L.confirmed[:nn], L.hits[:nn], L.chances[:nn])
            if newly.any():
                L.confirmed[:nn] |= newly
                self._ever_confirmed.update(L.number[:nn][newly].tolist())
            keep = ~(self.deleter.expired(now, L.t[:nn], L.mu[:nn], self.coast_by_mode)
                     | failed | drop)
        if not keep.all():
            L.keep(keep)

    def _still_air(self, n: int) -> FloatArray:
        """A zero wind per track (n, 2), shared read-only while there are no winds."""
        if self._zero_wind.shape[0] < n:
            self._zero_wind = np.zeros((2 * n, 2))
            self._zero_ok = np.zeros(2 * n, dtype=np.bool_)
        return self._zero_wind[:n]

    def _no_wind(self, n: int) -> BoolArray:
        self._still_air(n)
        return self._zero_ok[:n]

    def _one_per_object(self, b: _Batch, a: int, free: IntArray) -> IntArray:
        """Of a frame's unclaimed reports, those that start tracks: where reports of different
        sensors lie within the gate of one another (an aircraft seen by a radar and by ADS-B in
        the same frame), only the most precise starts one, else the object would get a track
        per sensor; reports of one sensor are always different objects."""
        if free.size < 2 or b.one_sensor:
            return free
        j = a + free
        sens = b.sensor[j]
        var = b.r[j, 0]
        radius = np.full(free.size, self._gate_sigmas * math.sqrt(2.0 * float(var.max())))
        gi, gk = self.gater.candidates(b.lat[j], b.lon[j], radius, b.lat[j], b.lon[j])
        # the better report of each pair (smaller sigma, then earlier) may absorb the other
        better = (var[gi] < var[gk]) | ((var[gi] == var[gk]) & (gi < gk))
        sel = better & (sens[gi] != sens[gk])
        gi, gk = gi[sel], gk[sel]
        if not gi.size:
            return free
        dist = great_circle_m(b.lat[j[gi]], b.lon[j[gi]], b.lat[j[gk]], b.lon[j[gk]])
        near = dist * dist <= self.gate_d2[2] * (var[gi] + var[gk])
        gi, gk = gi[near], gk[near]
        absorbed = np.zeros(free.size, dtype=np.bool_)
        for p in np.lexsort((gk, var[gi])).tolist():  # the most precise keepers first
            if not absorbed[gi[p]]:
                absorbed[gk[p]] = True
        return free[~absorbed]

    def _initiate(self, b: _Batch, a: int, free: IntArray) -> IntArray:
        L = self._live
        if not free.size:
            return np.empty(0, dtype=np.int64)
        j = a + free
        if self.winds is not None and self.drift_mode >= 0:
            alt = np.where(b.mask[j, 2], b.z[j, 2], self.initiator.prior_alt_m)
            wind, _ok = self._wind(b.t[j], b.lat[j], b.lon[j], alt)
        else:
            wind = self._still_air(free.size)
        row0 = L.n
        L.reserve(free.size)
        number0 = self._next_number
        start_tracks(j, row0, number0, b.z, b.r, b.mask, wind, self.model_rows,
                     self._init_params, self._mode_prior, b.t, b.lat, b.lon, b.lta, b.xpdr,
                     b.rcs, self.initiator.m, L.number, L.xs, L.Ps, L.mu, L.t, L.rlat, L.rlon,
                     L.hits, L.chances, L.n_obs, L.lta, L.xpdr, L.rcs, L.confirmed, self._ex0,
                     L.ex, b.sensor_bit, L.sensors)
        L.n += free.size
        self._next_number += free.size
        numbers = np.arange(number0, number0 + free.size, dtype=np.int64)
        if self.initiator.m <= 1:
            self._ever_confirmed.update(numbers.tolist())
        self._log.obs_number.append(numbers)
        self._log.obs_index.append(b.offset + j)
        return np.arange(row0, row0 + free.size, dtype=np.int64)

    def _endpoints(self, rows: IntArray) -> list[Endpoint]:
        L = self._live
        x = np.empty((rows.size, 6))
        sig = np.empty(rows.size)
        imm.combine(rows, L.xs, L.Ps, L.mu, x, sig)
        return [Endpoint(number=int(L.number[q]), time_s=float(L.t[q]),
                         lat_deg=float(L.rlat[q]), lon_deg=float(L.rlon[q]),
                         alt_m=float(x[s, 2]), sigma_h_m=float(sig[s]),
                         sources=self._sources_of(int(L.number[q])))
                for s, q in enumerate(rows)]

    def _sources_of(self, number: int) -> tuple[str, ...]:
        """Sources of the reports a track took so far (for join records)."""
        log = self._log
        if not log.obs_number:
            return ()
        num = self._resolve(np.concatenate(log.obs_number))
        idx = np.concatenate(log.obs_index)[num == self._resolve_one(number)]
        out: set[str] = set()
        for bt in self._batches:
            local = idx[(idx >= bt.offset) & (idx < bt.offset + len(bt.obs))] - bt.offset
            out.update(bt.obs.source[local].tolist())
        return tuple(sorted(out - {""}))

    def _join(self, new_rows: IntArray, now: float) -> BoolArray:
        """Join new tracks onto silent balloon-like confirmed tracks (long-gap association)."""
        assert self.joiner is not None
        L = self._live
        n = L.n
        silent = np.flatnonzero(L.confirmed[:n] & (now - L.t[:n] >= self.joiner.min_gap_s))
        drop = np.zeros(n, dtype=np.bool_)
        if not silent.size:
            return drop
        old_rows = silent[self._live_probs(silent)[:, 0] >= 0.5]
        if not old_rows.size:
            return drop
        joins = self.joiner.join(self._endpoints(old_rows), self._endpoints(new_rows))
        row_of = {int(L.number[q]): int(q) for q in np.r_[old_rows, new_rows]}
        for jn in joins:
            ro, rn = row_of[jn.earlier], row_of[jn.later]
            self._alias[jn.later] = jn.earlier
            L.number[rn] = jn.earlier
            L.mu[rn] = L.mu[ro]
            L.hits[rn] += L.hits[ro]
            L.n_obs[rn] += L.n_obs[ro]
            L.lta[rn] |= L.lta[ro]
            L.xpdr[rn] |= L.xpdr[ro]
            L.confirmed[rn] = True
            L.ex[rn] = max(L.ex[rn], L.ex[ro])
            L.sensors[rn] |= L.sensors[ro]
            drop[ro] = True
            self._joins.setdefault(jn.earlier, []).append(jn)
            self.stats["joins"] += 1
        return drop

    def _classify(self, snap: FloatArray) -> FloatArray:
        """Class probabilities (n, len(CLASSES)) of snapshot rows, by the classifier."""
        n = snap.shape[0]
        if n == 0:
            return np.zeros((0, len(CLASSES)))
        alt = snap[:, 4]
        w, ok = self._wind(snap[:, 1], snap[:, 2], snap[:, 3], alt)
        air = np.where(ok, np.hypot(snap[:, 5] - w[:, 0], snap[:, 6] - w[:, 1]), np.nan)
        feats = StateFeatures(p_drift=snap[:, 9], alt_m=alt,
                              speed_mps=np.hypot(snap[:, 5], snap[:, 6]), vz_mps=snap[:, 7],
                              airspeed_mps=air, n_obs=snap[:, 10],
                              lighter_than_air=snap[:, 11] > 0.5, transponder=snap[:, 12] > 0.5,
                              rcs_dbsm=snap[:, 13])
        return np.asarray(self.classifier.classify(feats), dtype=np.float64)

    def _live_probs(self, rows: IntArray) -> FloatArray:
        """Current class probabilities of live track rows."""
        L = self._live
        snap = imm.snapshot(rows, np.full(rows.size, np.nan), L.number, L.xs, L.Ps, L.mu, L.t,
                            L.rlat, L.rlon, L.n_obs, L.lta, L.xpdr, L.rcs, self.drift_mode)
        return self._classify(snap)

    def _resolve_one(self, k: int) -> int:
        while k in self._alias:
            k = self._alias[k]
        return k

    def _resolve(self, numbers: IntArray) -> IntArray:
        if not self._alias:
            return numbers
        return np.array([self._resolve_one(int(k)) for k in numbers], dtype=np.int64)


def tracks_table(tracks: list[Track]) -> TrackTable:
    """One row per state of each track (``TABLE_COLUMNS``)."""
    if not tracks:
        cols: dict[str, object] = {c: np.empty(0) for c in (
            "time", "lat", "lon", "alt_m", "vx_mps", "vy_mps", "vz_mps", "sigma_h_m",
            "p_balloon", "n_obs")}
        for c in ("track_id", "label", "sources"):
            cols[c] = np.empty(0, dtype=object)
        return TrackTable(cols)
    lens = [len(tk) for tk in tracks]
    rep = np.repeat
    vel = np.concatenate([tk.velocity_mps for tk in tracks])
    cols = {
        "track_id": rep(np.array([tk.track_id for tk in tracks], dtype=object), lens),
        "time": np.concatenate([tk.times_s for tk in tracks]),
        "lat": np.concatenate([tk.lat_deg for tk in tracks]),
        "lon": np.concatenate([tk.lon_deg for tk in tracks]),
        "alt_m": np.concatenate([tk.alt_m for tk in tracks]),
        "vx_mps": vel[:, 0], "vy_mps": vel[:, 1], "vz_mps": vel[:, 2],
        "sigma_h_m": np.concatenate([tk.sigma_h_m for tk in tracks]),
        "p_balloon": np.concatenate([tk.p_balloon for tk in tracks]),
        "label": rep(np.array([tk.label for tk in tracks], dtype=object), lens),
        "n_obs": rep(np.array([tk.n_obs for tk in tracks]), lens),
        "sources": rep(np.array([";".join(tk.sources) for tk in tracks], dtype=object), lens),
    }
    return TrackTable(cols)


__all__ = ["Tracker", "tracks_table"]
