"""``shipyard.Client``: one SDK over an in-process or an HTTP backend."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from shipyard.config import Settings, load_settings
from shipyard.errors import InvalidInput, JobFailed
from shipyard.sdk.backend import Backend

if TYPE_CHECKING:
    import pyarrow as pa


class Client:
    """Talks HTTP when ``url`` (or ``SHIPYARD_SERVER_URL``) is set, else works in-process.

    Inside a Shipyard job the scheduler sets the URL, a scoped token, the project and the
    run id, so ``Client()`` and ``Client().active_run()`` need no arguments there.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        project: str | None = None,
        home: Path | str | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or load_settings(server_url=url, token=token, project=project, home=home)
        self.project = self.settings.project
        self._backend: Backend = self._open_backend(self.settings)

    @staticmethod
    def _open_backend(settings: Settings) -> Backend:
        if settings.server_url:
            from shipyard.sdk.http import HttpBackend

            return HttpBackend(settings)
        from shipyard.sdk.local import LocalBackend

        return LocalBackend(settings)

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identity and projects
    def whoami(self) -> dict[str, Any]:
        return self._backend.whoami()

    def projects(self) -> list[dict[str, Any]]:
        return self._backend.list_projects()

    def create_project(self, name: str, description: str = "") -> dict[str, Any]:
        return self._backend.create_project(name, description)

    def use_project(self, name: str) -> dict[str, Any]:
        """Work in ``name`` from now on, creating it (with you as its admin) if it is new."""
        project = self._backend.ensure_project(name)
        self.project = name
        return project

    # -- data
    def register_dataset(
        self,
        name: str,
        path: Path | str,
        *,
        format: str | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        """Upload a CSV or Parquet file as the next version; ``on_progress(bytes)`` sees it go."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"no such file: {path}")
        return self._backend.register_dataset(self.project, name, path, format, on_progress)

    def dataset_version(self, name: str, version: int | str = "latest") -> dict[str, Any]:
        return self._backend.dataset_version(self.project, name, str(version))

    def load_dataset(self, name: str, version: int | str = "latest") -> pa.Table:
        """A dataset version as an Arrow table (``.to_pandas()`` if pandas is installed)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pq.read_table(pa.BufferReader(self._backend.dataset_content(self.project, name, str(version))))

    # -- tracking
    def start_run(self, experiment: str = "default", name: str = "") -> ActiveRun:
        run = self._backend.create_run(self.project, experiment, name)
        return ActiveRun(self, run["id"])

    def active_run(self) -> ActiveRun:
        """The run the scheduler created for this job (``SHIPYARD_RUN_ID``)."""
        if not self.settings.run_id:
            raise InvalidInput("no active run: SHIPYARD_RUN_ID is not set (are we inside a job?)")
        return ActiveRun(self, self.settings.run_id, owned=False)

    def get_run(self, run_id: str) -> dict[str, Any]:
        return self._backend.get_run(self.project, run_id)

    # -- compute
    def submit_job(
        self, command: Sequence[str], *, name: str = "", env: Mapping[str, str] | None = None, cpus: float = 1
    ) -> dict[str, Any]:
        return self._backend.submit_job(self.project, name, list(command), dict(env or {}), cpus)

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._backend.get_job(self.project, job_id)

    def wait_job(
        self, job_id: str, *, timeout: float = 600, poll: float = 0.2, check: bool = True
    ) -> dict[str, Any]:
        """Block until the job ends; with ``check`` a failed job raises JobFailed."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get_job(job_id)
            if job["status"] in ("succeeded", "failed", "cancelled"):
                break
            if time.monotonic() > deadline:
                raise JobFailed(f"job {job_id} still {job['status']} after {timeout:.0f}s")
            time.sleep(poll)
        if check and job["status"] != "succeeded":
            tail = self.job_logs(job_id)[-2000:]
            raise JobFailed(f"job {job_id} {job['status']}: {job.get('error')}\n{tail}")
        return job

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        """Stop a job: a queued one never starts; a running one is terminated (its run ends as killed)."""
        return self._backend.cancel_job(self.project, job_id)

    def job_logs(self, job_id: str) -> str:
        return self._backend.job_logs(self.project, job_id)

    # -- registry
    def log_model(
        self,
        model: Any,
        name: str,
        *,
        feature_names: Sequence[str],
        task: str = "classification",
        run_id: str | None = None,
        dataset_version_id: str | None = None,
        metrics: Mapping[str, float] | None = None,
    ) -> dict[str, Any]:
        """Save a scikit-learn model with skops (never pickle) and register it as a new version."""
        from shipyard.registry import save_sklearn

        with tempfile.TemporaryDirectory(prefix="shipyard-log-model-") as scratch:
            directory = save_sklearn(model, Path(scratch) / "model", feature_names=feature_names, task=task)
            return self.register_model_dir(
                name, directory, run_id=run_id, dataset_version_id=dataset_version_id, metrics=metrics
            )

    def register_model_dir(
        self,
        name: str,
        directory: Path | str,
        *,
        run_id: str | None = None,
        dataset_version_id: str | None = None,
        metrics: Mapping[str, float] | None = None,
    ) -> dict[str, Any]:
        return self._backend.register_model(
            self.project, name, Path(directory), run_id, dataset_version_id, dict(metrics or {})
        )

    def model_version(self, name: str, version: int | str = "latest") -> dict[str, Any]:
        return self._backend.model_version(self.project, name, str(version))

    # -- serving and monitoring
    def deploy(self, name: str, model: str, version: int | str = "latest") -> dict[str, Any]:
        return self._backend.deploy(self.project, name, model, str(version))

    def get_deployment(self, name: str) -> dict[str, Any]:
        return self._backend.get_deployment(self.project, name)

    def stop_deployment(self, name: str) -> dict[str, Any]:
        return self._backend.stop_deployment(self.project, name)

    def drift(
        self, deployment: str, *, dataset: str | None = None, version: int | str = "latest"
    ) -> dict[str, Any]:
        return self._backend.drift(self.project, deployment, dataset, str(version))

    def drift_reports(self, deployment: str) -> list[dict[str, Any]]:
        """A deployment's drift reports, newest first."""
        return self._backend.drift_reports(self.project, deployment)


class ActiveRun:
    """A run being logged to; as a context manager it ends as finished, or failed on error."""

    def __init__(self, client: Client, run_id: str, *, owned: bool = True) -> None:
        self.client = client
        self.id = run_id
        self._owned = owned

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.client._backend.log_params(self.client.project, self.id, dict(params))

    def log_metric(self, key: str, value: float, step: int = 0) -> None:
        self.log_metrics({key: value}, step=step)

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        points = [{"key": k, "value": float(v), "step": step} for k, v in metrics.items()]
        self.client._backend.log_metrics(self.client.project, self.id, points)

    def use_dataset(self, dataset_version_id: str) -> None:
        self.client._backend.add_input(self.client.project, self.id, dataset_version_id)

    def finish(self, status: str = "finished") -> dict[str, Any]:
        return self.client._backend.finish_run(self.client.project, self.id, status)

    def info(self) -> dict[str, Any]:
        return self.client.get_run(self.id)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._owned:
            self.finish("failed" if exc_type else "finished")
