"""Extended Kalman filter steps in a track's local tangent plane, compiled (numba).

States are ``[east_m, north_m, alt_m, ve_mps, vn_mps, vu_mps]`` about the track's reference point;
a report becomes a measurement in that plane (``plane_offsets_m``), which linearises the sphere
at the track (the EKF step), and the reference moves to the estimate after each update. Reports
measure any subset of position and velocity (``mask``); missing altitude or velocity simply
drops the row from H. A report older than the track's state is an out-of-sequence measurement
(``oos_update``: one-step retrodiction with the cross-covariance, Bar-Shalom's A1 without the
process-noise correction).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from stratowatch.geo.sphere import EARTH_RADIUS_M
from stratowatch.tracking.models import DRIFT

FloatArray = npt.NDArray[np.float64]
LOG_2PI = math.log(2.0 * math.pi)


@njit(cache=True)
def plane_offsets_m(ref_lat: float, ref_lon: float, lat: float, lon: float
                    ) -> tuple[float, float]:
    """East and north (m) of a point from a reference (local equirectangular tangent plane)."""
    dlon = (lon - ref_lon + 180.0) % 360.0 - 180.0
    e = EARTH_RADIUS_M * math.cos(math.radians(ref_lat)) * math.radians(dlon)
    n = EARTH_RADIUS_M * math.radians(lat - ref_lat)
    return e, n


@njit(cache=True)
def plane_move(ref_lat: float, ref_lon: float, e_m: float, n_m: float) -> tuple[float, float]:
    """Latitude and longitude (degrees) of a point east/north (m) of a reference."""
    lat = ref_lat + math.degrees(n_m / EARTH_RADIUS_M)
    c = max(math.cos(math.radians(ref_lat)), 1e-6)
    lon = ref_lon + math.degrees(e_m / (EARTH_RADIUS_M * c))
    if lat > 90.0:
        lat = 180.0 - lat
        lon += 180.0
    elif lat < -90.0:
        lat = -180.0 - lat
        lon += 180.0
    return lat, (lon + 180.0) % 360.0 - 180.0


@njit(cache=True)
def transition(dt: float, prm: FloatArray, w0e: float, w0n: float, w1e: float, w1n: float,
               F: FloatArray, Q: FloatArray, u: FloatArray) -> None:
    """Fill F, Q and the control offset u (x' = F x + u) of one model over dt seconds."""
    adt = abs(dt)
    F[:, :] = 0.0
    Q[:, :] = 0.0
    u[:] = 0.0
    for a in range(6):
        F[a, a] = 1.0
    for a in range(3):
        F[a, a + 3] = dt
    q_h = prm[1]
    q_v = prm[2]
    if int(prm[0]) == DRIFT:
        rho_h = math.exp(-adt / prm[4])
        rho_v = math.exp(-adt / prm[6])
        F[3, 3] = rho_h
        F[4, 4] = rho_h
        F[5, 5] = rho_v
        q_h += 2.0 * prm[3] * prm[3] / prm[4]
        q_v += 2.0 * prm[5] * prm[5] / prm[6]
        u[0] = dt * 0.5 * (w1e - w0e)
        u[1] = dt * 0.5 * (w1n - w0n)
        u[3] = w1e - rho_h * w0e
        u[4] = w1n - rho_h * w0n
    d3 = adt * adt * adt / 3.0
    d2 = adt * adt / 2.0
    for a in range(3):
        q = q_h if a < 2 else q_v
        Q[a, a] = q * d3
        Q[a, a + 3] = q * d2
        Q[a + 3, a] = q * d2
        Q[a + 3, a + 3] = q * adt


@njit(cache=True)
def predict_into(x: FloatArray, P: FloatArray, F: FloatArray, Q: FloatArray, u: FloatArray,
                 x_out: FloatArray, P_out: FloatArray, FP: FloatArray) -> None:
    """``predict`` with caller-owned scratch ``FP`` (6, 6): no allocation in hot loops."""
    for a in range(6):
        s = u[a]
        for c in range(6):
            s += F[a, c] * x[c]
        x_out[a] = s
        for b in range(6):
            t = 0.0
            for c in range(6):
                t += F[a, c] * P[c, b]
            FP[a, b] = t
    for a in range(6):
        for b in range(a, 6):
            t = Q[a, b]
            for c in range(6):
                t += FP[a, c] * F[b, c]
            P_out[a, b] = t
            P_out[b, a] = t


@njit(cache=True)
def predict(x: FloatArray, P: FloatArray, F: FloatArray, Q: FloatArray, u: FloatArray,
            x_out: FloatArray, P_out: FloatArray) -> None:
    """x_out = F x + u, P_out = F P F' + Q (explicit loops: BLAS calls cost more than the
    arithmetic at 6 x 6)."""
    predict_into(x, P, F, Q, u, x_out, P_out, np.empty((6, 6)))


@njit(cache=True)
def _observed_into(mask: npt.NDArray[np.bool_], idx: npt.NDArray[np.int64]) -> int:
    """Observed rows of a report into ``idx`` (6,); returns how many."""
    m = 0
    for a in range(6):
        if mask[a]:
            idx[m] = a
            m += 1
    return m


@njit(cache=True)
def _innovation_factor(xp: FloatArray, Pp: FloatArray, z: FloatArray, r: FloatArray,
                       idx: npt.NDArray[np.int64], m: int, y: FloatArray,
                       L: FloatArray) -> None:
    """Innovation y and the lower Cholesky factor L of S = H P H' + R (first m rows used)."""
    for a in range(m):
        ia = idx[a]
        y[a] = z[ia] - xp[ia]
        for b in range(a + 1):
            s = Pp[ia, idx[b]]
            if a == b:
                s += r[ia]
            for c in range(b):
                s -= L[a, c] * L[b, c]
            if a == b:
                L[a, a] = math.sqrt(max(s, 1e-300))
            else:
                L[a, b] = s / L[b, b]


@njit(cache=True)
def innovation_into(xp: FloatArray, Pp: FloatArray, z: FloatArray, r: FloatArray,
                    mask: npt.NDArray[np.bool_], scratch: FloatArray,
                    idx: npt.NDArray[np.int64]) -> tuple[float, float]:
    """``innovation`` with caller-owned scratch (``scratch`` (8, 6), ``idx`` (6,))."""
    m = _observed_into(mask, idx)
    L = scratch[:6]
    y = scratch[6]
    w = scratch[7]
    _innovation_factor(xp, Pp, z, r, idx, m, y, L)
    logdet = 0.0
    d2 = 0.0
    for a in range(m):
        s = y[a]
        for b in range(a):
            s -= L[a, b] * w[b]
        w[a] = s / L[a, a]
        logdet += 2.0 * math.log(L[a, a])
        d2 += w[a] * w[a]
    return d2, -0.5 * (d2 + logdet + m * LOG_2PI)


@njit(cache=True)
def innovation(xp: FloatArray, Pp: FloatArray, z: FloatArray, r: FloatArray,
               mask: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Mahalanobis distance squared and log-likelihood of a measurement (observed rows only)."""
    return innovation_into(xp, Pp, z, r, mask, np.empty((8, 6)), np.empty(6, dtype=np.int64))


@njit(cache=True)
def update_into(xp: FloatArray, Pp: FloatArray, z: FloatArray, r: FloatArray,
                mask: npt.NDArray[np.bool_], x_out: FloatArray, P_out: FloatArray,
                scratch: FloatArray, idx: npt.NDArray[np.int64]) -> None:
    """``update`` with caller-owned scratch (``scratch`` (20, 6), ``idx`` (6,)); x_out and
    P_out may not alias xp and Pp."""
    m = _observed_into(mask, idx)
    L = scratch[:6]
    y = scratch[6]
    W = scratch[7:13]  # W = L^-1 H P (m x 6); then K = W' L^-1, P - K H P = P - W'W
    v = scratch[13]
    _innovation_factor(xp, Pp, z, r, idx, m, y, L)
    for a in range(m):  # forward solve L v = y
        s = y[a]
        for b in range(a):
            s -= L[a, b] * v[b]
        v[a] = s / L[a, a]
    for col in range(6):  # forward solve L W = H P, column by column
        for a in range(m):
            s = Pp[idx[a], col]
            for b in range(a):
                s -= L[a, b] * W[b, col]
            W[a, col] = s / L[a, a]
    for a in range(6):
        s = xp[a]
        for b in range(m):
            s += W[b, a] * v[b]
        x_out[a] = s
        for c in range(a, 6):
            t = Pp[a, c]
            for b in range(m):
                t -= W[b, a] * W[b, c]
            P_out[a, c] = t
            P_out[c, a] = t


@njit(cache=True)
def update(xp: FloatArray, Pp: FloatArray, z: FloatArray, r: FloatArray,
           mask: npt.NDArray[np.bool_], x_out: FloatArray, P_out: FloatArray) -> None:
    """Kalman update of the observed rows: K = P H' S^-1, P = P - K H P (symmetrised)."""
    update_into(xp, Pp, z, r, mask, x_out, P_out, np.empty((20, 6)),
                np.empty(6, dtype=np.int64))


@njit(cache=True)
def oos_update(x: FloatArray, P: FloatArray, F: FloatArray, x_tau: FloatArray,
               P_tau: FloatArray, z: FloatArray, r: FloatArray, mask: npt.NDArray[np.bool_],
               x_out: FloatArray, P_out: FloatArray) -> None:
    """Update the current state with a report from an earlier time (retrodicted by F, dt < 0)."""
    m = 0
    for a in range(6):
        if mask[a]:
            m += 1
    H = np.zeros((m, 6))
    R = np.zeros((m, m))
    y = np.empty(m)
    k = 0
    for a in range(6):
        if mask[a]:
            H[k, a] = 1.0
            R[k, k] = r[a]
            y[k] = z[a] - x_tau[a]
            k += 1
    S = H @ P_tau @ H.T + R
    C = P @ F.T  # cross-covariance of the current and the retrodicted state
    W = C @ H.T @ np.linalg.inv(S)
    x_out[:] = x + W @ y
    Pn = P - W @ S @ W.T
    P_out[:, :] = 0.5 * (Pn + Pn.T)


__all__ = ["innovation", "innovation_into", "oos_update", "plane_move", "plane_offsets_m",
           "predict", "predict_into", "transition", "update", "update_into"]
