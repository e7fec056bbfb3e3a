"""Compute: hardware inventory, jobs, the scheduler and executors."""

from shipyard.compute.hardware import (
    CpuInfo,
    DiskInfo,
    GpuInfo,
    Inventory,
    MemoryInfo,
    inventory,
    render_inventory,
)
from shipyard.compute.jobs import cancel_job, get_job, list_jobs, submit_job
from shipyard.compute.models import Job

__all__ = [
    "CpuInfo",
    "DiskInfo",
    "GpuInfo",
    "Inventory",
    "Job",
    "MemoryInfo",
    "cancel_job",
    "get_job",
    "inventory",
    "list_jobs",
    "render_inventory",
    "submit_job",
]
