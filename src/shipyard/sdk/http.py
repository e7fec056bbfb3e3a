"""HTTP backend: the same operations against a running control plane."""

from __future__ import annotations

import json
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from shipyard.config import Settings
from shipyard.errors import PROBLEM_TYPE_PREFIX, ShipyardError, Unauthenticated, error_for_code
from shipyard.sdk.backend import Progress

API = "/api/v1"


class HttpBackend:
    def __init__(self, settings: Settings, *, timeout: float = 120.0) -> None:
        if not settings.token:
            raise Unauthenticated("no token: set SHIPYARD_TOKEN or pass token=... (see 'shipyard up')")
        self.base_url = (settings.server_url or "").rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers={"Authorization": f"Bearer {settings.token}"}
        )

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, API + path, **kwargs)
        except httpx.TransportError as exc:
            raise ShipyardError(f"cannot reach the control plane at {self.base_url}: {exc}") from None
        if response.status_code >= 400:
            raise _problem_to_error(response)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    # -- identity and projects
    def whoami(self) -> dict[str, Any]:
        return self._call("GET", "/whoami")

    def list_projects(self) -> list[dict[str, Any]]:
        return self._call("GET", "/projects")["items"]

    def create_project(self, name: str, description: str = "") -> dict[str, Any]:
        return self._call("POST", "/projects", json={"name": name, "description": description})

    def ensure_project(self, name: str) -> dict[str, Any]:
        from shipyard.errors import NotFound

        try:
            return self._call("GET", f"/projects/{name}")
        except NotFound:
            return self.create_project(name)

    # -- data
    def register_dataset(
        self, project: str, name: str, path: Path, fmt: str | None, on_progress: Progress | None = None
    ) -> dict[str, Any]:
        params = {"filename": path.name} | ({"format": fmt} if fmt else {})
        with path.open("rb") as body:
            return self._call(
                "POST",
                f"/projects/{project}/datasets/{name}/versions",
                content=_chunks(body, on_progress) if on_progress else body,
                params=params,
                headers={"Content-Type": "application/octet-stream"},
            )

    def dataset_version(self, project: str, name: str, version: str) -> dict[str, Any]:
        return self._call("GET", f"/projects/{project}/datasets/{name}/versions/{version}")

    def dataset_content(self, project: str, name: str, version: str) -> bytes:
        response = self._client.get(f"{API}/projects/{project}/datasets/{name}/versions/{version}/content")
        if response.status_code >= 400:
            raise _problem_to_error(response)
        return response.content

    # -- tracking
    def create_run(self, project: str, experiment: str, name: str) -> dict[str, Any]:
        return self._call("POST", f"/projects/{project}/runs", json={"experiment": experiment, "name": name})

    def get_run(self, project: str, run_id: str) -> dict[str, Any]:
        return self._call("GET", f"/projects/{project}/runs/{run_id}")

    def log_params(self, project: str, run_id: str, params: dict[str, Any]) -> None:
        self._call("POST", f"/projects/{project}/runs/{run_id}/params", json={"params": params})

    def log_metrics(self, project: str, run_id: str, metrics: list[dict[str, Any]]) -> None:
        self._call("POST", f"/projects/{project}/runs/{run_id}/metrics", json={"metrics": metrics})

    def add_input(self, project: str, run_id: str, dataset_version_id: str) -> None:
        self._call(
            "POST",
            f"/projects/{project}/runs/{run_id}/inputs",
            json={"dataset_version_id": dataset_version_id},
        )

    def finish_run(self, project: str, run_id: str, status: str) -> dict[str, Any]:
        return self._call("POST", f"/projects/{project}/runs/{run_id}/finish", json={"status": status})

    # -- compute
    def submit_job(
        self, project: str, name: str, command: list[str], env: dict[str, str], cpus: float
    ) -> dict[str, Any]:
        return self._call(
            "POST",
            f"/projects/{project}/jobs",
            json={"name": name, "command": command, "env": env, "cpus": cpus},
        )

    def get_job(self, project: str, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/projects/{project}/jobs/{job_id}")

    def cancel_job(self, project: str, job_id: str) -> dict[str, Any]:
        return self._call("POST", f"/projects/{project}/jobs/{job_id}/cancel")

    def job_logs(self, project: str, job_id: str) -> str:
        return self._call("GET", f"/projects/{project}/jobs/{job_id}/logs") or ""

    # -- registry
    def register_model(
        self,
        project: str,
        name: str,
        directory: Path,
        run_id: str | None,
        dataset_version_id: str | None,
        metrics: dict[str, float],
    ) -> dict[str, Any]:
        params: dict[str, str] = {"metrics": json.dumps(metrics)}
        if run_id:
            params["run_id"] = run_id
        if dataset_version_id:
            params["dataset_version_id"] = dataset_version_id
        with tempfile.TemporaryFile(prefix="shipyard-model-") as archive:
            _tar(directory, archive)
            archive.seek(0)
            return self._call(
                "POST",
                f"/projects/{project}/models/{name}/versions",
                content=archive,  # streamed from disk: model files can be gigabytes
                params=params,
                headers={"Content-Type": "application/x-tar"},
            )

    def model_version(self, project: str, name: str, version: str) -> dict[str, Any]:
        return self._call("GET", f"/projects/{project}/models/{name}/versions/{version}")

    # -- serving and monitoring
    def deploy(self, project: str, name: str, model: str, version: str) -> dict[str, Any]:
        return self._call(
            "POST",
            f"/projects/{project}/deployments",
            json={"name": name, "model": model, "version": str(version)},
        )

    def get_deployment(self, project: str, name: str) -> dict[str, Any]:
        return self._call("GET", f"/projects/{project}/deployments/{name}")

    def stop_deployment(self, project: str, name: str) -> dict[str, Any]:
        return self._call("DELETE", f"/projects/{project}/deployments/{name}")

    def drift(self, project: str, deployment: str, dataset: str | None, version: str) -> dict[str, Any]:
        return self._call(
            "POST",
            f"/projects/{project}/deployments/{deployment}/drift",
            json={"dataset": dataset, "version": str(version)},
        )

    def drift_reports(self, project: str, deployment: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/projects/{project}/deployments/{deployment}/drift")["items"]


def _chunks(body: BinaryIO, on_progress: Progress, size: int = 1 << 20) -> Iterator[bytes]:
    """Stream a file and report each chunk as it goes out (for progress bars)."""
    while chunk := body.read(size):
        yield chunk
        on_progress(len(chunk))


def _tar(directory: Path, archive: BinaryIO) -> None:
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(directory)))


def _problem_to_error(response: httpx.Response) -> ShipyardError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("detail") or f"HTTP {response.status_code} from {response.request.url.path}"
    code = str(body.get("type", "")).removeprefix(PROBLEM_TYPE_PREFIX)
    return error_for_code(code)(detail)
