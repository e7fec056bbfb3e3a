"""The scheduler's pure core: first come, first served, within CPU capacity."""

from __future__ import annotations

from shipyard.compute import Job
from shipyard.compute.scheduler import Capacity, schedule_pass


def job(name: str, cpus: float) -> Job:
    return Job(id=name, name=name, resources={"cpus": cpus}, status="queued")


def test_starts_what_fits_in_order() -> None:
    queued = [job("a", 1), job("b", 1), job("c", 1)]
    assert [j.id for j in schedule_pass(queued, [], Capacity(cpus=2))] == ["a", "b"]


def test_running_jobs_use_capacity() -> None:
    assert schedule_pass([job("a", 1)], [job("r", 2)], Capacity(cpus=2)) == []


def test_no_skipping_ahead_of_a_big_job() -> None:
    """A small job must not starve the big one at the head of the queue."""
    queued = [job("big", 2), job("small", 1)]
    assert schedule_pass(queued, [job("r", 1)], Capacity(cpus=2)) == []


def test_a_job_that_can_never_fit_does_not_block_the_queue() -> None:
    queued = [job("huge", 64), job("a", 1)]
    assert [j.id for j in schedule_pass(queued, [], Capacity(cpus=2))] == ["a"]
