"""The `stratowatch` command line.

Each module in this package that defines ``register(subparsers)`` adds one sub-command, so a new
command is a new module and nothing else changes. A command's handler returns an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from stratowatch import __version__
from stratowatch.errors import StratowatchError


def build_parser() -> argparse.ArgumentParser:
    """Collect every sub-command of the package into one parser."""
    parser = argparse.ArgumentParser(
        prog="stratowatch",
        description="Detect, track, forecast and share free high-altitude balloons.",
    )
    parser.add_argument("--version", action="version", version=f"stratowatch {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except StratowatchError as exc:
        print(f"stratowatch {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["build_parser", "main"]
