"""Hardware inventory: the real machine, plus the GPU path against a fake NVML."""

from __future__ import annotations

import json
import sys
import types
from types import SimpleNamespace

import pytest
from rich.console import Console

from shipyard.compute import hardware
from shipyard.compute.hardware import NOT_INSTALLED, Inventory, inventory, render_inventory


def _render(inv: Inventory) -> str:
    console = Console(record=True, width=160)
    console.print(render_inventory(inv))
    return console.export_text()


def test_real_inventory_on_this_machine():
    inv = inventory()
    assert inv.cpu.logical_cores is not None and inv.cpu.logical_cores >= 1
    assert inv.cpu.physical_cores is None or inv.cpu.physical_cores >= 1
    assert inv.cpu.model and inv.cpu.architecture
    assert inv.memory.total_bytes > 0
    assert 0 < inv.memory.available_bytes <= inv.memory.total_bytes
    assert len(inv.disks) >= 1
    assert all(d.total_bytes > 0 for d in inv.disks)
    assert len({d.device for d in inv.disks}) == len(inv.disks)
    assert inv.python_version.startswith(f"{sys.version_info.major}.{sys.version_info.minor}")
    packages = dict(inv.packages)
    assert set(packages) == set(hardware.KEY_PACKAGES)
    assert packages["numpy"] != NOT_INSTALLED
    json.dumps(inv.to_dict())


def test_no_gpu_on_this_machine_reports_error():
    """This machine has no NVIDIA driver, so NVML fails and the error is reported, not raised."""
    inv = inventory()
    assert inv.gpus == ()
    assert inv.gpu_error is not None and inv.gpu_error.startswith("NVML:")
    assert "GPUs" in _render(inv)


class _FakeNVMLError(Exception):
    pass


def _fake_pynvml(*, init_error: str | None = None) -> types.ModuleType:
    devices = [
        {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-aaaa", "total": 80 * 2**30, "used": 2**30},
        {"name": b"NVIDIA A10", "uuid": b"GPU-bbbb", "total": 24 * 2**30, "used": 3 * 2**30},
    ]
    calls: list[str] = []
    mod = types.ModuleType("pynvml")
    mod.NVMLError = _FakeNVMLError
    mod.NVML_TEMPERATURE_GPU = 0
    mod.calls = calls

    def init() -> None:
        calls.append("init")
        if init_error:
            raise _FakeNVMLError(init_error)

    def temperature(handle: int, sensor: int) -> int:
        if handle == 1:
            raise _FakeNVMLError("Not Supported")
        return 41

    mod.nvmlInit = init
    mod.nvmlShutdown = lambda: calls.append("shutdown")
    mod.nvmlSystemGetDriverVersion = lambda: "550.54.15"
    mod.nvmlSystemGetCudaDriverVersion = lambda: 12040
    mod.nvmlDeviceGetCount = lambda: len(devices)
    mod.nvmlDeviceGetHandleByIndex = lambda i: i
    mod.nvmlDeviceGetName = lambda h: devices[h]["name"]
    mod.nvmlDeviceGetUUID = lambda h: devices[h]["uuid"]
    mod.nvmlDeviceGetMemoryInfo = lambda h: SimpleNamespace(
        total=devices[h]["total"], used=devices[h]["used"], free=devices[h]["total"] - devices[h]["used"]
    )
    mod.nvmlDeviceGetUtilizationRates = lambda h: SimpleNamespace(gpu=10 * (h + 1), memory=5)
    mod.nvmlDeviceGetTemperature = temperature
    return mod


def test_gpu_path_with_fake_nvml(monkeypatch: pytest.MonkeyPatch):
    """Mock: no GPU is on this machine, so a fake ``pynvml`` module stands in for NVML."""
    fake = _fake_pynvml()
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    inv = inventory()

    assert inv.gpu_error is None
    assert [g.index for g in inv.gpus] == [0, 1]
    first, second = inv.gpus
    assert first.name == "NVIDIA H100 80GB HBM3" and first.uuid == "GPU-aaaa"
    assert first.memory_total_bytes == 80 * 2**30 and first.memory_used_bytes == 2**30
    assert first.utilization_percent == 10 and first.temperature_c == 41
    assert second.name == "NVIDIA A10" and second.uuid == "GPU-bbbb"  # bytes decoded
    assert second.memory_total_bytes == 24 * 2**30 and second.memory_used_bytes == 3 * 2**30
    assert second.temperature_c is None  # unsupported sensor does not hide the device
    assert first.driver_version == "550.54.15" and first.cuda_driver_version == "12.4"
    assert fake.calls == ["init", "shutdown"]

    text = _render(inv)
    assert "NVIDIA H100 80GB HBM3" in text and "80.0 GiB" in text
    assert inv.to_dict()["gpus"][1]["memory_used_bytes"] == 3 * 2**30


def test_gpu_init_failure_with_fake_nvml(monkeypatch: pytest.MonkeyPatch):
    """Mock: a fake ``pynvml`` whose init fails the way a machine without a driver does."""
    monkeypatch.setitem(sys.modules, "pynvml", _fake_pynvml(init_error="Driver Not Loaded"))
    gpus, error = hardware.gpu_info()
    assert gpus == ()
    assert error == "NVML: driver not loaded"


def test_gpu_missing_pynvml(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes ``import pynvml`` raise ImportError
    gpus, error = hardware.gpu_info()
    assert gpus == () and error is not None and "not installed" in error


def test_render_inventory_lists_sections():
    text = _render(inventory())
    for heading in ("System", "Disks", "GPUs", "Packages", "numpy"):
        assert heading in text
