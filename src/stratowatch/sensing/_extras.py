"""Import an optional dependency or say which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from stratowatch.errors import MissingExtraError

INSTALL: dict[str, str] = {
    "pyarrow": "pip install pyarrow",
    "asterix": "pip install 'stratowatch[asterix]'",
    "pyModeS": "pip install 'stratowatch[adsb]'",
}


def require(module: str, purpose: str) -> ModuleType:
    """The imported module, or MissingExtraError naming the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        command = INSTALL.get(module, f"pip install {module}")
        raise MissingExtraError(f"{purpose} needs the Python package {module!r}: {command}") \
            from exc
