"""Load the wheels that bundle native libraries before ecCodes can load its own.

ecCodes' wheels (through findlibs) load all their bundled libraries with RTLD_GLOBAL: OpenLDAP,
PROJ, SQLite, libcurl, libaec among them. Python extensions loaded afterwards that bundle or
link their own copies (psycopg's OpenLDAP, pyproj's PROJ and SQLite, netCDF4's libcurl and
libaec, the standard library's sqlite3) then resolve some symbols to ecCodes' copies: pyproj
warns that it cannot set its database path, and at exit two destructors free one object, so
the process dies with a segmentation fault or "double free or corruption" after all its work
is done (a node with GRIB winds and a PostgreSQL store exited with status 139). Loading those
extensions first keeps each on its own copy. Imported first by ``stratowatch.winds``, before
xarray can discover the cfgrib engine; each import is skipped when the package is absent.
"""

from __future__ import annotations

import contextlib
import importlib

LOAD_FIRST = ("sqlite3", "psycopg", "pyproj", "netCDF4")
"""Modules whose native libraries must be in place before ecCodes loads its own."""

for _name in LOAD_FIRST:
    with contextlib.suppress(ImportError):
        importlib.import_module(_name)
