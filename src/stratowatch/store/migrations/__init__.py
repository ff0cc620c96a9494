"""Alembic migrations of the store, applied by ``Store.open`` (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

SCRIPT_LOCATION = Path(__file__).resolve().parent
