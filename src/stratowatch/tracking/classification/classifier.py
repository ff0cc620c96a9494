"""Classify tracks: calibrated probabilities of balloon, aircraft, bird-or-clutter and unknown.

``classify(obs, winds)`` groups reports into tracks by ``ref``, computes their features and
applies the fitted model: the one with wind features when a wind field is given (speed against
the wind at the object's altitude is then the strongest evidence), otherwise the one that relies
on altitude, speed and vertical-rate priors. Probabilities are calibrated on simulated
scenarios (the class mix of those scenarios is the prior). "unknown" stands for reports too
few or too odd to say (a false alarm, a single plot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stratowatch.sensing.observation import Observations
from stratowatch.tracking.classification.features import TrackFeatures, extract_features
from stratowatch.tracking.classification.model import (
    LABELS,
    LogisticModel,
    design,
    physics_offset,
    physics_penalties,
)
from stratowatch.tracking.classification.reasons import contributions, reasons
from stratowatch.winds import WindField

FloatArray = npt.NDArray[np.float64]
DECISION_PROBABILITY = 0.5
"""A label is given when its class has at least this probability; otherwise "unknown"."""


@dataclass(frozen=True)
class Classification:
    """One row per track: ``probabilities`` columns follow :data:`LABELS`."""

    ref: npt.NDArray[np.object_]
    probabilities: FloatArray
    label: npt.NDArray[np.object_]
    reasons: list[tuple[str, ...]]
    features: TrackFeatures
    used_winds: bool

    def __len__(self) -> int:
        return int(self.ref.shape[0])

    def p(self, label: str) -> FloatArray:
        """Probabilities of one class (``balloon``, ``aircraft``, ``clutter``, ``unknown``)."""
        return self.probabilities[:, LABELS.index(label)]

    @property
    def p_balloon(self) -> FloatArray:
        return self.p("balloon")

    def records(self) -> list[dict[str, Any]]:
        """One dict per track with the fields of ``stratowatch classify``'s output."""
        return [{"ref": str(self.ref[i]),
                 **{f"p_{lab}": round(float(self.probabilities[i, j]), 4)
                    for j, lab in enumerate(LABELS)},
                 "label": str(self.label[i]), "reasons": list(self.reasons[i])}
                for i in range(len(self))]


def _models() -> tuple[LogisticModel, LogisticModel]:
    from stratowatch.tracking.classification._fitted import WITH_WIND, WITHOUT_WIND

    return WITH_WIND, WITHOUT_WIND


def classify(obs: Observations, winds: WindField | None = None, *,
             explain: bool = True) -> Classification:
    """Classify every track (reports sharing a ``ref``) in ``obs``; see the module docstring."""
    feats = extract_features(obs, winds)
    with_wind, without_wind = _models()
    model = with_wind if winds is not None else without_wind
    x, groups = design(feats)
    probs = (model.probabilities(x, physics_offset(feats)) if len(feats)
             else np.empty((0, len(LABELS))))
    best = probs.argmax(axis=1) if len(feats) else np.empty(0, dtype=np.int64)
    label = np.array([LABELS[b] if probs[i, b] >= DECISION_PROBABILITY else "unknown"
                      for i, b in enumerate(best.tolist())], dtype=object)
    why: list[tuple[str, ...]] = (
        reasons(feats, contributions(model, x, groups, probs, physics_penalties(feats)))
        if explain and len(feats)
        else [() for _ in range(len(feats))])
    return Classification(feats.ref, probs, label, why, feats, winds is not None)
