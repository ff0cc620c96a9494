"""stratowatch.tracking: wind-aware multi-target tracking across sensors, partners and days.

One component per role, as in Stone Soup, but every kernel works on arrays of many tracks:

- motion models (``models``): ``ConstantVelocity`` (aircraft) and ``WindDrift`` (velocity = the
  wind at the object + a slow random walk), combined as an IMM (``imm``) whose drift-mode
  probability is evidence for "moves with the wind";
- filters (``filters``): extended Kalman steps in each track's local tangent plane, including
  out-of-sequence reports;
- gating (``gating.KDTreeGater``), association (``GNNWith2DAssignment``, ``JPDA``), initiation
  (``MofNInitiator``), deletion (``ModelDeleter``), long-gap joins across partners
  (``longgap.DriftJoiner``);
- classification: ``classify`` (the calibrated report classifier of
  ``tracking.classification``, run by the tracker on each track's reports) and the per-state
  ``TrackClassifier`` protocol with its IMM-based stand-in ``ModeClassifier``;
- ``Tracker`` runs them over ``Observations`` and returns ``Track`` objects; ``tracks_table``
  and ``write_tracks`` give the ``stratowatch track`` output.
"""

from stratowatch.tracking.association import JPDA, GNNWith2DAssignment
from stratowatch.tracking.classification import (
    DECISION_PROBABILITY,
    Classification,
    TrackFeatures,
    classify,
    extract_features,
)
from stratowatch.tracking.classifier import ModeClassifier, StateFeatures, TrackClassifier
from stratowatch.tracking.deletion import ModelDeleter
from stratowatch.tracking.export import write_tracks
from stratowatch.tracking.gating import KDTreeGater
from stratowatch.tracking.initiation import MofNInitiator
from stratowatch.tracking.longgap import DriftJoiner, Endpoint
from stratowatch.tracking.models import ConstantVelocity, MotionModel, WindDrift
from stratowatch.tracking.tracker import Tracker, tracks_table
from stratowatch.tracking.types import CLASSES, TABLE_COLUMNS, Join, Track, TrackTable

__all__ = [
    "CLASSES",
    "DECISION_PROBABILITY",
    "JPDA",
    "TABLE_COLUMNS",
    "Classification",
    "ConstantVelocity",
    "DriftJoiner",
    "Endpoint",
    "GNNWith2DAssignment",
    "Join",
    "KDTreeGater",
    "ModeClassifier",
    "ModelDeleter",
    "MofNInitiator",
    "MotionModel",
    "StateFeatures",
    "Track",
    "TrackClassifier",
    "TrackFeatures",
    "TrackTable",
    "Tracker",
    "WindDrift",
    "classify",
    "extract_features",
    "tracks_table",
    "write_tracks",
]
