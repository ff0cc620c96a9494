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
def predict(x: FloatArray, P: FloatArray, F: FloatArray, Q: FloatArray, u: FloatArray,
            x_out: FloatArray, P_out: FloatArray) -> None:
    """x_out = F x + u, P_out = F P F' + Q (explicit loops: BLAS calls cost more than the
    arithmetic at 6 x 6)."""
    FP = np.empty((6, 6))
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
def _observed(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    m = 0
    for a in range(6):
        if mask[a]:
            m += 1
    idx = np.empty(m, dtype=np.int64)
    k = 0
    for a in range(6):
        if mask[a]:
            idx[k] = a
            k += 1
    return idx


@njit(cache=True)
def _cholesky(S: FloatArray) -> FloatArray:
    """Lower Cholesky factor of a small symmetric positive definite matrix."""
    m = S.shape[0]
    L = np.zeros((m, m))
    for a in range(m):
        for b in range(a + 1):
            s = S[a, b]
            for c in range(b):
                s -= L[a, c] * L[b, c]
            if a == b:
                L[a, a] = math.sqrt(max(s, 1e-300))
            else:
                L[a, b] = s / L[b, b]
    return L


@njit(cache=True)
def _inverse_spd(S: FloatArray) -> FloatArray:
    """Inverse of a small symmetric positive definite matrix through its Cholesky factor."""
    m = S.shape[0]
    L = _cholesky(S)
    Li = np.zeros((m, m))
    for a in range(m):
        Li[a, a] = 1.0 / L[a, a]
        for b in range(a):
            s = 0.0
            for c in range(b, a):
                s -= L[a, c] * Li[c, b]
            Li[a, b] = s / L[a, a]
    out = np.empty((m, m))
    for a in range(m):
        for b in range(a, m):
            s = 0.0
            for c in range(b, m):
                s += Li[c, a] * Li[c, b]
            out[a, b] = s
            out[b, a] = s
    return out


@njit(cache=True)
def innovation(xp: FloatArray, Pp: FloatArray, z: FloatArray, r: FloatArray,
               mask: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Mahalanobis distance squared and log-likelihood of a measurement (observed rows only)."""
    idx = _observed(mask)
    m = idx.shape[0]
    S = np.empty((m, m))
    y = np.empty(m)
    for a in range(m):
        y[a] = z[idx[a]] - xp[idx[a]]
        for b in range(m):
            S[a, b] = Pp[idx[a], idx[b]]
        S[a, a] += r[idx[a]]
    L = _cholesky(S)
    w = np.empty(m)
    logdet = 0.0
    for a in range(m):
        s = y[a]
        for b in range(a):
            s -= L[a, b] * w[b]
        w[a] = s / L[a, a]
        logdet += 2.0 * math.log(L[a, a])
    d2 = 0.0
    for a in range(m):
        d2 += w[a] * w[a]
    return d2, -0.5 * (d2 + logdet + m * LOG_2PI)


@njit(cache=True)
def update(xp: FloatArray, Pp: FloatArray, z: FloatArray, r: FloatArray,
           mask: npt.NDArray[np.bool_], x_out: FloatArray, P_out: FloatArray) -> None:
    """Kalman update of the observed rows: K = P H' S^-1, P = P - K H P (symmetrised)."""
    idx = _observed(mask)
    m = idx.shape[0]
    S = np.empty((m, m))
    y = np.empty(m)
    for a in range(m):
        y[a] = z[idx[a]] - xp[idx[a]]
        for b in range(m):
            S[a, b] = Pp[idx[a], idx[b]]
        S[a, a] += r[idx[a]]
    Si = _inverse_spd(S)
    K = np.zeros((6, m))
    for a in range(6):
        for b in range(m):
            s = 0.0
            for c in range(m):
                s += Pp[a, idx[c]] * Si[c, b]
            K[a, b] = s
    for a in range(6):
        s = xp[a]
        for b in range(m):
            s += K[a, b] * y[b]
        x_out[a] = s
    for a in range(6):
        for b in range(a, 6):
            s = 0.0
            for c in range(m):
                s += K[a, c] * Pp[idx[c], b]
            v = Pp[a, b] - s
            P_out[a, b] = v
    for a in range(6):
        for b in range(a):
            P_out[a, b] = P_out[b, a]


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


__all__ = ["innovation", "oos_update", "plane_move", "plane_offsets_m", "predict", "transition",
           "update"]
