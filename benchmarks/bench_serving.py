"""Benchmark the real inference server process: throughput and latency at concurrency 1 and 16.

Run: ``.venv/bin/python benchmarks/bench_serving.py [--requests 2000]``. Trains a small
LogisticRegression, materializes a verified model directory, starts
``python -m shipyard.serving`` on a free port and drives it with async httpx clients. With
``--peer-python`` naming an interpreter that has ``bentoml``, a comparable BentoML service
(same skops model, adaptive batching on) is measured the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blake3
import httpx
import numpy as np
import skops.io as sio
from rich.console import Console
from rich.table import Table
from sklearn.linear_model import LogisticRegression

from shipyard.processes import free_port, wait_for_http
from shipyard.serving import start_server_process, wait_until_ready

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@dataclass
class Result:
    server: str
    concurrency: int
    requests: int
    seconds: float
    latencies: np.ndarray
    errors: int
    note: str = ""

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def build_model_dir(root: Path) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, len(COLUMNS)))
    y = (X[:, 0] + X[:, 2] > 0).astype(np.int64)
    estimator = LogisticRegression().fit(X, y)
    model_dir = root / "model"
    model_dir.mkdir()
    sio.dump(estimator, model_dir / "model.skops")
    spec = {
        "name": "iris",
        "version": 1,
        "flavor": "skops",
        "file": "model.skops",
        "task": "classification",
        "signature": {
            "inputs": [{"name": c, "dtype": "float64"} for c in COLUMNS],
            "outputs": [{"name": "prediction", "dtype": "int64"}],
        },
        "trusted_types": [],
    }
    (model_dir / "shipyard-model.json").write_text(json.dumps(spec))
    files = [
        {"digest": blake3.blake3(p.read_bytes()).hexdigest(), "path": p.name, "size": p.stat().st_size}
        for p in sorted(model_dir.iterdir())
    ]
    (model_dir / "manifest.json").write_text(json.dumps({"version": 1, "files": files}))
    return model_dir, X


async def drive(
    url: str, make_body: Callable[[int], dict[str, Any]], n: int, concurrency: int, server: str
) -> Result:
    latencies = np.empty(n)
    errors = 0
    next_index = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for i in range(min(100, n)):  # warm up connections and the model
            await client.post(url, json=make_body(i))

        async def worker() -> None:
            nonlocal next_index, errors
            while next_index < n:
                i = next_index
                next_index += 1
                start = time.perf_counter()
                response = await client.post(url, json=make_body(i))
                latencies[i] = time.perf_counter() - start
                errors += response.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return Result(server, concurrency, n, seconds, latencies, errors)


async def drive_raw(
    url: str, make_body: Callable[[int], dict[str, Any]], n: int, concurrency: int, server: str
) -> Result:
    """Minimal keep-alive HTTP/1.1 client: shows the server's headroom when httpx is the limit."""
    parsed = httpx.URL(url)
    payloads = [json.dumps(make_body(i)).encode() for i in range(n)]
    head = f"POST {parsed.raw_path.decode()} HTTP/1.1\r\nHost: {parsed.host}\r\n"
    head += "Content-Type: application/json\r\n"
    requests = [f"{head}Content-Length: {len(p)}\r\n\r\n".encode() + p for p in payloads]
    latencies = np.empty(n)
    errors = 0
    next_index = 0

    async def worker() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
        while next_index < n:
            i = next_index
            next_index += 1
            start = time.perf_counter()
            writer.write(requests[i])
            header = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", header).group(1))
            await reader.readexactly(length)
            latencies[i] = time.perf_counter() - start
            errors += not header.startswith(b"HTTP/1.1 200")
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(server, concurrency, n, time.perf_counter() - start, latencies, errors)


def batch_counts(base_url: str) -> tuple[float, float]:
    text = httpx.get(f"{base_url}/metrics").text
    total = float(re.search(r"^shipyard_serving_batch_requests_sum (\S+)$", text, re.M).group(1))
    count = float(re.search(r"^shipyard_serving_batch_requests_count (\S+)$", text, re.M).group(1))
    return total, count


def bench_shipyard(model_dir: Path, X: np.ndarray, n: int, levels: list[int]) -> list[Result]:
    port = free_port()
    process = start_server_process(model_dir, port)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        wait_until_ready(base, 60, process=process)
        rows = X.tolist()

        def body(i: int) -> dict[str, Any]:
            row = rows[i % len(rows)]
            return {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [row]}]}

        url = f"{base}/v2/models/iris/infer"
        # httpx (the brief's client) saturates a CPU before the server does; the raw
        # keep-alive client shows what the server itself sustains.
        for client, driver in (("httpx", drive), ("raw socket", drive_raw)):
            for level in levels:
                total, count = batch_counts(base)
                result = asyncio.run(driver(url, body, n, level, f"shipyard ({client})"))
                new_total, new_count = batch_counts(base)
                per_call = (new_total - total) / max(new_count - count, 1)
                result.note = f"{per_call:.1f} req/call"
                results.append(result)
    finally:
        process.terminate()
        process.wait(10)
    return results


BENTO_SERVICE = """
import bentoml
import numpy as np
import skops.io as sio


@bentoml.service(workers=1)
class Iris:
    def __init__(self) -> None:
        self.model = sio.load({path!r}, trusted=[])

    @bentoml.api(batchable=True, max_batch_size=64, max_latency_ms=1000)
    def predict(self, instances: np.ndarray) -> np.ndarray:
        return self.model.predict(instances)
"""


def bench_bentoml(
    root: Path, model_dir: Path, X: np.ndarray, n: int, levels: list[int], python: str
) -> list[Result]:
    service_dir = root / "bento"
    service_dir.mkdir()
    source = BENTO_SERVICE.format(path=str(model_dir / "model.skops"))
    (service_dir / "service.py").write_text(textwrap.dedent(source))
    port = free_port()
    cmd = [python, "-m", "bentoml", "serve", "service:Iris", "--port", str(port)]
    process = subprocess.Popen(cmd, cwd=service_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        wait_for_http(f"{base}/readyz", timeout=120, process=process, what="BentoML service")
        rows = X.tolist()

        def body(i: int) -> dict[str, Any]:
            return {"instances": [rows[i % len(rows)]]}

        for client, driver in (("httpx", drive), ("raw socket", drive_raw)):
            for level in levels:
                results.append(asyncio.run(driver(f"{base}/predict", body, n, level, f"bentoml ({client})")))
    finally:
        process.terminate()
        process.wait(10)
    return results


def absolute(path: str) -> str:
    """Absolute but not resolved: resolving would follow the venv's python symlink out of it."""
    return os.path.abspath(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument(
        "--peer-python", type=absolute, default=None, help="An interpreter with bentoml installed."
    )
    args = parser.parse_args()
    console = Console(width=110)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_dir, X = build_model_dir(root)
        results = bench_shipyard(model_dir, X, args.requests, args.concurrency)
        if args.peer_python:
            results += bench_bentoml(root, model_dir, X, args.requests, args.concurrency, args.peer_python)
        else:
            console.print("peer bentoml not given (--peer-python); BentoML side skipped")

    table = Table(title=f"Inference serving: {args.requests} single-row requests per level")
    for column in ("server", "concurrency", "req/s", "p50 ms", "p99 ms", "errors", "batching"):
        table.add_column(column, justify="left" if column in ("server", "batching") else "right")
    for r in results:
        p50, p99 = np.percentile(r.latencies, [50, 99]) * 1000
        table.add_row(
            r.server,
            str(r.concurrency),
            f"{r.throughput:,.0f}",
            f"{p50:.2f}",
            f"{p99:.2f}",
            str(r.errors),
            r.note,
        )
    console.print(table)
    print_ratios(console, results)


def print_ratios(console: Console, results: list[Result]) -> None:
    """Throughput of shipyard over the peer for each client and concurrency both ran."""
    peers = {
        (r.server.replace("bentoml", "shipyard"), r.concurrency): r for r in results if "bentoml" in r.server
    }
    if not peers:
        return
    ratios = Table(title="shipyard / bentoml throughput")
    for column in ("client", "concurrency", "ratio"):
        ratios.add_column(column, justify="left" if column == "client" else "right")
    for r in results:
        peer = peers.get((r.server, r.concurrency))
        if peer is not None:
            client = r.server.removeprefix("shipyard ").strip("()")
            ratios.add_row(client, str(r.concurrency), f"{r.throughput / peer.throughput:.2f}x")
    console.print(ratios)


if __name__ == "__main__":
    main()
