"""Fit the classifier on simulated scenarios and write the constants into ``_fitted.py``.

Run ``python -m stratowatch.tracking.classification.fit`` (a minute or two). Training data
are seeded simulated scenarios (:mod:`stratowatch.sensing.simulate`) on the analytic ZonalJet
and on a second, rotated jet so that the fit does not learn one wind pattern. Two models are
fitted: one with the wind features (a wind field given) and one without. The same seeds give
the same constants.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from stratowatch.sensing.simulate import Scenario, Simulation, simulate
from stratowatch.tracking.classification.features import TrackFeatures, extract_features
from stratowatch.tracking.classification.model import (
    LABELS,
    LogisticModel,
    design,
    physics_offset,
)
from stratowatch.winds import WindField, ZonalJet

FloatArray = npt.NDArray[np.float64]
TRAIN_SEEDS = (101, 102, 103, 104)
L2 = 1e-3


def training_scenario(seed: int, *, scale: float = 1.0) -> Scenario:
    """The mixed scenario used for fitting (and, with other seeds, for testing)."""
    def k(n: int) -> int:
        return max(1, int(n * scale))

    return Scenario(floating=k(600), ascending=k(900), aircraft=k(2400), birds=k(2500),
                    clutter=k(1200), seed=seed, duration_s=3600.0)


def training_winds(seed: int) -> WindField:
    """Jets that differ by seed (speed, latitude, height), the truth the balloons drift on."""
    rng = np.random.default_rng(seed)
    return ZonalJet(u0_mps=float(rng.uniform(15.0, 70.0)), lat0_deg=float(rng.uniform(38, 52)),
                    z_jet_m=float(rng.uniform(11000.0, 20000.0)),
                    amplitude_mps=float(rng.uniform(3.0, 15.0)))


def labels_of(sim: Simulation, feats: TrackFeatures) -> npt.NDArray[np.int64]:
    """Class index (into LABELS) of each track's truth."""
    lab = sim.truth.label_of(feats.ref)
    return np.array([LABELS.index(v) for v in lab.tolist()], dtype=np.int64)


def fit_logistic(x: FloatArray, y: npt.NDArray[np.int64], offset: FloatArray,
                 l2: float = L2) -> LogisticModel:
    """Multinomial logistic regression, L2-penalised (not the intercept), by L-BFGS."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    n, d = z.shape
    c = len(LABELS)
    onehot = np.eye(c)[y]
    zi = np.hstack([np.ones((n, 1)), z])

    def loss(w_flat: FloatArray) -> tuple[float, FloatArray]:
        w = w_flat.reshape(d + 1, c)
        logits = zi @ w + offset
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        nll = -np.sum(onehot * logp) / n
        grad = zi.T @ (np.exp(logp) - onehot) / n
        pen = 0.5 * l2 * np.sum(w[1:] ** 2)
        grad[1:] += l2 * w[1:]
        return float(nll + pen), grad.ravel()

    res = minimize(loss, np.zeros((d + 1) * c), jac=True, method="L-BFGS-B",
                   options={"maxiter": 3000})
    return LogisticModel(mean, scale, res.x.reshape(d + 1, c))


TrainingSet = tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.int64]]


def training_set(seeds: tuple[int, ...] = TRAIN_SEEDS, scale: float = 1.0) -> TrainingSet:
    """Design matrices and offsets with and without winds, and labels, over the scenarios."""
    xs_w, xs_n, os_w, os_n, ys = [], [], [], [], []
    for seed in seeds:
        winds = training_winds(seed)
        sim = simulate(training_scenario(seed, scale=scale), winds)
        fw = extract_features(sim.observations, winds)
        fn = extract_features(sim.observations, None)
        xs_w.append(design(fw)[0])
        xs_n.append(design(fn)[0])
        os_w.append(physics_offset(fw))
        os_n.append(physics_offset(fn))
        ys.append(labels_of(sim, fw))
    return (np.vstack(xs_w), np.vstack(xs_n), np.vstack(os_w), np.vstack(os_n),
            np.concatenate(ys))


def _array(a: FloatArray) -> str:
    """Exact text of a 1-D or 2-D array (repr of each float), in lines under 100 characters."""
    def row(values: FloatArray, indent: str, per_line: int = 3) -> str:
        items = [repr(float(v)) for v in values]
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + indent + " ").join(lines) + "]"

    if a.ndim == 1:
        return "np.array(" + row(a, "        ") + ")"
    rows = [row(r, "         ", 2) for r in a]
    return "np.array([\n        " + ",\n        ".join(rows) + "])"


def render(with_wind: LogisticModel, without_wind: LogisticModel) -> str:
    """The text of ``_fitted.py``."""
    lines = ['"""Fitted classifier constants, written by ``python -m '
             'stratowatch.tracking.classification.fit``.', "",
             f"Training: simulated scenarios, seeds {TRAIN_SEEDS}, L2 {L2}. Do not edit by hand.",
             '"""', "", "import numpy as np", "",
             "from stratowatch.tracking.classification.model import LogisticModel", ""]
    for name, m in (("WITH_WIND", with_wind), ("WITHOUT_WIND", without_wind)):
        lines += [f"{name} = LogisticModel(", f"    mean={_array(m.mean)},",
                  f"    scale={_array(m.scale)},", f"    weights={_array(m.weights)},", ")", ""]
    return "\n".join(lines)


def main() -> int:
    """Fit both models and write ``_fitted.py`` next to this module."""
    xw, xn, ow, on, y = training_set()
    text = render(fit_logistic(xw, y, ow), fit_logistic(xn, y, on))
    out = Path(__file__).with_name("_fitted.py")
    out.write_text(text)
    print(f"wrote {out} from {y.shape[0]} tracks "
          f"({', '.join(f'{lab} {int((y == i).sum())}' for i, lab in enumerate(LABELS))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
