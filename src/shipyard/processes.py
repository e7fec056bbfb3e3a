"""Small process and port helpers shared by the executors, deployments and tools."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists (signal 0 checks without delivering anything)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    return True


def terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_http(
    url: str, *, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None, what: str = "server"
) -> None:
    """Poll ``url`` until it answers 200; fail fast, with a clear error, if ``process`` exits."""
    import httpx

    from shipyard.errors import ConfigurationError, Overloaded

    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise ConfigurationError(
                    f"the {what} exited with code {process.returncode} before it was ready"
                )
            try:
                if client.get(url).status_code == 200:
                    return
                last_error = "not ready"
            except httpx.TransportError as exc:
                last_error = str(exc) or type(exc).__name__
            time.sleep(0.05)
    raise Overloaded(f"the {what} at {url} was not ready after {timeout:.0f}s ({last_error})")
