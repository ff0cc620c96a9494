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
    """Same text around the numbers, and the numbers equal to what the optimiser reaches: it
    stops at a tolerance, so its path (and the last digits, up to about 0.02 in a coefficient)
    depends on summation order in the BLAS build and thread count of the machine."""
    xw, xn, ow, on, y = fit.training_set()
    text = fit.render(fit.fit_logistic(xw, y, ow), fit.fit_logistic(xn, y, on))
    stored = Path(fit.__file__).with_name("_fitted.py").read_text()
    def shape(source: str) -> str:
        return re.sub(r"\s+", "", _NUMBER.sub("#", source))

    assert shape(text) == shape(stored)
    fresh = np.array([float(v) for v in _NUMBER.findall(text)])
    kept = np.array([float(v) for v in _NUMBER.findall(stored)])
    np.testing.assert_allclose(fresh, kept, rtol=0.01, atol=0.05)
