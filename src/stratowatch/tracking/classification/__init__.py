"""stratowatch.tracking.classification: is a track a free balloon, an aircraft or clutter?

:func:`classify` turns Observations (tracks grouped by ``ref``) into calibrated probabilities
of balloon, aircraft, bird-or-clutter and unknown, with the reasons that drove them. It uses a
wind field when given (a balloon moves with the wind at its altitude) and priors on altitude,
speed and vertical rate without one.
"""

from stratowatch.tracking.classification.classifier import (
    DECISION_PROBABILITY,
    Classification,
    classify,
)
from stratowatch.tracking.classification.features import TrackFeatures, extract_features
from stratowatch.tracking.classification.model import GROUPS, LABELS

__all__ = [
    "DECISION_PROBABILITY",
    "GROUPS",
    "LABELS",
    "Classification",
    "TrackFeatures",
    "classify",
    "extract_features",
]
