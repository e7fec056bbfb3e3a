"""In-process backend: calls the services directly against the embedded state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipyard import compute, data, monitoring, registry, security, serving, tracking
from shipyard.api import serializers
from shipyard.config import Settings
from shipyard.ids import parse_version
from shipyard.platform import open_platform
from shipyard.sdk.backend import Progress
from shipyard.security import Identity, Project, Role


class LocalBackend:
    def __init__(self, settings: Settings) -> None:
        self.platform = open_platform(settings)
        with self.platform.db.session() as session:
            self.identity: Identity = security.local_identity(session)
        self._scheduler: Any = None

    def close(self) -> None:
        self.platform.close()

    # -- helpers
    def _project(self, session: Any, ref: str, role: Role = Role.VIEWER) -> Project:
        return security.resolve_project(session, self.identity, ref, role)

    @property
    def _actor(self) -> security.Actor:
        return self.identity.actor

    # -- identity and projects
    def whoami(self) -> dict[str, Any]:
        return {
            "principal_id": self.identity.principal_id,
            "name": self.identity.name,
            "kind": "user",
            "is_admin": True,
            "token_id": None,
            "token_project_id": None,
        }

    def list_projects(self) -> list[dict[str, Any]]:
        with self.platform.db.session() as session:
            return [serializers.project(p) for p in security.visible_projects(session, self.identity)]

    def create_project(self, name: str, description: str = "") -> dict[str, Any]:
        with self.platform.db.session() as session:
            return serializers.project(security.create_project(session, self.identity, name, description))

    def ensure_project(self, name: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            return serializers.project(security.ensure_project(session, self.identity, name))

    # -- data
    def register_dataset(
        self, project: str, name: str, path: Path, fmt: str | None, on_progress: Progress | None = None
    ) -> dict[str, Any]:
        if on_progress:
            on_progress(path.stat().st_size)  # in-process: the file is read in one step below
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            version = data.register_version(
                session, self.platform.blobs, self._actor, proj, name, path, fmt=fmt
            )
            return serializers.dataset_version(version, name)

    def dataset_version(self, project: str, name: str, version: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            found = data.get_version(session, self._project(session, project), name, parse_version(version))
            return serializers.dataset_version(found, name)

    def dataset_content(self, project: str, name: str, version: str) -> bytes:
        with self.platform.db.session() as session:
            found = data.get_version(session, self._project(session, project), name, parse_version(version))
        return self.platform.blobs.read_bytes(found.digest)

    # -- tracking
    def create_run(self, project: str, experiment: str, name: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            return serializers.run(
                tracking.create_run(session, self._actor, proj, experiment=experiment, name=name)
            )

    def get_run(self, project: str, run_id: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            run = tracking.get_run(session, self._project(session, project), run_id)
            return serializers.run(
                run,
                params=tracking.run_params(session, run),
                metrics=tracking.latest_metrics(session, run),
                inputs=tracking.run_inputs(session, run),
            )

    def log_params(self, project: str, run_id: str, params: dict[str, Any]) -> None:
        with self.platform.db.session() as session:
            run = tracking.get_run(session, self._project(session, project, Role.EDITOR), run_id)
            tracking.log_params(session, self._actor, run, params)

    def log_metrics(self, project: str, run_id: str, metrics: list[dict[str, Any]]) -> None:
        with self.platform.db.session() as session:
            run = tracking.get_run(session, self._project(session, project, Role.EDITOR), run_id)
            points = [tracking.MetricPoint(m["key"], m["value"], m.get("step", 0)) for m in metrics]
            tracking.log_metrics(session, self._actor, run, points)

    def add_input(self, project: str, run_id: str, dataset_version_id: str) -> None:
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            run = tracking.get_run(session, proj, run_id)
            tracking.add_input(
                session, self._actor, run, data.get_version_by_id(session, proj, dataset_version_id)
            )

    def finish_run(self, project: str, run_id: str, status: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            run = tracking.get_run(session, self._project(session, project, Role.EDITOR), run_id)
            return serializers.run(tracking.finish_run(session, self._actor, run, status))

    # -- compute
    def submit_job(
        self, project: str, name: str, command: list[str], env: dict[str, str], cpus: float
    ) -> dict[str, Any]:
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            job = compute.submit_job(
                session, self._actor, proj, name=name, command=command, env=env, resources={"cpus": cpus}
            )
            return serializers.job(job)

    def get_job(self, project: str, job_id: str) -> dict[str, Any]:
        # Embedded mode has no control-plane loop: each status check drives one scheduler pass.
        self._embedded_scheduler().tick()
        with self.platform.db.session() as session:
            return serializers.job(compute.get_job(session, self._project(session, project), job_id))

    def cancel_job(self, project: str, job_id: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            job = serializers.job(compute.cancel_job(session, self._actor, proj, job_id))
        self._embedded_scheduler().tick()  # signal it now: embedded mode has no background loop
        return job

    def job_logs(self, project: str, job_id: str) -> str:
        with self.platform.db.session() as session:
            job = compute.get_job(session, self._project(session, project), job_id)
        if job.log_digest is None:
            return ""
        return self.platform.blobs.read_bytes(job.log_digest).decode(errors="replace")

    def _embedded_scheduler(self) -> Any:
        if self._scheduler is None:
            import os

            from shipyard.compute.scheduler import Capacity, Scheduler

            self._scheduler = Scheduler(self.platform, None, Capacity(cpus=float(os.cpu_count() or 1)))
        return self._scheduler

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
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            version = registry.register_version(
                session,
                self.platform.blobs,
                self._actor,
                proj,
                name,
                directory,
                run_id=run_id,
                dataset_version_id=dataset_version_id,
                metrics=metrics,
            )
            return serializers.model_version(version, name)

    def model_version(self, project: str, name: str, version: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            found = registry.get_version(
                session, self._project(session, project), name, parse_version(version)
            )
            return serializers.model_version(found, name)

    # -- serving and monitoring
    def deploy(self, project: str, name: str, model: str, version: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            found = registry.get_version(session, proj, model, parse_version(version))
            deployment, token = serving.create_deployment(
                session,
                self.platform.blobs,
                self._actor,
                proj,
                name,
                found,
                root=self.platform.settings.deployments_dir,
            )
            return serializers.deployment(deployment, token)

    def get_deployment(self, project: str, name: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            return serializers.deployment(
                serving.get_deployment(session, self._project(session, project), name)
            )

    def stop_deployment(self, project: str, name: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            return serializers.deployment(serving.stop_deployment(session, self._actor, proj, name))

    def drift(self, project: str, deployment: str, dataset: str | None, version: str) -> dict[str, Any]:
        with self.platform.db.session() as session:
            proj = self._project(session, project, Role.EDITOR)
            result = monitoring.drift_against(
                session,
                self.platform.blobs,
                self._actor,
                proj,
                deployment,
                dataset=dataset,
                version=parse_version(version),
            )
            return serializers.drift_run(result)

    def drift_reports(self, project: str, deployment: str) -> list[dict[str, Any]]:
        with self.platform.db.session() as session:
            proj = self._project(session, project)
            found = serving.get_deployment(session, proj, deployment)
            return [serializers.drift_run(r) for r in monitoring.list_drift_runs(session, proj, found)]
