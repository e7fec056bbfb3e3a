"""The CLI: real subprocesses; user mistakes give one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def shipyard(*args: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPYARD_")}
    env["SHIPYARD_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "shipyard", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=cwd,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and fragment in lines[0]


def test_version(tmp_path: Path) -> None:
    result = shipyard("version", home=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("shipyard ")


def test_doctor_prints_the_inventory(tmp_path: Path) -> None:
    result = shipyard("doctor", home=tmp_path)
    assert result.returncode == 0, result.stderr
    for section in ("CPU", "Memory", "Disks", "GPU", "Python"):
        assert section.lower() in result.stdout.lower()


def test_projects_create_and_list(tmp_path: Path) -> None:
    assert shipyard("projects", "create", "alpha", home=tmp_path).returncode == 0
    listed = shipyard("projects", "list", home=tmp_path)
    assert "alpha" in listed.stdout


def test_bad_input_is_one_line_and_keeps_data(tmp_path: Path) -> None:
    assert shipyard("projects", "create", "alpha", home=tmp_path).returncode == 0
    assert_one_line_error(shipyard("projects", "create", "../evil", home=tmp_path), "invalid project name")
    assert_one_line_error(shipyard("projects", "create", "alpha", home=tmp_path), "already exists")
    assert "alpha" in shipyard("projects", "list", home=tmp_path).stdout


def test_bad_config_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "shipyard.toml").write_text("port = 'not a number'\n")
    result = shipyard("projects", "list", home=tmp_path / "home", cwd=tmp_path)
    assert_one_line_error(result, "port")


def test_tokens_create_list_revoke(tmp_path: Path) -> None:
    shipyard("projects", "create", "alpha", home=tmp_path)
    created = shipyard(
        "tokens",
        "create",
        "--principal",
        "ci",
        "--project",
        "alpha",
        "--role",
        "viewer",
        "--name",
        "ci-token",
        home=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().startswith("sy_")
    listed = shipyard("tokens", "list", home=tmp_path)
    assert "ci-token" in listed.stdout and created.stdout.strip() not in listed.stdout
    token_id = next(
        word
        for line in listed.stdout.splitlines()
        if "ci-token" in line
        for word in line.split()
        if word.startswith("tok_")
    )
    assert shipyard("tokens", "revoke", token_id, home=tmp_path).returncode == 0
    assert_one_line_error(shipyard("tokens", "revoke", "tok_missing", home=tmp_path), "not found")
    assert_one_line_error(
        shipyard("tokens", "create", "--project", "alpha", "--role", "boss", home=tmp_path), "unknown role"
    )


def test_db_upgrade(tmp_path: Path) -> None:
    result = shipyard("db", "upgrade", home=tmp_path)
    assert result.returncode == 0 and "0001" in result.stdout


@pytest.mark.slow
def test_up_prints_url_and_token_and_writes_it_0600(tmp_path: Path) -> None:

    import httpx

    from shipyard.processes import free_port, wait_for_http

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPYARD_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "shipyard", "up", "--home", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/readyz", process=process, what="control plane")
        token_file = tmp_path / "admin.token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        me = httpx.get(f"http://127.0.0.1:{port}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["is_admin"]
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}" in output and token in output
    with sqlite3_connect(tmp_path / "shipyard.db") as connection:
        hashes = [row[0] for row in connection.execute("SELECT token_hash FROM tokens")]
    assert token not in hashes and len(hashes[0]) == 64  # stored only as a hash


def sqlite3_connect(path: Path):
    import sqlite3

    return sqlite3.connect(path)


def test_data_push_registers_a_version_and_dedups(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n3,4\n5,6\n")
    first = shipyard("data", "push", "table", str(csv), "--project", "alpha", home=tmp_path / "home")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("table v1: 3 rows, 2 columns, blake3 ")
    again = shipyard("data", "push", "table", str(csv), "--project", "alpha", home=tmp_path / "home")
    assert again.stdout.startswith("table v1:")  # identical content: the same version
    assert_one_line_error(
        shipyard("data", "push", "table", str(tmp_path / "missing.csv"), home=tmp_path / "home"),
        "no such file",
    )
    (tmp_path / "empty.csv").write_text("a,b\n")
    assert_one_line_error(
        shipyard(
            "data", "push", "table", str(tmp_path / "empty.csv"), "--project", "alpha", home=tmp_path / "home"
        ),
        "no rows",
    )
