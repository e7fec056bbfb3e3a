"""Small process and port helpers shared by the executors, deployments and tools."""

from __future__ import annotations

import contextlib
import os
import signal
import socket


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
