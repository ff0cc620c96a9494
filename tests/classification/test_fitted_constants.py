"""The fitted constants in _fitted.py are what the fitting script produces."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from stratowatch.tracking.classification import fit

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


@pytest.mark.slow
def test_refitting_reproduces_the_stored_constants() -> None:
    """Same text around the numbers, and the numbers equal to optimiser precision (the last
    digits of a fit may differ between BLAS builds and thread counts)."""
    xw, xn, ow, on, y = fit.training_set()
    text = fit.render(fit.fit_logistic(xw, y, ow), fit.fit_logistic(xn, y, on))
    stored = Path(fit.__file__).with_name("_fitted.py").read_text()
    def shape(source: str) -> str:
        return re.sub(r"\s+", "", _NUMBER.sub("#", source))

    assert shape(text) == shape(stored)
    fresh = np.array([float(v) for v in _NUMBER.findall(text)])
    kept = np.array([float(v) for v in _NUMBER.findall(stored)])
    np.testing.assert_allclose(fresh, kept, rtol=1e-5, atol=1e-7)
