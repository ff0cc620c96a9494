"""`stratowatch serve`: run a node (TAXII 2.1, REST, events) from a TOML file, the environment,
or embedded defaults."""

from __future__ import annotations

import argparse
from dataclasses import replace


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run a node: store, pipeline, TAXII 2.1 and REST API",
        description="Run a stratowatch node. Without --config or STRATOWATCH_* variables it runs "
                    "on embedded defaults: SQLite stratowatch.db in the working directory, the "
                    "built-in (simulated) scenario, and a demo partner whose credentials it "
                    "prints. See docs/node.md for the configuration file.")
    parser.add_argument("--config", default=None,
                        help="TOML configuration file (default: $STRATOWATCH_CONFIG, if set)")
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="TCP port (default 8000)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        from stratowatch.node import load_config, serve
    except ImportError as exc:
        from stratowatch.errors import MissingExtraError

        raise MissingExtraError(f"the node needs its web stack ({exc.name} is missing): "
                                "pip install fastapi uvicorn stix2-validator") from exc

    config = load_config(args.config)
    if args.host is not None:
        config = replace(config, host=args.host)
    if args.port is not None:
        config = replace(config, port=args.port)
    serve(config)
    return 0
