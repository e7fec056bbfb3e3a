"""Tracking writes through the control plane, side by side with an MLflow tracking server.

Both servers run as subprocesses on SQLite in a temp folder; both clients run the same
workload in their own subprocess: per run, one call with 10 parameters, then 100 steps of
5 metrics (one request per step), then end the run.

    python benchmarks/bench_tracking.py [--runs 20] [--peer-python .venv-peers/bin/python]

``--peer-python`` names an interpreter that has ``mlflow`` (``make bench`` builds one in
``.venv-peers``); without it the MLflow side is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shipyard.processes import free_port, wait_for_http

STEPS = 100
PARAMS = 10

SHIPYARD_CLIENT = """
import json, sys, time
from shipyard import Client
url, token = sys.argv[1], sys.argv[2]
runs, steps, params = (int(arg) for arg in sys.argv[3:6])
client = Client(url, token=token, project="bench")
client.use_project("bench")
started = time.perf_counter()
for r in range(runs):
    with client.start_run(experiment="bench", name=f"run-{r}") as run:
        run.log_params({f"p{i}": i for i in range(params)})
        for step in range(steps):
            run.log_metrics({f"m{k}": step * 0.1 + k for k in range(5)}, step=step)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

MLFLOW_CLIENT = """
import json, sys, time
import mlflow
url, runs, steps, params = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
mlflow.set_tracking_uri(url)
mlflow.set_experiment("bench")
started = time.perf_counter()
for r in range(runs):
    with mlflow.start_run(run_name=f"run-{r}"):
        mlflow.log_params({f"p{i}": i for i in range(params)})
        for step in range(steps):
            mlflow.log_metrics({f"m{k}": step * 0.1 + k for k in range(5)}, step=step)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def run_client(python: str, script: str, args: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHIPYARD_", "MLFLOW_"))}
    out = subprocess.run([python, "-c", script, *args], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])


def bench_shipyard(workdir: Path, runs: int) -> float:
    port = free_port()
    home = workdir / "shipyard"
    server = subprocess.Popen(
        [sys.executable, "-m", "shipyard", "server", "--home", str(home), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/readyz", process=server, what="shipyard server")
        token = (home / "admin.token").read_text().strip()
        url = f"http://127.0.0.1:{port}"
        return run_client(sys.executable, SHIPYARD_CLIENT, [url, token, str(runs), str(STEPS), str(PARAMS)])
    finally:
        server.terminate()
        server.wait(timeout=15)


def bench_mlflow(workdir: Path, runs: int, python: str) -> float:
    port = free_port()
    mlflow = str(Path(python).with_name("mlflow"))
    server = subprocess.Popen(
        [
            mlflow,
            "server",
            "--backend-store-uri",
            f"sqlite:///{workdir / 'mlflow.db'}",
            "--default-artifact-root",
            str(workdir / "mlruns"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", timeout=120, process=server, what="mlflow server")
        return run_client(
            python, MLFLOW_CLIENT, [f"http://127.0.0.1:{port}", str(runs), str(STEPS), str(PARAMS)]
        )
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=15)


def absolute(path: str) -> str:
    """Absolute but not resolved: resolving would follow the venv's python symlink out of it."""
    return os.path.abspath(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--peer-python", type=absolute, default=None, help="An interpreter with mlflow installed."
    )
    args = parser.parse_args()
    requests = args.runs * (STEPS + 3)  # create, params, steps, finish
    console = Console()
    table = Table(title=f"Tracking writes: {args.runs} runs x ({PARAMS} params + {STEPS} steps x 5 metrics)")
    for column in ("server", "requests", "seconds", "requests/s", "ratio"):
        table.add_column(column, justify="right" if column != "server" else "left")
    with tempfile.TemporaryDirectory(prefix="bench-tracking-") as scratch:
        ours = bench_shipyard(Path(scratch), args.runs)
        table.add_row("shipyard", f"{requests:,}", f"{ours:.2f}", f"{requests / ours:,.0f}", "1.00")
        if args.peer_python:
            theirs = bench_mlflow(Path(scratch), args.runs, args.peer_python)
            table.add_row(
                "mlflow server",
                f"{requests:,}",
                f"{theirs:.2f}",
                f"{requests / theirs:,.0f}",
                f"{theirs / ours:.2f}x slower" if theirs > ours else f"{ours / theirs:.2f}x faster",
            )
    console.print(table)
    if not args.peer_python:
        console.print("peer mlflow not given (--peer-python); MLflow side skipped")


if __name__ == "__main__":
    main()
