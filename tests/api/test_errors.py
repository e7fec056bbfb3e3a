"""Every user mistake is a 4xx problem+json document, never a 500, and never damages stored data."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipyard import security
from shipyard.api.app import create_app
from shipyard.config import Settings
from shipyard.platform import open_platform

PROBLEM = "application/problem+json"
V1 = "/api/v1"
CSV = b"x,y\n1,2\n3,4\n"
MAX_JSON = 2048
MAX_BODY = 4096


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].startswith("urn:shipyard:problem:")
    if code is not None:
        assert body["type"] == f"urn:shipyard:problem:{code}"
    assert body["status"] == status
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    return body


class Seeded:
    """An API with a project ``a`` holding one run and one dataset version, to check afterwards."""

    def __init__(self, client: TestClient, admin_token: str) -> None:
        self.client = client
        self.h = {"Authorization": f"Bearer {admin_token}"}
        assert client.post(f"{V1}/projects", json={"name": "a"}, headers=self.h).status_code == 201
        run = client.post(f"{V1}/projects/a/runs", json={"name": "kept"}, headers=self.h)
        assert run.status_code == 201
        self.run_id = run.json()["id"]
        version = self.upload("iris", CSV)
        assert version.status_code == 201, version.text
        self.version = version.json()

    def upload(self, dataset: str, content: Any, **params: str) -> Any:
        return self.client.post(
            f"{V1}/projects/a/datasets/{dataset}/versions",
            params=params,
            content=content,
            headers={**self.h, "Content-Type": "text/csv"},
        )

    def assert_intact(self) -> None:
        """The seeded project, run and dataset version are still there, unchanged."""
        projects = self.client.get(f"{V1}/projects", headers=self.h).json()["items"]
        assert "a" in [p["name"] for p in projects]
        runs = self.client.get(f"{V1}/projects/a/runs", headers=self.h).json()["items"]
        assert (self.run_id, "kept", "running") in [(r["id"], r["name"], r["status"]) for r in runs]
        versions = self.client.get(f"{V1}/projects/a/datasets/iris/versions", headers=self.h).json()["items"]
        assert self.version in versions
        datasets = self.client.get(f"{V1}/projects/a/datasets", headers=self.h).json()["items"]
        assert "iris" in [d["name"] for d in datasets]
        content = self.client.get(f"{V1}/projects/a/datasets/iris/versions/1/content", headers=self.h)
        assert content.status_code == 200 and content.content[:4] == b"PAR1"


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    """A platform with small body limits, so oversized requests stay cheap."""
    settings = Settings(home=tmp_path / "small", max_json_bytes=MAX_JSON, max_body_bytes=MAX_BODY)
    platform = open_platform(settings)
    try:
        with platform.db.session() as session:
            issued = security.bootstrap(session)
        assert issued is not None
        with TestClient(create_app(platform, run_scheduler=False), raise_server_exceptions=False) as client:
            state = Seeded(client, issued.secret)
            yield state
            state.assert_intact()  # every test leaves the seeded data as it was
    finally:
        platform.close()


def expect_all(cases: list[Any], send: Any, status: int, code: str | None = None) -> None:
    """Send every case; report all that did not get the expected problem, not just the first."""
    failures = []
    for case in cases:
        try:
            assert_problem(send(case), status, code)
        except AssertionError as exc:
            failures.append(f"{case!r}: {str(exc).splitlines()[0]}")
    assert failures == []


def post_raw_json(s: Seeded, path: str, raw: bytes) -> Any:
    return s.client.post(path, content=raw, headers={**s.h, "Content-Type": "application/json"})


# --- malformed and invalid JSON -------------------------------------------------------------


MALFORMED = [b"{", b'{"name": "x",}', b"not json at all", b"\xff\xfe{}"]


def test_malformed_json_is_400(seeded: Seeded) -> None:
    run = f"{V1}/projects/a/runs/{seeded.run_id}/metrics"
    for raw in MALFORMED:
        assert_problem(post_raw_json(seeded, f"{V1}/projects", raw), 400, "bad-request")
        assert_problem(post_raw_json(seeded, run, raw), 400, "bad-request")


WRONG_TYPES = [
    (f"{V1}/projects", {"name": 5}),
    (f"{V1}/projects", {"name": ["a"]}),
    (f"{V1}/projects", {}),
    (f"{V1}/projects", []),
    (f"{V1}/projects/a/runs", {"experiment": {"nested": True}}),
    (f"{V1}/projects/a/jobs", {"command": "echo hi"}),
    (f"{V1}/projects/a/jobs", {"command": ["true"], "cpus": -1}),
    (f"{V1}/tokens", {"ttl_hours": "forever"}),
    (f"{V1}/projects/a/deployments", {"name": "d"}),
]


def test_wrong_types_are_422(seeded: Seeded) -> None:
    expect_all(
        WRONG_TYPES, lambda c: seeded.client.post(c[0], json=c[1], headers=seeded.h), 422, "invalid-input"
    )
    problem = seeded.client.post(f"{V1}/projects", json={"name": 5}, headers=seeded.h).json()
    assert problem["errors"][0]["loc"] == ["body", "name"]


def test_non_finite_metrics_and_huge_steps_are_422(seeded: Seeded) -> None:
    url = f"{V1}/projects/a/runs/{seeded.run_id}/metrics"
    for metric in (
        {"key": "m", "value": "Infinity"},
        {"key": "m", "value": "NaN"},
        {"key": "m", "value": 1.0, "step": 10**30},
    ):
        response = seeded.client.post(url, json={"metrics": [metric]}, headers=seeded.h)
        assert_problem(response, 422, "invalid-input")


def test_wrong_metric_types_are_422(seeded: Seeded) -> None:
    path = f"{V1}/projects/a/runs/{seeded.run_id}/metrics"
    for body in (
        {"metrics": [{"key": "a", "value": "x"}]},
        {"metrics": [{"key": "a", "value": 1.0, "step": "first"}]},
        {"metrics": {"a": 1.0}},
    ):
        problem = assert_problem(seeded.client.post(path, json=body, headers=seeded.h), 422, "invalid-input")
        assert any("metrics" in e["loc"] for e in problem["errors"]), problem
    run = seeded.client.get(f"{V1}/projects/a/runs/{seeded.run_id}", headers=seeded.h).json()
    assert run["metrics"] == {}


UNKNOWN_FIELDS = [
    (f"{V1}/projects", {"name": "b", "owner": "me"}),
    (f"{V1}/projects/a/runs", {"name": "r", "status": "finished"}),
    (f"{V1}/tokens", {"name": "t", "is_admin": True}),
    (f"{V1}/principals", {"name": "p", "password": "x"}),
]


def test_unknown_fields_are_422(seeded: Seeded) -> None:
    def send(case: tuple[str, dict[str, Any]]) -> Any:
        response = seeded.client.post(case[0], json=case[1], headers=seeded.h)
        assert "extra" in json.dumps(response.json().get("errors", [])).lower(), response.text
        return response

    expect_all(UNKNOWN_FIELDS, send, 422, "invalid-input")
    names = [p["name"] for p in seeded.client.get(f"{V1}/projects", headers=seeded.h).json()["items"]]
    assert "b" not in names


def test_bad_query_parameters_are_422(seeded: Seeded) -> None:
    for query in ({"limit": 0}, {"limit": "many"}, {"offset": -1}, {"offset": 10**30}):
        response = seeded.client.get(f"{V1}/projects/a/runs", params=query, headers=seeded.h)
        assert_problem(response, 422, "invalid-input")
    for version in ("first", "9" * 30):
        bad_version = seeded.client.get(f"{V1}/projects/a/datasets/iris/versions/{version}", headers=seeded.h)
        assert_problem(bad_version, 422, "invalid-input")


# --- missing objects, names and conflicts ---------------------------------------------------


UNKNOWN_IDS = [
    f"{V1}/projects/nope",
    f"{V1}/projects/a/runs/run_missing",
    f"{V1}/projects/a/runs/run_missing/metrics/loss",
    f"{V1}/projects/a/jobs/job_missing",
    f"{V1}/projects/a/jobs/job_missing/logs",
    f"{V1}/projects/a/datasets/missing/versions",
    f"{V1}/projects/a/datasets/missing/versions/1",
    f"{V1}/projects/a/datasets/iris/versions/99",
    f"{V1}/projects/a/models/missing/versions",
    f"{V1}/projects/a/models/missing/versions/latest",
    f"{V1}/projects/a/deployments/missing",
    f"{V1}/projects/a/drift/dft_missing",
    f"{V1}/projects/a/drift/dft_missing/report.html",
]


def test_unknown_ids_are_404(seeded: Seeded) -> None:
    expect_all(UNKNOWN_IDS, lambda path: seeded.client.get(path, headers=seeded.h), 404, "not-found")


def test_unknown_ids_in_writes_are_404(seeded: Seeded) -> None:
    h = seeded.h
    cases = [
        ("POST", f"{V1}/projects/a/runs/run_missing/params", {"params": {"a": 1}}),
        ("POST", f"{V1}/projects/a/runs/run_missing/finish", {}),
        ("POST", f"{V1}/projects/a/runs/{seeded.run_id}/inputs", {"dataset_version_id": "dsv_missing"}),
        ("POST", f"{V1}/projects/a/deployments", {"name": "d", "model": "missing"}),
        ("POST", f"{V1}/projects/a/deployments/missing/drift", {}),
        ("DELETE", f"{V1}/projects/a/deployments/missing", None),
        ("DELETE", f"{V1}/tokens/tok_missing", None),
        ("PUT", f"{V1}/projects/a/members/nobody", {"role": "viewer"}),
        ("DELETE", f"{V1}/projects/a/members/nobody", None),
    ]
    expect_all(cases, lambda c: seeded.client.request(c[0], c[1], json=c[2], headers=h), 404, "not-found")


def test_invalid_project_names_are_422(seeded: Seeded) -> None:
    names = ["../x", "..", "a b", "-leading", ".hidden", "x" * 101, "ü", "a/b", "", "a\x00b"]
    expect_all(
        names,
        lambda name: seeded.client.post(f"{V1}/projects", json={"name": name}, headers=seeded.h),
        422,
        "invalid-input",
    )


def test_invalid_object_names_are_422(seeded: Seeded) -> None:
    assert_problem(seeded.upload("bad name", CSV), 422, "invalid-input")
    assert_problem(seeded.upload("-dash", CSV), 422, "invalid-input")
    response = seeded.client.post(f"{V1}/principals", json={"name": "../root"}, headers=seeded.h)
    assert_problem(response, 422, "invalid-input")
    response = seeded.client.put(f"{V1}/projects/a/members/admin", json={"role": "owner"}, headers=seeded.h)
    assert_problem(response, 422, "invalid-input")


def test_duplicate_project_is_409(seeded: Seeded) -> None:
    response = seeded.client.post(f"{V1}/projects", json={"name": "a"}, headers=seeded.h)
    assert_problem(response, 409, "conflict")
    response = seeded.client.post(f"{V1}/principals", json={"name": "admin"}, headers=seeded.h)
    assert_problem(response, 409, "conflict")


def test_refinishing_a_run_differently_is_409(seeded: Seeded) -> None:
    run = seeded.client.post(f"{V1}/projects/a/runs", json={"name": "tmp"}, headers=seeded.h).json()["id"]
    path = f"{V1}/projects/a/runs/{run}/finish"
    assert seeded.client.post(path, json={}, headers=seeded.h).status_code == 200
    # Repeating the same finish is idempotent; a different end state conflicts.
    assert seeded.client.post(path, json={}, headers=seeded.h).json()["status"] == "finished"
    assert_problem(seeded.client.post(path, json={"status": "failed"}, headers=seeded.h), 409, "conflict")
    logged = seeded.client.post(
        f"{V1}/projects/a/runs/{run}/metrics", json={"metrics": [{"key": "a", "value": 1}]}, headers=seeded.h
    )
    assert 400 <= logged.status_code < 500
    bad_status = seeded.client.post(
        f"{V1}/projects/a/runs/{seeded.run_id}/finish", json={"status": "exploded"}, headers=seeded.h
    )
    assert_problem(bad_status, 422, "invalid-input")


# --- body limits ----------------------------------------------------------------------------


def test_oversized_json_is_413(seeded: Seeded) -> None:
    body = {"name": "big", "description": "x" * (MAX_JSON + 10)}
    assert_problem(
        seeded.client.post(f"{V1}/projects", json=body, headers=seeded.h), 413, "payload-too-large"
    )
    points = [{"key": "loss", "value": 0.5, "step": i} for i in range(200)]
    response = seeded.client.post(
        f"{V1}/projects/a/runs/{seeded.run_id}/metrics", json={"metrics": points}, headers=seeded.h
    )
    assert_problem(response, 413, "payload-too-large")


def test_json_just_under_the_limit_is_accepted(seeded: Seeded) -> None:
    # The JSON limit is what decides: this body is small enough.
    body = {"name": "fits", "description": "x" * 1500}
    response = seeded.client.post(f"{V1}/projects", json=body, headers=seeded.h)
    assert response.status_code == 201


def _chunks(total: int, size: int = 512) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_streamed_json_without_content_length_is_413(seeded: Seeded) -> None:
    raw = json.dumps({"name": "big", "description": "x" * (MAX_JSON * 2)}).encode()

    def body() -> Iterator[bytes]:
        for start in range(0, len(raw), 500):
            yield raw[start : start + 500]

    response = seeded.client.post(
        f"{V1}/projects", content=body(), headers={**seeded.h, "Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload-too-large")


def test_oversized_upload_is_413(seeded: Seeded) -> None:
    big = b"x,y\n" + b"1,2\n" * (MAX_BODY // 4 + 10)
    assert len(big) > MAX_BODY
    assert_problem(seeded.upload("iris", big), 413, "payload-too-large")
    assert_problem(seeded.upload("other", big), 413, "payload-too-large")


def test_streamed_upload_without_content_length_is_413(seeded: Seeded) -> None:
    response = seeded.upload("iris", _chunks(MAX_BODY * 3))
    assert "content-length" not in response.request.headers
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_problem(response, 413, "payload-too-large")
    assert_problem(seeded.upload("streamed", _chunks(MAX_BODY + 1)), 413, "payload-too-large")


def test_streamed_upload_under_the_limit_is_accepted(seeded: Seeded) -> None:
    def body() -> Iterator[bytes]:
        yield b"x,y\n"
        yield b"5,6\n"

    response = seeded.upload("iris", body())
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 2


# --- uploads --------------------------------------------------------------------------------


def test_empty_upload_is_400(seeded: Seeded) -> None:
    assert_problem(seeded.upload("iris", b""), 400, "bad-request")
    assert_problem(seeded.upload("fresh", b""), 400, "bad-request")
    assert_problem(seeded.upload("fresh", iter([b""])), 400, "bad-request")


def test_garbage_binary_upload_is_422(seeded: Seeded) -> None:
    garbage = os.urandom(1500).replace(b"\n", b"")
    for fmt in (None, "csv", "parquet"):
        params = {"format": fmt} if fmt else {}
        assert_problem(seeded.upload("iris", garbage, **params), 422)
        assert_problem(seeded.upload("junk", garbage, **params), 422)
    assert_problem(seeded.upload("junk", b"\x00\x01\x02PAR1\xff" * 50, format="csv"), 422)


def test_garbage_model_upload_is_422(seeded: Seeded) -> None:
    response = seeded.client.post(
        f"{V1}/projects/a/models/m/versions",
        content=os.urandom(1000),
        headers={**seeded.h, "Content-Type": "application/x-tar"},
    )
    assert_problem(response, 422, "invalid-input")
    empty = seeded.client.post(
        f"{V1}/projects/a/models/m/versions",
        content=b"",
        headers={**seeded.h, "Content-Type": "application/x-tar"},
    )
    assert_problem(empty, 400, "bad-request")
    bad_metrics = seeded.client.post(
        f"{V1}/projects/a/models/m/versions",
        params={"metrics": "[1, 2]"},
        content=b"x",
        headers={**seeded.h, "Content-Type": "application/x-tar"},
    )
    assert_problem(bad_metrics, 422, "invalid-input")


def test_tar_with_escaping_member_is_422(seeded: Seeded) -> None:
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("../../escape.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    response = seeded.client.post(
        f"{V1}/projects/a/models/m/versions",
        content=buffer.getvalue(),
        headers={**seeded.h, "Content-Type": "application/x-tar"},
    )
    assert_problem(response, 422)


def test_bad_upload_query_is_422(seeded: Seeded) -> None:
    assert_problem(seeded.upload("iris", CSV, format="xlsx"), 422, "invalid-input")


# --- routing --------------------------------------------------------------------------------


def test_unknown_route_is_404(seeded: Seeded) -> None:
    paths = [f"{V1}/nope", "/nope", f"{V1}/projects/a/runs/x/y/z", "/api/v2/projects", "/"]
    expect_all(paths, lambda path: seeded.client.get(path, headers=seeded.h), 404, "not-found")
    expect_all(paths, lambda path: seeded.client.get(path), 404, "not-found")


WRONG_METHODS = [
    ("DELETE", f"{V1}/projects"),
    ("PATCH", f"{V1}/projects/a"),
    ("PUT", f"{V1}/projects/a/runs"),
    ("POST", "/healthz"),
    ("DELETE", f"{V1}/audit"),
]


def test_wrong_method_is_405(seeded: Seeded) -> None:
    def send(case: tuple[str, str]) -> Any:
        response = seeded.client.request(case[0], case[1], headers=seeded.h)
        assert "allow" in response.headers, response.headers
        return response

    expect_all(WRONG_METHODS, send, 405, "method-not-allowed")
