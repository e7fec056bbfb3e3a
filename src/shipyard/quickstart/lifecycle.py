"""One honest pass through every stage, each a real component talking over HTTP.

Data version -> training job (subprocess, logs through the SDK) -> model version with
lineage -> inference server process -> predictions over HTTP -> drift report.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shipyard.errors import ShipyardError
from shipyard.quickstart.dataset import FEATURES, generate_features, write_training_csv

# Piped output (make, CI logs) gets wide rows so ids and URLs stay on one line.
console = Console(width=None if sys.stdout.isatty() else 160)
PROJECT = "quickstart"
DATASET = "credit"
MODEL = "credit-risk"
DEPLOYMENT = "credit-risk-live"
PREDICTIONS = 400


@dataclass
class Summary:
    rows: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # API paths, browsable after `shipyard up`
    drift: list[dict[str, Any]] = field(default_factory=list)


def run_quickstart(home: Path, *, rows: int = 5000) -> Summary:
    if home.exists():
        shutil.rmtree(home)  # the quickstart's own folder: start clean every time
    home.mkdir(parents=True)
    summary = Summary()
    started = time.perf_counter()
    with _control_plane(home) as (url, token), _progress() as progress:
        from shipyard import Client

        client = Client(url, token=token, project=PROJECT)
        client.use_project(PROJECT)

        stage = progress.add_task("data: generate and register a dataset version", total=None)
        csv_path = home / "input" / "credit.csv"
        write_training_csv(csv_path, rows)
        version = client.register_dataset(DATASET, csv_path)
        summary.rows["rows ingested"] = f"{version['num_rows']:,} ({DATASET} v{version['version']})"
        summary.links["dataset version"] = f"{DATASET} v{version['version']} ({version['id']})"
        _done(progress, stage)

        stage = progress.add_task("compute: run the training job in a subprocess", total=None)
        job = client.submit_job(
            [sys.executable, "-m", "shipyard.quickstart.train", "--dataset", DATASET, "--model", MODEL],
            name="train-credit-risk",
        )
        job = client.wait_job(job["id"], timeout=300)
        run = client.get_run(job["run_id"])
        summary.links["training job"] = job["id"]
        summary.links["run"] = run["id"]
        summary.urls["run (params, metrics, inputs)"] = f"/projects/{PROJECT}/runs/{run['id']}"
        summary.urls["job log"] = f"/projects/{PROJECT}/jobs/{job['id']}/logs"
        for key in ("accuracy", "f1", "roc_auc"):
            summary.rows[f"metric {key}"] = f"{run['metrics'][key]:.4f}"
        _done(progress, stage)

        stage = progress.add_task("registry: check the model version and its lineage", total=None)
        model_version = client.model_version(MODEL)
        if model_version["run_id"] != run["id"] or model_version["dataset_version_id"] != version["id"]:
            raise ShipyardError("model lineage does not point at the run and dataset version")
        summary.links["model version"] = f"{MODEL} v{model_version['version']} ({model_version['id']})"
        summary.urls["model version"] = (
            f"/projects/{PROJECT}/models/{MODEL}/versions/{model_version['version']}"
        )
        _done(progress, stage)

        stage = progress.add_task("serving: start an inference server process", total=None)
        deployment = client.deploy(DEPLOYMENT, MODEL)
        summary.links["deployment"] = f"{DEPLOYMENT} (served at {deployment['url']} during the run)"
        _done(progress, stage)

        stage = progress.add_task(f"serving: send {PREDICTIONS} predictions over HTTP", total=PREDICTIONS)
        latencies = _send_predictions(deployment["url"], deployment["token"], progress, stage)
        summary.rows["predictions"] = f"{PREDICTIONS} (one row each, OIP v2)"
        summary.rows["latency p50"] = f"{np.percentile(latencies, 50) * 1000:.2f} ms"
        summary.rows["latency p99"] = f"{np.percentile(latencies, 99) * 1000:.2f} ms"

        stage = progress.add_task("monitoring: drift of served inputs vs training data", total=None)
        time.sleep(0.5)  # the server's prediction log flushes in the background
        drift = client.drift(DEPLOYMENT)
        summary.drift = drift["report"]["columns"]
        summary.rows["dataset drift"] = (
            f"{'DRIFT' if drift['dataset_drifted'] else 'no drift'} "
            f"({drift['report']['drifted_columns']}/{len(summary.drift)} columns drifted)"
        )
        summary.links["drift report"] = str(_save_report(url, token, drift["id"], home))
        summary.urls["drift report"] = f"/projects/{PROJECT}/drift/{drift['id']}/report.html"
        _done(progress, stage)

        client.stop_deployment(DEPLOYMENT)
        client.close()
    summary.rows["total time"] = f"{time.perf_counter() - started:.1f} s"
    _print_summary(summary, home)
    return summary


def _send_predictions(url: str, token: str, progress: Progress, stage: Any) -> np.ndarray:
    """Served traffic comes from a shifted population (higher income, more late payments)."""
    features = generate_features(PREDICTIONS, seed=99, income_shift=1.6, late_shift=1.0)
    matrix = np.column_stack([features[name] for name in FEATURES])
    latencies = np.empty(PREDICTIONS)
    with httpx.Client(base_url=url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as http:
        for index, row in enumerate(matrix):
            body = {
                "inputs": [
                    {"name": "input", "shape": [1, len(FEATURES)], "datatype": "FP64", "data": row.tolist()}
                ]
            }
            began = time.perf_counter()
            response = http.post(f"/v2/models/{MODEL}/infer", json=body)
            latencies[index] = time.perf_counter() - began
            if response.status_code != 200:
                raise ShipyardError(
                    f"prediction failed with HTTP {response.status_code}: {response.text[:200]}"
                )
            progress.advance(stage)
    return latencies


def _save_report(url: str, token: str, drift_id: str, home: Path) -> Path:
    """Keep the HTML report after the control plane stops (it is also served while it runs)."""
    response = httpx.get(
        f"{url}/api/v1/projects/{PROJECT}/drift/{drift_id}/report.html",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    path = home / "drift-report.html"
    path.write_text(response.text)
    return path


@contextmanager
def _control_plane(home: Path) -> Iterator[tuple[str, str]]:
    """Start ``shipyard server`` as its own process, as a user would, and stop it at the end."""
    from shipyard.processes import free_port, wait_for_http

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "control-plane.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "shipyard", "server", "--home", str(home), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        # The admin token is written before the server starts answering, so ready means usable.
        wait_for_http(f"{url}/readyz", process=process, what="control plane (see control-plane.log)")
        yield url, (home / "admin.token").read_text().strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        yield progress


def _done(progress: Progress, stage: Any) -> None:
    progress.update(stage, total=1, completed=1)


def _print_summary(summary: Summary, home: Path) -> None:
    results = Table(title="What happened", show_header=False)
    for key, value in summary.rows.items():
        results.add_row(key, value)
    drift = Table(title="Drift verdicts (served vs training)")
    for heading in ("column", "method", "statistic", "PSI", "verdict"):
        drift.add_column(heading)
    for column in summary.drift:
        drift.add_row(
            column["column"],
            column["method"],
            f"{column['statistic']:.3f}",
            f"{column['psi']:.3f}",
            "[red]drift[/red]" if column["drifted"] else "[green]stable[/green]",
        )
    links = Table(title="Where to look", show_header=False)
    links.add_column("what", no_wrap=True)
    links.add_column("value", overflow="fold")
    for key, value in summary.links.items():
        links.add_row(key, value)
    links.add_row("state folder", str(home))
    base = "http://127.0.0.1:8700/api/v1"
    browse = Table(
        title=f"Browse it: run `shipyard up --home {home}`, then with its token", show_header=False
    )
    browse.add_column("what", no_wrap=True)
    browse.add_column("url", overflow="fold")  # never cut a URL short, fold it
    for key, path in summary.urls.items():
        browse.add_row(key, base + path)
    browse.add_row("API docs", f"{base}/docs")
    console.print(results, drift, links, browse)
    console.print("[bold green]quickstart passed[/bold green]: every stage ran for real.")
