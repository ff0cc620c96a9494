"""Every reader, fed damaged and random input, returns observations or raises a documented error.

A normal run tries ``STRATOWATCH_FUZZ_EXAMPLES`` inputs per reader (default 300); set it to
100000 for the long campaign. Inputs are random text or bytes and mutations of real samples.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratowatch.errors import StratowatchError
from stratowatch.sensing import Observations
from stratowatch.sensing.adsb import parse_adsb_text
from stratowatch.sensing.aprs import parse_aprs_text
from stratowatch.sensing.csvio import parse_csv_text
from stratowatch.sensing.geojsonio import parse_geojson_text
from stratowatch.sensing.sites import parse_sites_text
from stratowatch.sensing.sondehub import parse_sondehub_text
from stratowatch.sensing.trafficfmt import parse_traffic_bytes

DATA = Path(__file__).resolve().parents[1] / "data"

EXAMPLES = int(os.environ.get("STRATOWATCH_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10), database=None,
                suppress_health_check=list(HealthCheck))
SCRATCH = Path(tempfile.mkdtemp(prefix="stratowatch-fuzz-"))


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """The seed with a few bytes replaced, inserted or deleted, and perhaps cut short."""
    edit = st.tuples(st.sampled_from("rid"), st.integers(0, max(len(seed) - 1, 0)),
                     st.binary(min_size=1, max_size=4))

    def apply(edits: list[tuple[str, int, bytes]], cut: int | None) -> bytes:
        data = bytearray(seed)
        for op, pos, chunk in edits:
            pos = min(pos, len(data))
            if op == "r":
                data[pos:pos + len(chunk)] = chunk
            elif op == "i":
                data[pos:pos] = chunk
            else:
                del data[pos:pos + len(chunk)]
        return bytes(data[:cut] if cut is not None else data)

    return st.builds(apply, st.lists(edit, min_size=1, max_size=8),
                     st.one_of(st.none(), st.integers(0, len(seed))))


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(seed), st.binary(max_size=300))


def text_inputs(seed: bytes) -> st.SearchStrategy[str]:
    return st.one_of(inputs(seed).map(lambda b: b.decode("utf-8", errors="replace")),
                     st.text(max_size=300))


def survives(call: Callable[[], Observations]) -> None:
    try:
        obs = call()
    except StratowatchError:
        return
    assert isinstance(obs, Observations)
    for bad in obs.skipped:
        assert bad.reason


def _seed(name: str) -> bytes:
    return (DATA / name).read_bytes()


@FUZZ
@given(text_inputs(_seed("bad_rows.csv") + _seed("visual_reports.csv")))
def test_fuzz_interchange_csv(text: str) -> None:
    survives(lambda: parse_csv_text(text, "fuzz.csv"))


GEOJSON_SEED = (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                b'{"type": "Point", "coordinates": [10.5, 45.1, 18000]}, "properties": '
                b'{"time": "2023-01-01T00:00:00Z", "kind": "visual", "sigma_h_m": 5000}}]}')


@FUZZ
@given(text_inputs(GEOJSON_SEED))
def test_fuzz_geojson(text: str) -> None:
    survives(lambda: parse_geojson_text(text, "fuzz.geojson"))


@FUZZ
@given(text_inputs(_seed("sondehub_sample.json")))
def test_fuzz_sondehub(text: str) -> None:
    survives(lambda: parse_sondehub_text(text, "fuzz.json"))


@FUZZ
@given(text_inputs(_seed("aprs_sample.txt")))
def test_fuzz_aprs(text: str) -> None:
    survives(lambda: parse_aprs_text(text, "fuzz.aprs"))
    survives(lambda: parse_aprs_text(text, "fuzz.aprs", reference_time=1.7e9))


@FUZZ
@given(text_inputs(_seed("adsb_rs1090_airborne.jsonl")[:3000]
                   + b"1700000000.0,8D40621D58C382D690C8AC2863A7\n"))
def test_fuzz_adsb(text: str) -> None:
    pytest.importorskip("pyModeS")
    survives(lambda: parse_adsb_text(text, "fuzz.adsb"))
    survives(lambda: parse_adsb_text(text, "fuzz.adsb", reference=(49.0, 2.5)))


TRAFFIC_SEED = (b'[{"timestamp":1558612204000,"icao24":"4b43ac","latitude":47.43,"longitude":9.38,'
                b'"groundspeed":44.0,"track":260.0,"vertical_rate":1344.0,"callsign":"REGA1",'
                b'"altitude":2525.0,"geoaltitude":null}]')


@FUZZ
@given(st.one_of(inputs(TRAFFIC_SEED), inputs(b"timestamp,latitude,longitude,altitude\n"
                                              b"2020-01-01T00:00:00Z,45,7,30000\n")))
def test_fuzz_traffic(data: bytes) -> None:
    import gzip

    survives(lambda: parse_traffic_bytes(data, "fuzz.json"))
    survives(lambda: parse_traffic_bytes(gzip.compress(data)[: len(data) + 10], "fuzz.gz"))


SITES_SEED = _seed("asterix_sites.csv")


@FUZZ
@given(text_inputs(SITES_SEED))
def test_fuzz_sites_table(text: str) -> None:
    with contextlib.suppress(StratowatchError):
        parse_sites_text(text, "fuzz-sites.csv")


def _parquet_seed() -> bytes:
    pytest.importorskip("pyarrow")
    from stratowatch.sensing import write_parquet

    path = SCRATCH / "seed.parquet"
    write_parquet(Observations([1.7e9, 1.7e9 + 1], [1, 2], [3, 4], [5, 6], kind="radar"), path)
    return path.read_bytes()


@FUZZ
@given(st.data())
def test_fuzz_parquet(data: st.DataObject) -> None:
    from stratowatch.sensing import read_parquet

    blob = data.draw(inputs(_parquet_seed()))
    path = SCRATCH / "fuzz.parquet"
    path.write_bytes(blob)
    survives(lambda: read_parquet(path))


def _asterix_seed(samples: Path) -> bytes:
    pytest.importorskip("asterix")
    return (samples / "cat_034_048.pcap").read_bytes()[:1500]


@FUZZ
@given(data=st.data())
def test_fuzz_asterix(data: st.DataObject, asterix_samples: Path) -> None:
    from stratowatch.sensing.asterix import parse_asterix
    from stratowatch.sensing.sites import parse_sites_text

    sites = parse_sites_text(SITES_SEED.decode(), "sites")
    seed = _asterix_seed(asterix_samples)
    raw = bytes.fromhex("300030FDF70219C9356D4DA0C5AFF1E0020005283C660C10C236D4182001C0780031BC"
                        "0000400DEB07B9582E410020F5")
    blob = data.draw(st.one_of(inputs(seed), inputs(raw)))
    survives(lambda: parse_asterix(blob, "fuzz.pcap", sites=sites, date="2016-05-05"))
