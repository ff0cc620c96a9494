from __future__ import annotations

import numpy as np
import pytest

import stratowatch.sensing as sensing
from stratowatch.errors import ConfigError
from stratowatch.sensing import FIELDS, BadRow, Observations, concat


def test_public_api_is_exactly_the_exported_names() -> None:
    public = {n for n in dir(sensing) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(sensing, n)).__name__ == "module"}
    assert set(sensing.__all__) == public - modules


def test_fields_follow_the_interchange_header_of_the_design() -> None:
    assert FIELDS[:4] == ("time", "lat", "lon", "alt_m")
    assert "rcs_dbsm" in FIELDS and "ref" in FIELDS and len(FIELDS) == 17


def test_longitudes_are_normalised_to_minus_180_to_180() -> None:
    obs = Observations([0, 1, 2], [0, 0, 0], [180.0, 540.0, -190.0], [1, 2, 3])
    assert obs.lon.tolist() == [-180.0, -180.0, 170.0]


def test_optional_fields_default_to_nan_and_empty_text() -> None:
    obs = Observations([0.0], [1.0], [2.0], [3.0], kind="radar")
    assert np.isnan(obs.sigma_h_m[0]) and obs.icao24[0] == "" and obs.kind[0] == "radar"


@pytest.mark.parametrize("bad", [{"lat": [91.0]}, {"time": [np.nan]}, {"lon": [np.inf]},
                                 {"kind": "balloon"}])
def test_invalid_columns_are_config_errors(bad: dict[str, object]) -> None:
    cols: dict[str, object] = {"time": [0.0], "lat": [0.0], "lon": [0.0], "alt_m": [0.0]}
    cols.update(bad)
    with pytest.raises(ConfigError):
        Observations.from_columns(cols)


def test_selection_concat_and_sorting_keep_rows_and_skipped() -> None:
    bad = BadRow("f.csv", 3, "why")
    a = Observations([2.0, 1.0], [0, 1], [0, 1], [5, 6], ref=["x", "y"], skipped=[bad])
    b = Observations([0.5], [2], [2], [7], ref="z")
    both = concat([a, b])
    assert len(both) == 3 and both.skipped == (bad,)
    assert both.sorted_by_time().ref.tolist() == ["z", "y", "x"]
    assert both[both.alt_m > 5].ref.tolist() == ["y", "z"]
    assert len(concat([])) == 0
    assert str(bad) == "f.csv, line 3: why"


def test_take_equals_selection_and_copies() -> None:
    bad = BadRow("f.csv", 3, "why")
    obs = Observations([0.0, 1.0, 2.0], [0, 1, 2], [0, 1, 2], [5, 6, 7], ref=["a", "b", "c"],
                       sensor_id=["r1", "r2", "r1"], skipped=[bad])
    rows = np.array([2, 0])
    taken = obs.take(rows)
    assert taken.equals(obs[rows]) and taken.skipped == (bad,)
    taken.alt_m[0] = -1.0
    assert obs.alt_m[2] == 7.0


def test_a_missing_optional_dependency_names_the_install_command() -> None:
    from stratowatch.errors import MissingExtraError

    with pytest.raises(MissingExtraError, match=r"pip install 'stratowatch\[adsb\]'"):
        _missing_adsb()


def _missing_adsb() -> None:
    import sys

    from stratowatch.sensing import _extras

    saved = sys.modules.get("pyModeS")
    sys.modules["pyModeS"] = None  # type: ignore[assignment]  # makes the import fail
    try:
        _extras.require("pyModeS", "Decoding ADS-B")
    finally:
        if saved is not None:
            sys.modules["pyModeS"] = saved
        else:
            del sys.modules["pyModeS"]
