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
