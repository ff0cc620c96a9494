"""Shared scenarios for the classification tests: simulated once per session."""

from __future__ import annotations

import pytest

from stratowatch.sensing.simulate import Simulation, simulate
from stratowatch.tracking.classification.fit import training_scenario, training_winds
from stratowatch.winds import WindField

HELD_OUT_SEED = 201
"""Not a training seed (training uses 101-103)."""


@pytest.fixture(scope="session")
def held_out() -> tuple[Simulation, WindField]:
    """A full-size mixed scenario, not seen in training, and its (forecast) wind field."""
    winds = training_winds(HELD_OUT_SEED)
    return simulate(training_scenario(HELD_OUT_SEED), winds), winds
