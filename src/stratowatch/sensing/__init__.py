"""stratowatch.sensing: observations, their interchange formats and the sensor readers.

An :class:`Observations` batch holds reports as numpy columns (DESIGN.md, "Observations and
the interchange CSV"). Readers turn sensor files into batches under one rule for partly bad
files (keep good rows, list bad ones in ``Observations.skipped``; ParseError when all rows are
bad or ``strict=True``); :func:`read_observations` picks the reader by content.
"""

from stratowatch.sensing.adsb import LIGHTER_THAN_AIR, emitter_category, read_adsb
from stratowatch.sensing.aprs import read_aprs
from stratowatch.sensing.asterix import read_asterix
from stratowatch.sensing.csvio import read_csv, write_csv
from stratowatch.sensing.detect import (
    FORMATS,
    detect_format,
    read_observations,
    write_observations,
)
from stratowatch.sensing.geojsonio import read_geojson, write_geojson
from stratowatch.sensing.observation import FIELDS, KINDS, BadRow, Observations, concat
from stratowatch.sensing.parquetio import read_parquet, write_parquet
from stratowatch.sensing.sites import SensorSite, polar_to_geodetic, read_sites
from stratowatch.sensing.sondehub import read_sondehub
from stratowatch.sensing.trafficfmt import from_traffic, read_traffic
from stratowatch.sensing.visual import DEFAULT_SIGMA_M, read_visual, with_sighting_defaults

__all__ = [
    "DEFAULT_SIGMA_M",
    "FIELDS",
    "FORMATS",
    "KINDS",
    "LIGHTER_THAN_AIR",
    "BadRow",
    "Observations",
    "SensorSite",
    "concat",
    "detect_format",
    "emitter_category",
    "from_traffic",
    "polar_to_geodetic",
    "read_adsb",
    "read_aprs",
    "read_asterix",
    "read_csv",
    "read_geojson",
    "read_observations",
    "read_parquet",
    "read_sites",
    "read_sondehub",
    "read_traffic",
    "read_visual",
    "with_sighting_defaults",
    "write_csv",
    "write_geojson",
    "write_observations",
    "write_parquet",
]
