"""SIGKILL the control plane in the middle of writes: the database must still open and check clean."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from shipyard.processes import free_port, wait_for_http
from shipyard.store import Database

pytestmark = pytest.mark.slow


def _start_server(home: Path, port: int, database_url: str | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if database_url:
        env["SHIPYARD_DATABASE_URL"] = database_url
    return subprocess.Popen(
        [sys.executable, "-m", "shipyard", "server", "--home", str(home), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _wait_ready(url: str, home: Path, server: subprocess.Popen[bytes]) -> str:
    wait_for_http(f"{url}/readyz", process=server, what="control plane")
    return (home / "admin.token").read_text().strip()


def _hammer(url: str, token: str, stop: threading.Event, counter: list[int], failures: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=5) as client:
        created = client.post("/api/v1/projects/crash/runs", json={"name": "r"})
        if created.status_code != 201:
            failures.append(created.text)
            return
        run_id = created.json()["id"]
        step = 0
        while not stop.is_set():
            try:
                metrics = client.post(
                    f"/api/v1/projects/crash/runs/{run_id}/metrics",
                    json={"metrics": [{"key": "loss", "value": 1.0 / (step + 1), "step": step}] * 20},
                )
                project = client.post("/api/v1/projects", json={"name": f"p{threading.get_ident()}-{step}"})
            except httpx.TransportError:
                return  # the kill landed
            if metrics.status_code != 204 or project.status_code != 201:
                failures.append(f"{metrics.status_code} {project.status_code} {project.text[:200]}")
                return
            counter[0] += 1
            step += 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_mid_write_leaves_a_healthy_database(tmp_path: Path, backend: str, request) -> None:
    database_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    home = tmp_path / "home"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = _start_server(home, port, database_url)
    try:
        token = _wait_ready(url, home, server)
        httpx.post(
            f"{url}/api/v1/projects", json={"name": "crash"}, headers={"Authorization": f"Bearer {token}"}
        ).raise_for_status()
        stop = threading.Event()
        counter = [0]
        failures: list[str] = []
        writers = [
            threading.Thread(target=_hammer, args=(url, token, stop, counter, failures)) for _ in range(4)
        ]
        for writer in writers:
            writer.start()
        time.sleep(1.5)
        assert counter[0] > 0, "no writes happened before the kill"
        assert failures == []
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        for writer in writers:
            writer.join(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    db = Database(database_url or f"sqlite:///{home / 'shipyard.db'}")
    assert db.integrity_check() == []
    db.upgrade()  # still migrates (and is at head)
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM run_metrics").scalar() > 0
    # The hash-chained audit log is intact after the crash: no half-written event.
    from shipyard.security import verify_chain

    with db.session() as session:
        assert verify_chain(session) > 0
    db.dispose()
    # The server starts again on the same state.
    restarted = _start_server(home, port, database_url)
    try:
        _wait_ready(url, home, restarted)
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
