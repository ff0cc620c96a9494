"""The exception hierarchy of stratowatch.

Every error a user can cause names what was wrong (a file, a line, a field, a point) and why::

    StratowatchError
    ├── ConfigError          bad option, parameter or configuration value
    ├── ParseError           a file or message that cannot be read (names file and line/field)
    ├── CoverageError        a point outside the time, level or region a wind source covers
    ├── MissingExtraError    an optional dependency is not installed (names the pip command)
    ├── ReleasabilityError   an object may not be released to a partner
    └── SignatureError       a signature is missing or does not verify
"""

from __future__ import annotations


class StratowatchError(Exception):
    """Root of every error raised on purpose by stratowatch."""


class ConfigError(StratowatchError, ValueError):
    """A parameter, option or configuration value is invalid."""


class ParseError(StratowatchError, ValueError):
    """Input that cannot be parsed; the message names the file and line or field."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        where = []
        if source is not None:
            where.append(str(source))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ": ".join([", ".join(where)]) + ": " if where else ""
        super().__init__(prefix + message)
        self.source = source
        self.line = line
        self.field = field


class CoverageError(StratowatchError, ValueError):
    """A point lies outside what a wind source covers; the message states the coverage."""


class MissingExtraError(StratowatchError, ImportError):
    """An optional dependency is missing; the message names the install command."""


class ReleasabilityError(StratowatchError, PermissionError):
    """An object may not be released to the requesting partner."""


class SignatureError(StratowatchError, ValueError):
    """A signature is absent, malformed or does not verify."""


__all__ = [
    "ConfigError",
    "CoverageError",
    "MissingExtraError",
    "ParseError",
    "ReleasabilityError",
    "SignatureError",
    "StratowatchError",
]
