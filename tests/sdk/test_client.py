"""The SDK: the in-process and HTTP backends run the same service code and answer alike."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sklearn.linear_model import LogisticRegression

from shipyard import Client
from shipyard.errors import Conflict, InvalidInput, JobFailed, NotFound, UnsafeArtifact

FEATURES = ["a", "b", "c"]


def _csv(path: Path, rows: int = 300, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    table = pa.table(
        {"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": (x[:, 0] + x[:, 1] > 0).astype(np.int64)}
    )
    pacsv.write_csv(table, path)
    return path


def test_dataset_versions_are_content_addressed(client: Client, tmp_path: Path) -> None:
    first = client.register_dataset("table", _csv(tmp_path / "a.csv"))
    again = client.register_dataset("table", _csv(tmp_path / "b.csv"))  # same bytes, other file
    changed = client.register_dataset("table", _csv(tmp_path / "c.csv", seed=1))
    assert first["version"] == 1 and again["id"] == first["id"]
    assert changed["version"] == 2 and changed["digest"] != first["digest"]
    assert first["num_rows"] == 300
    assert [c["name"] for c in first["schema"]] == ["a", "b", "c", "y"]
    assert first["stats"]["a"]["kind"] == "numeric"
    table = client.load_dataset("table", 1)
    assert table.num_rows == 300 and table.column_names == ["a", "b", "c", "y"]


def test_parquet_and_csv_of_the_same_table_share_a_version(client: Client, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    csv_path = _csv(tmp_path / "a.csv")
    pq.write_table(pacsv.read_csv(csv_path), tmp_path / "a.parquet")
    first = client.register_dataset("t", csv_path)
    second = client.register_dataset("t", tmp_path / "a.parquet")
    assert second["id"] == first["id"]


def test_bad_dataset_files_are_refused(client: Client, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("a,b\n")
    with pytest.raises(InvalidInput, match="no rows"):
        client.register_dataset("t", tmp_path / "empty.csv")
    (tmp_path / "dup.csv").write_text("a,a\n1,2\n")
    with pytest.raises(InvalidInput, match="duplicate"):
        client.register_dataset("t", tmp_path / "dup.csv")
    with pytest.raises(InvalidInput, match="no such file"):
        client.register_dataset("t", tmp_path / "missing.csv")


def test_runs_params_metrics_and_lineage(client: Client, tmp_path: Path) -> None:
    version = client.register_dataset("table", _csv(tmp_path / "a.csv"))
    with client.start_run("exp", "first") as run:
        run.use_dataset(version["id"])
        run.log_params({"C": 1.0, "solver": "lbfgs"})
        for step in range(3):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
        with pytest.raises(Conflict):
            run.log_params({"C": 2.0})  # parameters are immutable
    info = client.get_run(run.id)
    assert info["status"] == "finished"
    assert info["params"] == {"C": "1.0", "solver": "lbfgs"}
    assert info["metrics"]["loss"] == pytest.approx(1 / 3)
    assert info["inputs"] == [version["id"]]
    with pytest.raises(Conflict):
        run.log_metric("late", 1.0)  # an ended run takes no more metrics


def test_failed_block_marks_the_run_failed(client: Client) -> None:
    with pytest.raises(RuntimeError), client.start_run() as run:
        raise RuntimeError("training blew up")
    assert client.get_run(run.id)["status"] == "failed"


def test_model_registration_records_lineage_and_refuses_pickle(client: Client, tmp_path: Path) -> None:
    version = client.register_dataset("table", _csv(tmp_path / "a.csv"))
    table = client.load_dataset("table")
    x = np.column_stack([table.column(n).to_numpy() for n in FEATURES])
    model = LogisticRegression().fit(x, table.column("y").to_numpy())
    with client.start_run() as run:
        registered = client.log_model(
            model,
            "clf",
            feature_names=FEATURES,
            run_id=run.id,
            dataset_version_id=version["id"],
            metrics={"acc": 0.9},
        )
    assert registered["version"] == 1 and registered["flavor"] == "skops"
    assert registered["run_id"] == run.id and registered["dataset_version_id"] == version["id"]
    assert [i["name"] for i in registered["signature"]["inputs"]] == FEATURES
    assert client.model_version("clf", "latest")["id"] == registered["id"]

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    (bad / "shipyard-model.json").write_text('{"flavor": "skops", "file": "model.pkl"}')
    with pytest.raises(UnsafeArtifact, match="pickle"):
        client.register_model_dir("clf", bad)
    with pytest.raises(NotFound):
        client.log_model(model, "clf", feature_names=FEATURES, run_id="run_missing")
    assert client.model_version("clf")["version"] == 1  # nothing half-registered


def test_jobs_run_as_subprocesses(client: Client) -> None:
    ok = client.submit_job([sys.executable, "-c", "print('hello from the job')"], name="hello")
    finished = client.wait_job(ok["id"], timeout=60)
    assert finished["status"] == "succeeded" and finished["exit_code"] == 0
    assert "hello from the job" in client.job_logs(ok["id"])
    assert client.get_run(finished["run_id"])["status"] == "finished"

    bad = client.submit_job([sys.executable, "-c", "import sys; sys.exit(3)"], name="fails")
    with pytest.raises(JobFailed, match="exited with code 3"):
        client.wait_job(bad["id"], timeout=60)
    assert client.get_job(bad["id"])["exit_code"] == 3


def test_job_environment_cannot_override_shipyard_variables(client: Client) -> None:
    with pytest.raises(InvalidInput, match="SHIPYARD_TOKEN"):
        client.submit_job(["true"], env={"SHIPYARD_TOKEN": "forged"})


@pytest.mark.slow
def test_deploy_predict_and_drift(client: Client, tmp_path: Path) -> None:
    import time

    import httpx

    version = client.register_dataset("table", _csv(tmp_path / "a.csv", rows=600))
    table = client.load_dataset("table")
    x = np.column_stack([table.column(n).to_numpy() for n in FEATURES])
    model = LogisticRegression().fit(x, table.column("y").to_numpy())
    client.log_model(model, "clf", feature_names=FEATURES, dataset_version_id=version["id"])
    created = client.deploy("live", "clf")
    headers = {"Authorization": f"Bearer {created['token']}"}
    with pytest.raises(InvalidInput, match="served no predictions"):
        client.drift("live")
    deployment = client.get_deployment("live")
    assert deployment["status"] == "running" and "token" not in deployment  # shown once, at creation

    shifted = np.random.default_rng(5).normal(loc=[3.0, 0.0, 0.0], size=(200, 3))
    body = {
        "inputs": [
            {
                "name": "input",
                "shape": list(shifted.shape),
                "datatype": "FP64",
                "data": shifted.ravel().tolist(),
            }
        ]
    }
    infer_url = f"{deployment['url']}/v2/models/clf/infer"
    assert httpx.post(infer_url, json=body, timeout=10).status_code == 401  # no token, no predictions
    response = httpx.post(infer_url, json=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["outputs"][0]["shape"] == [200]

    deadline = time.monotonic() + 15
    while True:  # the server's prediction log is flushed by a background thread
        try:
            report = client.drift("live")
            if report["current_rows"] == 200 or time.monotonic() > deadline:
                break
        except InvalidInput:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)
    verdicts = {c["column"]: c["drifted"] for c in report["report"]["columns"]}
    assert verdicts == {"a": True, "b": False, "c": False}  # only "a" was shifted; "y" is not an input
    assert report["current_rows"] == 200
    assert [r["id"] for r in client.drift_reports("live")] == [report["id"]]

    assert client.stop_deployment("live")["status"] == "stopped"
    deadline = time.monotonic() + 10
    with pytest.raises(httpx.TransportError):
        while time.monotonic() < deadline:
            httpx.get(f"{deployment['url']}/v2/health/live", timeout=1)
            time.sleep(0.1)


def test_cancel_a_running_job(client: Client) -> None:
    import time

    job = client.submit_job(
        [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(120)"]
    )
    deadline = time.monotonic() + 30
    while client.get_job(job["id"])["status"] != "running":
        assert time.monotonic() < deadline, "job never started"
        time.sleep(0.1)
    assert client.cancel_job(job["id"])["status"] == "cancelling"
    ended = client.wait_job(job["id"], timeout=30, check=False)
    assert ended["status"] == "cancelled" and ended["exit_code"] != 0
    assert client.get_run(ended["run_id"])["status"] == "killed"
    assert client.cancel_job(job["id"])["status"] == "cancelled"  # idempotent

    done = client.wait_job(client.submit_job([sys.executable, "-c", "pass"])["id"], timeout=60)
    with pytest.raises(Conflict, match="already ended"):
        client.cancel_job(done["id"])
