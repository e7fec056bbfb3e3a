"""Jobs end to end on the local executor: scoped credentials, logs, lineage to runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from shipyard import Client, security
from shipyard.errors import Unauthenticated

PRINT_ENV = "import os; print(os.environ['SHIPYARD_TOKEN']); print(os.environ['SHIPYARD_RUN_ID'])"


@pytest.fixture
def client(tmp_path: Path):
    with Client(home=tmp_path / "home", project="jobs") as client:
        client.use_project("jobs")
        yield client


def test_job_gets_a_scoped_token_that_is_revoked_when_it_ends(client: Client) -> None:
    job = client.wait_job(client.submit_job([sys.executable, "-c", PRINT_ENV])["id"], timeout=60)
    token, run_id = client.job_logs(job["id"]).split()
    assert run_id == job["run_id"]
    platform = client._backend.platform  # type: ignore[attr-defined]
    with platform.db.session() as session, pytest.raises(Unauthenticated):
        security.authenticate(session, token)


def test_job_token_is_scoped_to_its_project_as_editor(client: Client) -> None:
    job = client.submit_job([sys.executable, "-c", "import time; time.sleep(30)"])
    platform = client._backend.platform  # type: ignore[attr-defined]
    client.get_job(job["id"])  # one scheduler pass starts it
    scheduler = client._backend._embedded_scheduler()  # type: ignore[attr-defined]
    try:
        with platform.db.session() as session:
            principal = security.get_principal(session, f"job:{job['id']}")
            tokens = [
                t
                for t in security.list_tokens(session, security.local_identity(session))
                if t.principal_id == principal.id
            ]
            assert len(tokens) == 1
            assert tokens[0].role == "editor" and tokens[0].project_id is not None
            assert tokens[0].expires_at is not None
            assert principal.kind == "service" and not principal.is_admin
    finally:
        scheduler.stop()


def test_a_job_that_cannot_start_fails_and_the_queue_moves_on(client: Client) -> None:
    broken = client.submit_job(["/nonexistent/program", "--flag"])
    ok = client.submit_job([sys.executable, "-c", "print('after the broken one')"])
    failed = client.wait_job(broken["id"], timeout=30, check=False)
    assert failed["status"] == "failed" and "cannot start" in failed["error"]
    assert client.get_run(failed["run_id"])["status"] == "failed"
    assert client.wait_job(ok["id"], timeout=60)["status"] == "succeeded"


LAUNCH_AND_EXIT = """
import sys
from shipyard import Client
with Client(home=sys.argv[1], project="jobs") as client:
    client.use_project("jobs")
    job = client.submit_job([sys.executable, "-c", "import time; print('working'); time.sleep(1)"])
    assert client.get_job(job["id"])["status"] == "running"
    print(job["id"])
"""


def test_a_job_whose_launcher_exited_is_reaped_by_the_next_client(tmp_path: Path) -> None:
    import subprocess

    home = tmp_path / "shared-home"
    # A script submits an embedded job and exits while the job still runs.
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCH_AND_EXIT, str(home)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    job_id = launched.stdout.split()[-1]
    with Client(home=home, project="jobs") as second:
        lost = second.wait_job(job_id, timeout=30, check=False)
        assert lost["status"] == "failed" and "exit code unknown" in lost["error"]
        assert "working" in second.job_logs(job_id)


def test_server_jobs_get_no_local_state_paths(tmp_path: Path) -> None:
    """With a control plane, a job reaches state only over HTTP with its scoped token."""
    from shipyard.compute.scheduler import Capacity, Scheduler
    from shipyard.config import Settings
    from shipyard.platform import open_platform

    platform = open_platform(Settings(home=tmp_path / "home"))
    with platform.db.session() as session:
        identity = security.local_identity(session)
        project = security.create_project(session, identity, "p")
        from shipyard import compute

        job = compute.submit_job(
            session,
            identity.actor,
            project,
            name="env",
            command=[
                sys.executable,
                "-c",
                "import os; print(sorted(k for k in os.environ if k.startswith('SHIPYARD_')))",
            ],
        )
    scheduler = Scheduler(platform, "http://127.0.0.1:9", Capacity(cpus=1))
    scheduler.tick()
    deadline = __import__("time").monotonic() + 30
    while True:
        scheduler.tick()
        with platform.db.session() as session:
            status = session.get(compute.Job, job.id).status
        if status != "running" or __import__("time").monotonic() > deadline:
            break
    with platform.db.session() as session:
        digest = session.get(compute.Job, job.id).log_digest
    printed = platform.blobs.read_bytes(digest).decode()
    for key in ("SHIPYARD_TOKEN", "SHIPYARD_SERVER_URL", "SHIPYARD_RUN_ID", "SHIPYARD_PROJECT"):
        assert key in printed
    for key in ("SHIPYARD_HOME", "SHIPYARD_DATABASE_URL", "SHIPYARD_BLOB_ROOT"):
        assert key not in printed
