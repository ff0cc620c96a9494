"""Scores of a classification against simulated truth: recall, confusion, ROC, reliability.

Used by the tests and ``bench/detect.py``. A *confirmed* track has at least 5 reports over at
least 2 minutes, what a tracker would confirm; single plots and fleeting tracks are scored as
they come but left out of recall and false-balloon rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stratowatch.tracking.classification.features import TrackFeatures
from stratowatch.tracking.classification.model import LABELS

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MIN_REPORTS = 5
MIN_DURATION_S = 120.0


def confirmed(f: TrackFeatures, min_reports: int = MIN_REPORTS,
              min_duration_s: float = MIN_DURATION_S) -> BoolArray:
    """Tracks with at least ``min_reports`` reports over at least ``min_duration_s``."""
    out: BoolArray = (f.n_reports >= min_reports) & (f.duration_s >= min_duration_s)
    return out


def confusion(truth: npt.NDArray[np.object_], predicted: npt.NDArray[np.object_]
              ) -> npt.NDArray[np.int64]:
    """Counts (truth row, predicted column) over :data:`LABELS`."""
    index = {lab: i for i, lab in enumerate(LABELS)}
    out = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    np.add.at(out, ([index[t] for t in truth.tolist()], [index[p] for p in predicted.tolist()]),
              1)
    return out


def roc_auc(score: FloatArray, positive: BoolArray) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half)."""
    pos, neg = score[positive], score[~positive]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    ranks = _average_ranks(np.concatenate([pos, neg]))
    return float((ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2)
                 / (pos.size * neg.size))


def _average_ranks(x: FloatArray) -> FloatArray:
    order = np.argsort(x, kind="mergesort")
    sx = x[order]
    ranks = np.empty(x.size)
    ranks[order] = np.arange(1, x.size + 1, dtype=np.float64)
    _, first, counts = np.unique(sx, return_index=True, return_counts=True)
    for start, n in zip(first[counts > 1].tolist(), counts[counts > 1].tolist(), strict=True):
        ranks[order[start:start + n]] = start + (n + 1) / 2.0
    return ranks


def roc_points(score: FloatArray, positive: BoolArray, thresholds: tuple[float, ...]
               ) -> list[tuple[float, float, float]]:
    """(threshold, true-positive rate, false-positive rate) at each threshold (score >= t)."""
    out = []
    for t in thresholds:
        hit = score >= t
        out.append((t, float(hit[positive].mean()), float(hit[~positive].mean())))
    return out


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability table: predicted range, count, mean prediction, frequency."""

    low: float
    high: float
    n: int
    mean_p: float
    observed: float

    @property
    def gap(self) -> float:
        return self.observed - self.mean_p


def reliability(p: FloatArray, outcome: BoolArray, bins: int = 10,
                equal_count: bool = False) -> list[ReliabilityBin]:
    """Reliability table: fixed-width probability deciles, or deciles of the predictions."""
    if equal_count:
        order = np.argsort(p, kind="stable")
        groups = np.array_split(order, bins)
    else:
        which = np.minimum((p * bins).astype(np.int64), bins - 1)
        groups = [np.flatnonzero(which == b) for b in range(bins)]
    out = []
    for b, idx in enumerate(groups):
        if idx.size == 0:
            continue
        low = float(p[idx].min()) if equal_count else b / bins
        high = float(p[idx].max()) if equal_count else (b + 1) / bins
        out.append(ReliabilityBin(low, high, int(idx.size), float(p[idx].mean()),
                                  float(outcome[idx].mean())))
    return out
