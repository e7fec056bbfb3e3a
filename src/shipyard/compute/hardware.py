"""What this machine can run: CPU, memory, disks, NVIDIA GPUs and key package versions.

Used by ``shipyard doctor`` and ``GET /api/v1/hardware``.
Everything is best effort: a probe that fails yields ``None``/an empty list (with
``gpu_error`` saying why for GPUs) instead of an exception, because a diagnostics command
that crashes on an unusual machine is useless exactly when it is needed.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import psutil
from rich.console import Group
from rich.table import Table

T = TypeVar("T")

KEY_PACKAGES: tuple[str, ...] = (
    "numpy",
    "scikit-learn",
    "pyarrow",
    "fastapi",
    "sqlalchemy",
    "torch",
    "onnxruntime",
    "ray",
)
NOT_INSTALLED = "not installed"

# Filesystems that hold no user data; listing them only adds noise (containers have dozens).
PSEUDO_FILESYSTEMS = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
        "devtmpfs", "efivarfs", "fusectl", "fuse.lxcfs", "fuse.snapfuse", "hugetlbfs", "mqueue",
        "nsfs", "proc", "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs",
        "sysfs", "tmpfs", "tracefs",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CpuInfo:
    model: str
    architecture: str
    physical_cores: int | None
    logical_cores: int | None
    frequency_mhz: float | None


@dataclass(frozen=True, slots=True)
class MemoryInfo:
    total_bytes: int
    available_bytes: int


@dataclass(frozen=True, slots=True)
class DiskInfo:
    device: str
    mountpoint: str
    fstype: str
    total_bytes: int
    free_bytes: int


@dataclass(frozen=True, slots=True)
class GpuInfo:
    """One NVIDIA device; driver/CUDA versions are system-wide but repeated for convenience."""

    index: int
    name: str
    uuid: str
    memory_total_bytes: int | None
    memory_used_bytes: int | None
    utilization_percent: int | None
    temperature_c: int | None
    driver_version: str | None
    cuda_driver_version: str | None


@dataclass(frozen=True, slots=True)
class Inventory:
    cpu: CpuInfo
    memory: MemoryInfo
    disks: tuple[DiskInfo, ...]
    gpus: tuple[GpuInfo, ...]
    gpu_error: str | None
    python_version: str
    python_implementation: str
    os: str
    packages: tuple[tuple[str, str], ...]
    """(distribution name, version or "not installed") pairs; a tuple keeps the value frozen."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["disks"] = [asdict(d) for d in self.disks]
        data["gpus"] = [asdict(g) for g in self.gpus]
        data["packages"] = dict(self.packages)
        return data


def _try(fn: Callable[..., T], *args: Any) -> T | None:
    """Call a probe, turning any failure into None (one unsupported field must not hide the rest)."""
    try:
        return fn(*args)
    except Exception:
        return None


def _text(value: Any) -> str:
    """Old pynvml versions return bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "Processor", "cpu model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cpu_info() -> CpuInfo:
    freq = _try(psutil.cpu_freq)
    mhz = None
    if freq is not None:
        mhz = float(freq.max or freq.current or 0.0) or None
    return CpuInfo(
        model=_cpu_model(),
        architecture=platform.machine() or "unknown",
        physical_cores=_try(psutil.cpu_count, False),
        logical_cores=_try(psutil.cpu_count, True) or os.cpu_count(),
        frequency_mhz=mhz,
    )


def memory_info() -> MemoryInfo:
    vm = psutil.virtual_memory()
    return MemoryInfo(total_bytes=int(vm.total), available_bytes=int(vm.available))


def disk_info() -> tuple[DiskInfo, ...]:
    """Real filesystems, one entry per device (bind mounts would otherwise repeat it)."""
    seen: set[str] = set()
    disks: list[DiskInfo] = []
    partitions = _try(psutil.disk_partitions, False) or []
    for part in sorted(partitions, key=lambda p: len(p.mountpoint)):  # shortest mountpoint wins
        if part.fstype in PSEUDO_FILESYSTEMS or not part.fstype or part.device in seen:
            continue
        usage = _try(psutil.disk_usage, part.mountpoint)
        if usage is None:
            continue
        seen.add(part.device)
        disks.append(DiskInfo(part.device, part.mountpoint, part.fstype, int(usage.total), int(usage.free)))
    if not disks:  # e.g. overlay-only containers: still report the root filesystem
        usage = _try(psutil.disk_usage, os.path.abspath(os.sep))
        if usage is not None:
            disks.append(DiskInfo("", os.path.abspath(os.sep), "", int(usage.total), int(usage.free)))
    return tuple(disks)


def _nvml_error(exc: BaseException) -> str:
    message = str(exc).strip() or type(exc).__name__
    if message.startswith("NVML "):
        message = message[len("NVML ") :]
    return f"NVML: {message.lower()}"  # NVML's Title Case reads oddly mid-sentence


def _cuda_version(nvml: Any) -> str | None:
    raw = _try(nvml.nvmlSystemGetCudaDriverVersion)
    if not isinstance(raw, int) or raw <= 0:
        return None
    return f"{raw // 1000}.{raw % 1000 // 10}"


def gpu_info() -> tuple[tuple[GpuInfo, ...], str | None]:
    """NVIDIA GPUs via NVML, or ``((), reason)`` when NVML is missing or fails."""
    try:
        import pynvml
    except ImportError:
        return (), "NVML: nvidia-ml-py (pynvml) is not installed"
    try:
        pynvml.nvmlInit()
    except Exception as exc:
        return (), _nvml_error(exc)
    try:
        driver = _try(lambda: _text(pynvml.nvmlSystemGetDriverVersion()))
        cuda = _cuda_version(pynvml)
        gpus: list[GpuInfo] = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            mem = _try(pynvml.nvmlDeviceGetMemoryInfo, handle)
            util = _try(pynvml.nvmlDeviceGetUtilizationRates, handle)
            temp = _try(pynvml.nvmlDeviceGetTemperature, handle, getattr(pynvml, "NVML_TEMPERATURE_GPU", 0))
            gpus.append(
                GpuInfo(
                    index=index,
                    name=_text(_try(pynvml.nvmlDeviceGetName, handle) or "unknown"),
                    uuid=_text(_try(pynvml.nvmlDeviceGetUUID, handle) or ""),
                    memory_total_bytes=int(mem.total) if mem is not None else None,
                    memory_used_bytes=int(mem.used) if mem is not None else None,
                    utilization_percent=int(util.gpu) if util is not None else None,
                    temperature_c=int(temp) if temp is not None else None,
                    driver_version=driver,
                    cuda_driver_version=cuda,
                )
            )
    except Exception as exc:
        return (), _nvml_error(exc)
    finally:
        _try(pynvml.nvmlShutdown)
    return tuple(gpus), None if gpus else "NVML: no NVIDIA GPU found"


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> tuple[tuple[str, str], ...]:
    """Installed distribution versions, read from metadata so heavy packages are not imported."""
    found: list[tuple[str, str]] = []
    for name in names:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, NOT_INSTALLED))
    return tuple(found)


def inventory() -> Inventory:
    """Probe the machine once; cheap enough (well under a second) to call per command."""
    gpus, gpu_error = gpu_info()
    return Inventory(
        cpu=cpu_info(),
        memory=memory_info(),
        disks=disk_info(),
        gpus=gpus,
        gpu_error=gpu_error,
        python_version=platform.python_version(),
        python_implementation=platform.python_implementation(),
        os=platform.platform(),
        packages=package_versions(),
    )


def _bytes(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover - loop always returns


def _opt(value: object, suffix: str = "") -> str:
    return "-" if value is None else f"{value}{suffix}"


def render_inventory(inv: Inventory) -> Group:
    """Rich tables for ``shipyard doctor``: system, disks, GPUs and packages."""
    system = Table(title="System", show_header=False)
    system.add_column("Item", style="bold")
    system.add_column("Value")
    cpu = inv.cpu
    freq = f", {cpu.frequency_mhz:.0f} MHz" if cpu.frequency_mhz else ""
    system.add_row("OS", inv.os)
    system.add_row("Python", f"{inv.python_implementation} {inv.python_version}")
    system.add_row("CPU", f"{cpu.model} ({cpu.architecture}{freq})")
    system.add_row("Cores", f"{_opt(cpu.physical_cores)} physical / {_opt(cpu.logical_cores)} logical")
    system.add_row(
        "Memory", f"{_bytes(inv.memory.available_bytes)} available of {_bytes(inv.memory.total_bytes)}"
    )

    disks = Table(title="Disks")
    for col in ("Mountpoint", "Device", "Type", "Free", "Total"):
        disks.add_column(col, justify="right" if col in ("Free", "Total") else "left")
    for d in inv.disks:
        disks.add_row(d.mountpoint, d.device, d.fstype, _bytes(d.free_bytes), _bytes(d.total_bytes))

    gpus = Table(title="GPUs", caption=inv.gpu_error)
    for col in ("#", "Name", "Memory used / total", "Util", "Temp", "Driver", "CUDA"):
        gpus.add_column(col)
    for g in inv.gpus:
        gpus.add_row(
            str(g.index),
            g.name,
            f"{_bytes(g.memory_used_bytes)} / {_bytes(g.memory_total_bytes)}",
            _opt(g.utilization_percent, "%"),
            _opt(g.temperature_c, " °C"),
            _opt(g.driver_version),
            _opt(g.cuda_driver_version),
        )

    packages = Table(title="Packages")
    packages.add_column("Package")
    packages.add_column("Version")
    for name, version in inv.packages:
        packages.add_row(name, version if version != NOT_INSTALLED else f"[dim]{version}[/dim]")
    return Group(system, disks, gpus, packages)
