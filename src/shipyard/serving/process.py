"""Run the inference app as its own process, the way the control plane deploys models.

A separate process isolates model code and its memory from the control plane, and lets a
deployment be stopped with a plain signal. The token travels in the environment, never
argv, so it does not show up in ``ps``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shipyard.processes import wait_for_http

TOKEN_ENV = "SHIPYARD_SERVING_TOKEN"


def serve(
    model_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    spool_dir: Path | None = None,
    token: str | None = None,
    *,
    max_batch_size: int = 64,
    max_wait_ms: float = 2.0,
    max_queue: int = 1024,
    max_body_bytes: int | None = None,
    log_level: str = "warning",
) -> None:
    """Verify and load the model, then serve it with uvicorn (httptools + uvloop) until signalled."""
    import uvicorn

    from shipyard.serving.app import DEFAULT_MAX_BODY_BYTES, create_inference_app
    from shipyard.serving.artifacts import load_model

    model = load_model(Path(model_dir))
    app = create_inference_app(
        model,
        spool_dir=spool_dir,
        token=token,
        max_batch_size=max_batch_size,
        max_wait_ms=max_wait_ms,
        max_queue=max_queue,
        max_body_bytes=max_body_bytes or DEFAULT_MAX_BODY_BYTES,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        http="httptools",
        loop="uvloop",
        lifespan="on",
        access_log=False,
        log_level=log_level,
        server_header=False,
    )


def start_server_process(
    model_dir: Path,
    port: int,
    *,
    host: str = "127.0.0.1",
    spool_dir: Path | None = None,
    token: str | None = None,
    max_batch_size: int = 64,
    max_wait_ms: float = 2.0,
    max_queue: int = 1024,
    max_body_bytes: int | None = None,
    log_path: Path | None = None,
    log_level: str = "warning",
) -> subprocess.Popen[bytes]:
    """Launch ``python -m shipyard.serving`` in its own session; output goes to ``log_path``
    (or is inherited). The caller owns the process: terminate it and wait."""
    args = [
        sys.executable,
        "-m",
        "shipyard.serving",
        "--model-dir",
        str(model_dir),
        "--host",
        host,
        "--port",
        str(port),
        "--max-batch-size",
        str(max_batch_size),
        "--max-wait-ms",
        str(max_wait_ms),
        "--max-queue",
        str(max_queue),
        "--log-level",
        log_level,
    ]
    if spool_dir is not None:
        args += ["--spool-dir", str(spool_dir)]
    if max_body_bytes is not None:
        args += ["--max-body-bytes", str(max_body_bytes)]
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    if token is not None:
        env[TOKEN_ENV] = token
    if log_path is None:
        return subprocess.Popen(args, env=env, start_new_session=True)
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with Path(log_path).open("ab") as log:
        return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_ready(
    url: str, timeout: float = 30.0, *, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll ``{url}/v2/health/ready`` until it answers 200; fail fast if ``process`` exits."""
    wait_for_http(
        url.rstrip("/") + "/v2/health/ready", timeout=timeout, process=process, what="inference server"
    )
