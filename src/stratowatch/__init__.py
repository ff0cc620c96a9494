"""stratowatch: see what drifts, share what you see.

Layers (inner first): geo, winds, drift, sensing, tracking, airspace, sharing, store, node, cli.
"""

from stratowatch.errors import (
    ConfigError,
    CoverageError,
    MissingExtraError,
    ParseError,
    ReleasabilityError,
    SignatureError,
    StratowatchError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "CoverageError",
    "MissingExtraError",
    "ParseError",
    "ReleasabilityError",
    "SignatureError",
    "StratowatchError",
    "__version__",
]
