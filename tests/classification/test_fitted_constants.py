"""The fitted constants in _fitted.py are what the fitting script produces."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratowatch.tracking.classification import fit


@pytest.mark.slow
def test_refitting_reproduces_the_stored_constants() -> None:
    xw, xn, ow, on, y = fit.training_set()
    text = fit.render(fit.fit_logistic(xw, y, ow), fit.fit_logistic(xn, y, on))
    stored = Path(fit.__file__).with_name("_fitted.py").read_text()
    assert text == stored
