"""Run every SDK test against both backends: in-process, and HTTP to a real control plane."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard import Client
from shipyard.processes import free_port, wait_for_http


@pytest.fixture(scope="module")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real `shipyard server` subprocess, shared by one test module."""
    home = tmp_path_factory.mktemp("control-plane")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPYARD_")}
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "shipyard", "server", "--home", str(home), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        wait_for_http(f"{url}/readyz", process=process, what="control plane")
        yield url, (home / "admin.token").read_text().strip()
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(params=["in-process", "http"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    """A client on a fresh project; the same assertions must hold for both backends."""
    project = f"sdk-{secrets.token_hex(4)}"
    if request.param == "in-process":
        sdk = Client(home=tmp_path / "home", project=project)
    else:
        url, token = request.getfixturevalue("control_plane")
        sdk = Client(url, token=token, project=project)
    with sdk:
        sdk.use_project(project)
        yield sdk
