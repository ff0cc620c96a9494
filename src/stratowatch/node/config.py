"""Node configuration: a TOML file, ``STRATOWATCH_*`` environment variables, embedded defaults.

Precedence: command-line options > environment > file > defaults. With neither a file nor any
variable the node runs on embedded defaults: SQLite ``stratowatch.db`` in the working directory,
a demo partner whose credentials are printed at start, and the built-in simulated scenario.

File format (every key optional)::

    [node]
    id = "ca"                                   # this organisation's partner id
    name = "Canadian ADA cell"
    database = "sqlite:///stratowatch.db"       # or postgresql+psycopg://user@host:5432/db
    identity_file = "stratowatch.db.identity"   # Ed25519 key, 0600; default beside the database
    host = "127.0.0.1"
    port = 8000
    scenario = "builtin"                        # or "none"
    demo = true                                 # a demo partner with printed credentials
    winds = "builtin:jet"                       # or a GRIB2/NetCDF/Zarr/sounding file
    marking = "TLP:GREEN"                       # of the node's own observations
    rel_to = []                                 # REL TO labels of that marking

    [pipeline]
    members = 50                 # ensemble members per forecast (0: no forecasts)
    forecast_hours = 12.0
    forecast_every_s = 3600.0    # data time between two forecasts of one track

    [[partners]]
    id = "us"
    name = "US partner"
    groups = ["five-eyes"]
    community = true
    username = "us"
    password_env = "US_PASSWORD" # the password is read from this variable, never from the file
    public_key = "<base64url raw Ed25519 public key>"   # verifies their signed objects

    [[collections]]
    id = "balloons"              # the node publishes here
    title = "Balloons"
    can_read = true
    can_write = false

Environment: ``STRATOWATCH_CONFIG`` (a file), ``STRATOWATCH_NODE_ID``, ``STRATOWATCH_NODE_NAME``,
``STRATOWATCH_DATABASE``, ``STRATOWATCH_IDENTITY_FILE``, ``STRATOWATCH_HOST``,
``STRATOWATCH_PORT``, ``STRATOWATCH_SCENARIO``, ``STRATOWATCH_DEMO``, ``STRATOWATCH_WINDS``,
``STRATOWATCH_MARKING``, ``STRATOWATCH_MEMBERS``, ``STRATOWATCH_PARTNERS`` (a JSON list of
partner tables as above).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from stratowatch.errors import ConfigError
from stratowatch.sharing import Marking
from stratowatch.store import DEFAULT_URL

ENV_PREFIX = "STRATOWATCH_"
PUBLISH_COLLECTION = "balloons"
INBOX_COLLECTION = "inbox"


@dataclass(frozen=True)
class PartnerConfig:
    """One partner: who it is, how it logs in, and the key its objects are signed with."""

    id: str
    name: str = ""
    groups: tuple[str, ...] = ()
    community: bool = True
    username: str | None = None
    password: str | None = None
    public_key: str | None = None


@dataclass(frozen=True)
class CollectionConfig:
    """A TAXII collection and the rights every partner has on it."""

    id: str
    title: str
    description: str = ""
    can_read: bool = True
    can_write: bool = False


@dataclass(frozen=True)
class PipelineConfig:
    """How much forecasting the pipeline does per balloon track."""

    members: int = 50
    forecast_hours: float = 12.0
    forecast_every_s: float = 3600.0
    output_every_s: float = 3600.0


DEFAULT_COLLECTIONS = (
    CollectionConfig(PUBLISH_COLLECTION, "Balloons",
                     "Sightings, tracks, forecasts and alerts published by this node.",
                     can_read=True, can_write=False),
    CollectionConfig(INBOX_COLLECTION, "Partner inbox",
                     "Objects partners share with this node (and with each other).",
                     can_read=True, can_write=True),
)


@dataclass(frozen=True)
class NodeConfig:
    """Everything a node needs to start."""

    node_id: str = "local"
    node_name: str = "stratowatch node"
    database: str = DEFAULT_URL
    identity_file: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    scenario: str = "builtin"
    demo: bool = True
    winds: str = "builtin:jet"
    marking: str = "TLP:GREEN"
    rel_to: tuple[str, ...] | None = None
    partners: tuple[PartnerConfig, ...] = ()
    collections: tuple[CollectionConfig, ...] = DEFAULT_COLLECTIONS
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)

    @property
    def own_marking(self) -> Marking:
        """The marking of the node's own observations and of what it derives from them alone."""
        return Marking.of(self.marking, self.rel_to)

    def identity_path(self) -> Path:
        """Where the node's identity and private key live: beside a SQLite file by default."""
        if self.identity_file:
            return Path(self.identity_file).expanduser()
        url = make_url(self.database)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(str(url.database)).expanduser().with_name(
                Path(str(url.database)).name + ".identity")
        return Path("stratowatch.identity")


def load_config(path: str | Path | None = None, *,
                environ: Mapping[str, str] | None = None) -> NodeConfig:
    """The configuration from ``path`` (or ``$STRATOWATCH_CONFIG``), then the environment."""
    env = os.environ if environ is None else environ
    chosen = path if path is not None else env.get(ENV_PREFIX + "CONFIG")
    data: dict[str, Any] = {}
    if chosen:
        file = Path(chosen)
        try:
            data = tomllib.loads(file.read_text())
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read the configuration: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    config = _from_mapping(data, env, str(chosen or "<defaults>"))
    return _apply_env(config, env)


def _from_mapping(data: Mapping[str, Any], env: Mapping[str, str], where: str) -> NodeConfig:
    unknown = set(data) - {"node", "pipeline", "partners", "collections"}
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {sorted(unknown)}")
    node = _table(data.get("node", {}), f"{where} [node]")
    base = NodeConfig()
    known = {"id", "name", "database", "identity_file", "host", "port", "scenario", "demo",
             "winds", "marking", "rel_to"}
    _only(node, known, f"{where} [node]")
    rel_to = node.get("rel_to")
    config = replace(
        base, node_id=str(node.get("id", base.node_id)),
        node_name=str(node.get("name", base.node_name)),
        database=str(node.get("database", base.database)),
        identity_file=node.get("identity_file"), host=str(node.get("host", base.host)),
        port=_int(node.get("port", base.port), "port"),
        scenario=str(node.get("scenario", base.scenario)),
        demo=bool(node.get("demo", base.demo)), winds=str(node.get("winds", base.winds)),
        marking=str(node.get("marking", base.marking)),
        rel_to=None if rel_to is None else tuple(str(x) for x in rel_to))
    if "pipeline" in data:
        pipe = _table(data["pipeline"], f"{where} [pipeline]")
        _only(pipe, {"members", "forecast_hours", "forecast_every_s", "output_every_s"},
              f"{where} [pipeline]")
        config = replace(config, pipeline=PipelineConfig(
            members=_int(pipe.get("members", 50), "members"),
            **{k: float(v) for k, v in pipe.items() if k != "members"}))
    if "partners" in data:
        config = replace(config, partners=tuple(
            _partner(p, env, f"{where} partners[{i}]") for i, p in enumerate(data["partners"])))
    if "collections" in data:
        config = replace(config, collections=tuple(
            _collection(c, f"{where} collections[{i}]")
            for i, c in enumerate(data["collections"])))
    _check(config, where)
    return config


def _apply_env(config: NodeConfig, env: Mapping[str, str]) -> NodeConfig:
    def get(name: str) -> str | None:
        return env.get(ENV_PREFIX + name)

    changes: dict[str, Any] = {}
    for name, attr in (("NODE_ID", "node_id"), ("NODE_NAME", "node_name"),
                       ("DATABASE", "database"), ("IDENTITY_FILE", "identity_file"),
                       ("HOST", "host"), ("SCENARIO", "scenario"), ("WINDS", "winds"),
                       ("MARKING", "marking")):
        if (value := get(name)) is not None:
            changes[attr] = value
    if (port := get("PORT")) is not None:
        changes["port"] = _int(port, "STRATOWATCH_PORT")
    if (demo := get("DEMO")) is not None:
        changes["demo"] = demo.strip().lower() in ("1", "true", "yes", "on")
    if (members := get("MEMBERS")) is not None:
        changes["pipeline"] = replace(config.pipeline, members=_int(members, "MEMBERS"))
    if (partners := get("PARTNERS")) is not None:
        try:
            items = json.loads(partners)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"STRATOWATCH_PARTNERS: not JSON: {exc}") from exc
        if not isinstance(items, list):
            raise ConfigError("STRATOWATCH_PARTNERS: give a JSON list of partner objects")
        changes["partners"] = tuple(_partner(p, env, f"STRATOWATCH_PARTNERS[{i}]")
                                    for i, p in enumerate(items))
    result = replace(config, **changes)
    _check(result, "environment")
    return result


def _partner(raw: Any, env: Mapping[str, str], where: str) -> PartnerConfig:
    data = _table(raw, where)
    _only(data, {"id", "name", "groups", "community", "username", "password_env",
                 "public_key"}, where)
    if "id" not in data:
        raise ConfigError(f"{where}: a partner needs an id")
    password = None
    if "password_env" in data:
        password = env.get(str(data["password_env"]))
        if password is None:
            raise ConfigError(f"{where}: environment variable {data['password_env']} is not set")
    pid = str(data["id"])
    return PartnerConfig(id=pid, name=str(data.get("name", pid)),
                         groups=tuple(str(g) for g in data.get("groups", ())),
                         community=bool(data.get("community", True)),
                         username=data.get("username"), password=password,
                         public_key=data.get("public_key"))


def _collection(raw: Any, where: str) -> CollectionConfig:
    data = _table(raw, where)
    _only(data, {"id", "title", "description", "can_read", "can_write"}, where)
    if "id" not in data:
        raise ConfigError(f"{where}: a collection needs an id")
    return CollectionConfig(id=str(data["id"]), title=str(data.get("title", data["id"])),
                            description=str(data.get("description", "")),
                            can_read=bool(data.get("can_read", True)),
                            can_write=bool(data.get("can_write", False)))


def _check(config: NodeConfig, where: str) -> None:
    if config.scenario not in ("builtin", "none"):
        raise ConfigError(f"{where}: scenario must be 'builtin' or 'none', not "
                          f"{config.scenario!r}")
    if not 0 <= config.port <= 65535:
        raise ConfigError(f"{where}: port {config.port} is not a TCP port")
    if config.pipeline.members < 0 or config.pipeline.forecast_hours <= 0:
        raise ConfigError(f"{where}: pipeline members >= 0 and forecast_hours > 0")
    if PUBLISH_COLLECTION not in {c.id for c in config.collections}:
        raise ConfigError(f"{where}: the collections must include {PUBLISH_COLLECTION!r}, "
                          "where the node publishes")
    ids = [p.id for p in config.partners]
    if len(set(ids)) != len(ids) or config.node_id in ids:
        raise ConfigError(f"{where}: partner ids must be unique and differ from the node id")
    config.own_marking  # noqa: B018 - a bad marking fails here, at start, not at first publish


def _table(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a table")
    return dict(raw)


def _only(data: Mapping[str, Any], known: set[str], where: str) -> None:
    extra = set(data) - known
    if extra:
        raise ConfigError(f"{where}: unknown key(s) {sorted(extra)}; known: {sorted(known)}")


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: not an integer: {value!r}") from exc
