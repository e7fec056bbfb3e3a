from __future__ import annotations

import signal
import subprocess

import httpx
import pytest

from shipyard.processes import free_port
from shipyard.serving import read_spool, start_server_process, wait_until_ready


@pytest.mark.slow
def test_real_server_process_serves_predictions(model_dir, training_data, estimator, tmp_path):
    X, _ = training_data
    port = free_port()
    spool_dir = tmp_path / "spool"
    log_path = tmp_path / "server.log"
    process = start_server_process(model_dir, port, spool_dir=spool_dir, token="tok", log_path=log_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url, timeout=30, process=process)
        headers = {"Authorization": "Bearer tok"}
        r = httpx.post(f"{url}/predict", json={"instances": X[:8].tolist()}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["predictions"] == estimator.predict(X[:8]).tolist()
        assert httpx.post(f"{url}/predict", json={"instances": X[:1].tolist()}).status_code == 401
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says why.
    assert process.returncode in (0, -signal.SIGTERM), log_path.read_text()
    assert read_spool(spool_dir).rows == 8  # graceful SIGTERM flushed the prediction log


@pytest.mark.slow
def test_cli_serve_generates_and_requires_a_token(model_dir, training_data):
    """`shipyard serve` without --token prints a fresh one and refuses requests without it."""
    import os
    import sys

    X, _ = training_data
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPYARD_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "shipyard", "serve", str(model_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Bearer token for this server: sy_"), line
        token = line.split()[-1]
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url, timeout=30, process=process)
        body = {"instances": X[:2].tolist()}
        assert httpx.post(f"{url}/predict", json=body).status_code == 401
        ok = httpx.post(f"{url}/predict", json=body, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200, ok.text
    finally:
        process.terminate()
        process.wait(timeout=10)
