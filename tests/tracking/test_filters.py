"""Filter consistency: NEES of the nearly-constant-velocity EKF on a simulated NCV truth."""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2

from stratowatch.tracking import ConstantVelocity
from stratowatch.tracking.filters import predict, transition, update
from stratowatch.tracking.models import model_table


def test_ncv_filter_nees_is_consistent_with_chi2():
    # simulated: truth drawn from the same NCV model the filter uses (q = 2 m^2/s^3,
    # sigma 50 m per axis, a report every 5 s); 40 Monte Carlo runs of 60 steps
    q, sigma, dt, runs, steps = 2.0, 50.0, 5.0, 40, 60
    prm = model_table((ConstantVelocity(q_h_m2ps3=q, q_v_m2ps3=q),))[0]
    rng = np.random.default_rng(3)
    F = np.empty((6, 6))
    Q = np.empty((6, 6))
    u = np.empty(6)
    transition(dt, prm, 0.0, 0.0, 0.0, 0.0, F, Q, u)
    chol_q = np.linalg.cholesky(Q)
    r = np.full(6, sigma ** 2)
    mask = np.array([True, True, True, False, False, False])
    nees = np.zeros((runs, steps))
    for run in range(runs):
        truth = np.array([0.0, 0.0, 10000.0, 150.0, -80.0, 2.0])
        x = truth + np.r_[rng.normal(0, sigma, 3), rng.normal(0, 20.0, 3)]
        P = np.diag([sigma ** 2] * 3 + [20.0 ** 2] * 3)
        xp = np.empty(6)
        Pp = np.empty((6, 6))
        for k in range(steps):
            truth = F @ truth + chol_q @ rng.normal(size=6)
            z = np.zeros(6)
            z[:3] = truth[:3] + rng.normal(0, sigma, 3)
            predict(x, P, F, Q, u, xp, Pp)
            update(xp, Pp, z, r, mask, x, P)
            err = x - truth
            nees[run, k] = err @ np.linalg.solve(P, err)
    mean_nees = nees[:, 10:].mean(axis=0)  # after the start-up transient
    lo, hi = chi2.ppf([0.005, 0.995], 6 * runs) / runs
    inside = np.mean((mean_nees > lo) & (mean_nees < hi))
    assert inside >= 0.9, (mean_nees.min(), mean_nees.max(), lo, hi)
    assert abs(mean_nees.mean() - 6.0) < 0.6
