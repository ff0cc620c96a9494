"""Run a node under uvicorn until interrupted, telling a newcomer where it is and how to log in."""

from __future__ import annotations

import gc
import sys
from typing import TextIO

from stratowatch.node.app import create_app
from stratowatch.node.config import PUBLISH_COLLECTION, NodeConfig
from stratowatch.node.runtime import DemoCredentials, Node


def banner(node: Node, url: str, demo: DemoCredentials | None) -> str:
    """What the node prints at start: where it listens, what it runs on, how to try it."""
    config = node.config
    lines = [f"stratowatch node {config.node_id!r} ({config.node_name}) at {url}",
             f"  database  {node.store.engine.url.render_as_string(hide_password=True)}",
             f"  identity  {node.signer.identity_id}  key {node.signer.key_id}"
             + ("  (new key: " + str(config.identity_path()) + ", mode 0600)"
                if node.key_created else ""),
             f"  TAXII     {url}/taxii2/   REST {url}/api/v1/   events {url}/events",
             f"  docs      {url}/docs"]
    if not node.validating:
        lines.append("  warning   stix2-validator missing: objects are signed, not validated "
                     "(pip install stix2-validator)")
    if node.scenario is not None:
        lines.append("  feed      the built-in scenario: SIMULATED balloons, not real data")
    if demo is not None:
        lines += [
            "  demo partner (credentials renewed at every start):",
            f"    username {demo.username}  password {demo.password}",
            f"    token    {demo.token}",
            f"    try: curl -u {demo.username}:{demo.password} "
            f"'{url}/taxii2/api/collections/{PUBLISH_COLLECTION}/objects/?limit=5'"]
    return "\n".join(lines)


def serve(config: NodeConfig, *, out: TextIO = sys.stdout) -> None:
    """Start the node and serve HTTP on ``config.host:config.port`` until interrupted."""
    import uvicorn

    node = Node.open(config)
    try:
        demo = node.demo_credentials()
        node.start()
        gc.collect()
        gc.freeze()  # the long-lived startup objects need no more GC passes (fewer pauses)
        host = f"[{config.host}]" if ":" in config.host else config.host
        print(banner(node, f"http://{host}:{config.port}", demo), file=out, flush=True)
        uvicorn.run(create_app(node), host=config.host, port=config.port, log_level="warning",
                    access_log=False)
    finally:
        node.stop()
