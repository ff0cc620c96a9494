"""stratowatch.node: the service that stores, runs the pipeline on, and shares what it sees.

    config = load_config("node.toml")          # or the environment, or embedded defaults
    node = Node.open(config); node.start()
    app = create_app(node)                     # FastAPI: /taxii2/, /api/v1, /events, /metrics

The pipeline (``pipeline.py``) reads ingest -> track -> classify -> forecast -> publish top to
bottom; everything the node publishes is signed, validated and labelled with the audience tokens
of its marking; every path out reads the store with the caller's tokens and is audited.
"""

from stratowatch.node.app import create_app
from stratowatch.node.config import (
    INBOX_COLLECTION,
    PUBLISH_COLLECTION,
    CollectionConfig,
    NodeConfig,
    PartnerConfig,
    PipelineConfig,
    load_config,
)
from stratowatch.node.runtime import DemoCredentials, Node
from stratowatch.node.server import serve

__all__ = [
    "INBOX_COLLECTION",
    "PUBLISH_COLLECTION",
    "CollectionConfig",
    "DemoCredentials",
    "Node",
    "NodeConfig",
    "PartnerConfig",
    "PipelineConfig",
    "create_app",
    "load_config",
    "serve",
]
