"""Local executor: a job is a subprocess in its own session, its output in a log file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(slots=True)
class LocalProcess:
    pid: int
    log_path: Path
    popen: subprocess.Popen[bytes]

    def poll(self) -> int | None:
        return self.popen.poll()

    cancel_requested: float | None = None

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def cancel(self, grace_seconds: float) -> None:
        """SIGTERM the job's process group once; SIGKILL it if it outlives the grace period."""
        now = time.monotonic()
        if self.cancel_requested is None:
            self.cancel_requested = now
            self._signal(signal.SIGTERM)
        elif now - self.cancel_requested > grace_seconds:
            self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)


class LocalExecutor:
    def __init__(self, logs_dir: Path) -> None:
        self.logs_dir = logs_dir

    def log_path(self, job_id: str) -> Path:
        return self.logs_dir / f"{job_id}.log"

    def start(self, job_id: str, command: list[str], env: dict[str, str]) -> LocalProcess:
        """Start ``command``; it sees this process's environment minus every ``SHIPYARD_*``
        variable (so no control-plane credentials or paths leak in), plus ``env``."""
        from shipyard.config import inherited_environment

        self.logs_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_path(job_id)
        full_env = {k: v for k, v in inherited_environment().items() if not k.startswith("SHIPYARD_")}
        full_env.update(env)
        with log_path.open("wb") as log_file:
            popen = subprocess.Popen(
                command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=full_env,
                start_new_session=True,  # its own process group, so cancel reaches its children
            )
        return LocalProcess(pid=popen.pid, log_path=log_path, popen=popen)
