"""The scheduler: a pure decision over queued jobs and free capacity, and a loop that applies it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, object_session

from shipyard.clock import utcnow
from shipyard.compute.jobs import queued_jobs, running_jobs
from shipyard.compute.local_executor import LocalExecutor, LocalProcess
from shipyard.compute.models import Job
from shipyard.config import job_environment
from shipyard.platform import Platform
from shipyard.processes import pid_alive
from shipyard.security import (
    SYSTEM,
    Project,
    Role,
    issue_service_token,
    record,
    revoke_service_tokens,
)
from shipyard.tracking import Run, create_run, finish_run

log = logging.getLogger("shipyard.scheduler")


@dataclass(frozen=True, slots=True)
class Capacity:
    cpus: float


def schedule_pass(queued: Sequence[Job], running: Sequence[Job], capacity: Capacity) -> list[Job]:
    """Jobs to start now: first come, first served, while their CPUs fit (no skipping ahead)."""
    free = capacity.cpus - sum(_cpus(job) for job in running)
    chosen = []
    for job in queued:
        need = _cpus(job)
        if need > capacity.cpus:
            continue  # never fits; reported by the loop as a failure
        if need > free:
            break
        chosen.append(job)
        free -= need
    return chosen


CANCEL_GRACE_SECONDS = 10.0


def _close(session: Session, job: Job, run_status: str, action: str, detail: dict[str, object]) -> None:
    """What every ending shares: end the job's run, revoke its token, audit the outcome."""
    run = session.get(Run, job.run_id) if job.run_id else None
    if run is not None and run.status == "running":
        finish_run(session, SYSTEM, run, run_status)
    revoke_service_tokens(session, SYSTEM, _job_principal(job.id))
    record(
        session, SYSTEM, action, object_type="job", object_id=job.id, project_id=job.project_id, detail=detail
    )


def _job_principal(job_id: str) -> str:
    return f"job:{job_id}"


def _cpus(job: Job) -> float:
    return float((job.resources or {}).get("cpus", 1))


class Scheduler:
    """Starts queued jobs on the local executor and records how they end."""

    def __init__(
        self, platform: Platform, server_url: str | None, capacity: Capacity, poll_seconds: float = 0.2
    ):
        self.platform = platform
        self.server_url = server_url
        self.capacity = capacity
        self.poll_seconds = poll_seconds
        self.executor = LocalExecutor(platform.settings.logs_dir / "jobs")
        self._processes: dict[str, LocalProcess] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="shipyard-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for process in self._processes.values():
            process.terminate()

    def tick(self) -> None:
        """One pass: reap finished jobs, signal cancelled ones, then start what fits."""
        self._reap()
        with self.platform.db.session() as session:
            queued = queued_jobs(session)
            running = running_jobs(session)
            for job in running:
                if job.status == "cancelling" and job.id in self._processes:
                    self._processes[job.id].cancel(grace_seconds=CANCEL_GRACE_SECONDS)
                elif job.id not in self._processes and not pid_alive(job.pid):
                    self._reap_lost(job)
            for job in queued:
                if _cpus(job) > self.capacity.cpus:
                    self._fail(job, f"needs {_cpus(job)} CPUs; this pool has {self.capacity.cpus}")
            for job in schedule_pass(queued, running, self.capacity):
                self._launch(session, job)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.tick()
            except Exception:  # keep scheduling; one bad pass must not stop the loop
                log.exception("scheduler pass failed")

    def _launch(self, session: Session, job: Job) -> None:
        project = session.get(Project, job.project_id)
        assert project is not None
        actor = SYSTEM
        run = create_run(session, actor, project, experiment=job.name, name=job.name, job_id=job.id)
        token = issue_service_token(
            session,
            actor,
            project,
            _job_principal(job.id),
            Role.EDITOR,
            timedelta(minutes=self.platform.settings.job_token_ttl_minutes),
        )
        env = dict(job.env)
        if not self.server_url:
            # Embedded mode: the job opens the same local state in-process.
            env.update(job_environment(self.platform.settings))
        env.update(
            SHIPYARD_PROJECT=project.name,
            SHIPYARD_RUN_ID=run.id,
            SHIPYARD_JOB_ID=job.id,
            SHIPYARD_TOKEN=token.secret,
        )
        if self.server_url:
            env["SHIPYARD_SERVER_URL"] = self.server_url
        try:
            process = self.executor.start(job.id, job.command, env)
        except OSError as exc:  # e.g. the program does not exist: fail this job, keep the queue moving
            job.run_id = run.id
            self._fail(job, f"cannot start {job.command[0]!r}: {exc.strerror or exc}")
            return
        self._processes[job.id] = process
        job.status, job.pid, job.run_id, job.started_at = "running", process.pid, run.id, utcnow()
        record(
            session,
            actor,
            "job.start",
            object_type="job",
            object_id=job.id,
            project_id=project.id,
            detail={"pid": process.pid, "run_id": run.id},
        )

    def _reap(self) -> None:
        for job_id, process in list(self._processes.items()):
            code = process.poll()
            if code is None:
                continue
            del self._processes[job_id]
            log_digest = self.platform.blobs.put_file(process.log_path)
            self._finish(job_id, code, log_digest)

    def _finish(self, job_id: str, code: int, log_digest: str) -> None:
        with self.platform.db.session() as session:
            job = session.get(Job, job_id)
            assert job is not None
            cancelled = job.status == "cancelling"
            if cancelled:
                job.status = "cancelled"
            else:
                job.status = "succeeded" if code == 0 else "failed"
                if code != 0:
                    job.error = f"exited with code {code}; see the job log"
            job.exit_code, job.log_digest, job.finished_at = code, log_digest, utcnow()
            run_status = "killed" if cancelled else "finished" if code == 0 else "failed"
            _close(session, job, run_status, "job.finish", {"exit_code": code})

    def _fail(self, job: Job, reason: str) -> None:
        job.status, job.error, job.finished_at = "failed", reason, utcnow()
        session = object_session(job)
        assert session is not None
        _close(session, job, "failed", "job.fail", {"reason": reason})

    def _reap_lost(self, job: Job) -> None:
        """A job whose launcher went away (a restarted control plane, an embedded client that
        exited) and whose process has ended: its exit code is gone, so it counts as failed."""
        log_path = self.executor.log_path(job.id)
        if log_path.exists():
            job.log_digest = self.platform.blobs.put_file(log_path)
        self._fail(job, "the process that launched this job exited before the job did; exit code unknown")
