"""`stratowatch serve`: configuration from TOML and the environment, embedded defaults with a
demo partner and the simulated scenario, and a persistent 0600 identity file."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from stratowatch.cli import build_parser
from stratowatch.errors import ConfigError
from stratowatch.node import load_config
from stratowatch.node.identity import load_or_create

from .conftest import free_port

TOML = """
[node]
id = "ca"
name = "Canadian cell"
database = "sqlite:///{db}"
port = 9999
scenario = "none"
demo = false
marking = "TLP:AMBER"
rel_to = ["group:five-eyes"]

[pipeline]
members = 20

[[partners]]
id = "us"
groups = ["five-eyes"]
username = "us"
password_env = "US_PASSWORD"
"""


def test_toml_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(TOML.format(db=tmp_path / "n.db"))
    env = {"US_PASSWORD": "secret-secret", "STRATOWATCH_PORT": "8123"}
    config = load_config(path, environ=env)
    assert config.node_id == "ca" and config.port == 8123 and config.pipeline.members == 20
    assert config.partners[0].password == "secret-secret"
    assert config.partners[0].groups == ("five-eyes",)
    assert str(config.own_marking) == "TLP:AMBER REL TO group:five-eyes"
    assert config.identity_path() == tmp_path / "n.db.identity"
    with pytest.raises(ConfigError, match="US_PASSWORD"):
        load_config(path, environ={})
    path.write_text("[node]\nsurprise = 1\n")
    with pytest.raises(ConfigError, match="surprise"):
        load_config(path, environ={})
    defaults = load_config(None, environ={"STRATOWATCH_DATABASE": "sqlite:///x.db",
                                          "STRATOWATCH_DEMO": "false"})
    assert defaults.database == "sqlite:///x.db" and defaults.demo is False


def test_the_identity_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "node.identity"
    first, created = load_or_create(path, "ca")
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created = load_or_create(path, "ca")
    assert not created and again.key_id == first.key_id
    with pytest.raises(ConfigError, match="'ca'"):
        load_or_create(path, "fr")


def test_serve_is_a_cli_command() -> None:
    args = build_parser().parse_args(["serve", "--port", "1234", "--host", "0.0.0.0"])
    assert args.port == 1234 and args.host == "0.0.0.0"


@pytest.mark.slow
def test_serve_on_embedded_defaults_prints_a_working_demo_login(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATOWATCH_")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    proc = subprocess.Popen([sys.executable, "-m", "stratowatch", "serve", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        banner = ""
        while "token" not in banner:
            line = proc.stdout.readline()
            assert line, f"serve ended: {banner}"
            banner += line
        assert "SIMULATED" in banner
        password = re.search(r"password (\S+)", banner)
        token = re.search(r"token +(\S+)", banner)
        assert password and token
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a fresh install compiles the drift kernel first
        while True:
            try:
                httpx.get(f"{url}/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        objects: list[object] = []
        while not any(o.get("type") == "sighting" for o in objects):  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the scenario published nothing"
            page = httpx.get(f"{url}/taxii2/api/collections/balloons/objects/",
                             params={"limit": 1000}, auth=("demo", password.group(1)))
            objects = page.json().get("objects", [])
            time.sleep(0.5)
        by_token = httpx.get(f"{url}/api/v1/tracks",
                             headers={"Authorization": f"Bearer {token.group(1)}"})
        assert by_token.status_code == 200
        assert (tmp_path / "stratowatch.db").exists()
        identity = tmp_path / "stratowatch.db.identity"
        assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    finally:
        proc.terminate()
        proc.wait(timeout=30)
