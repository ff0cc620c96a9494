"""The node's signing identity: an Ed25519 key made on first start and kept in a 0600 file.

The file holds the node id it was made for, so a node restarted under another id (a different
organisation) fails loudly instead of signing as someone else.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from stratowatch.errors import ConfigError
from stratowatch.sharing import Signer, generate_key
from stratowatch.sharing.policy import identity_id_of
from stratowatch.sharing.signing import private_key_from_pem, private_key_to_pem


def load_or_create(path: Path, node_id: str) -> tuple[Signer, bool]:
    """The node's Signer, and whether the key was created just now."""
    if path.exists():
        try:
            data = json.loads(path.read_text())
            stored_id = str(data["node_id"])
            key = private_key_from_pem(str(data["private_key_pem"]).encode())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: not a stratowatch identity file: {exc}") from exc
        if stored_id != node_id:
            raise ConfigError(f"{path} holds the key of node {stored_id!r}, not {node_id!r}; "
                              "point identity_file elsewhere or use that node id")
        return Signer(identity_id_of(node_id), key), False
    key = generate_key()
    text = json.dumps({"node_id": node_id, "identity": identity_id_of(node_id),
                       "private_key_pem": private_key_to_pem(key).decode()}, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with 0600 from the start: never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return Signer(identity_id_of(node_id), key), True
