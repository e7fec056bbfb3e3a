"""Authentication, per-project roles, project isolation, scoped tokens and the audit chain."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select, update

from shipyard import security
from shipyard.api.guard import PUBLIC_PATHS
from shipyard.clock import utcnow
from shipyard.errors import CorruptObject
from shipyard.security.tokens import hash_token

PROBLEM = "application/problem+json"
V1 = "/api/v1"


def route_table(app: FastAPI) -> list[tuple[str, set[str], Any]]:
    """(full path, methods, route), expanding included routers on FastAPI versions that keep them lazy."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return [(r.path, set(getattr(r, "methods", None) or ()), r) for r in app.routes]  # type: ignore[attr-defined]
    return [(c.path, set(c.methods or ()), c.original_route) for c in iter_route_contexts(app.routes)]


def protected_requests(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) for every API route except the public health checks."""
    requests = []
    for path, methods, route in route_table(app):
        if not isinstance(route, APIRoute) or path in PUBLIC_PATHS:
            continue
        concrete = re.sub(r"\{[^}]+\}", "p", path)
        requests.extend((method, concrete) for method in sorted(methods - {"HEAD"}))
    return requests


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == f"urn:shipyard:problem:{code}"
    assert body["status"] == status
    return body


def assert_unauthenticated(response: Any) -> None:
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].lower().startswith("bearer")


# --- authentication -------------------------------------------------------------------------


def test_anonymous_requests_to_every_route_get_401(api: Any) -> None:
    requests = protected_requests(api.client.app)
    assert len(requests) >= 40  # the walk really saw the API
    assert ("POST", f"{V1}/projects/p/runs") in requests
    assert ("GET", "/metrics") in requests
    failures = []
    for method, path in requests:
        response = api.client.request(method, path)
        if response.status_code != 401 or "www-authenticate" not in response.headers:
            failures.append(f"{method} {path} -> {response.status_code}")
            continue
        assert_unauthenticated(response)
    assert failures == []


GARBAGE = [
    "Bearer sy_not-a-real-token",
    "Bearer ",
    "Bearer",
    "Basic YWRtaW46YWRtaW4=",
    "sy_no_scheme",
    "Bearer x y",
]


def test_garbage_credentials_get_401(api: Any) -> None:
    for authorization in GARBAGE:
        for method, path in [("GET", f"{V1}/whoami"), ("GET", f"{V1}/projects"), ("POST", f"{V1}/projects")]:
            response = api.client.request(method, path, headers={"Authorization": authorization})
            assert_unauthenticated(response)
    # The admin's real token sent under another scheme is not accepted either.
    response = api.client.get(f"{V1}/whoami", headers={"Authorization": f"Token {api.admin_token}"})
    assert_unauthenticated(response)


def test_the_admin_token_authenticates(api: Any) -> None:
    response = api.client.get(f"{V1}/whoami", headers=api.headers(api.admin_token))
    assert response.status_code == 200
    assert response.json()["name"] == "admin" and response.json()["is_admin"] is True


def test_expired_token_gets_401(api: Any) -> None:
    token = api.user("ellen")
    headers = api.headers(token)
    assert api.client.get(f"{V1}/whoami", headers=headers).status_code == 200
    with api.platform.db.session() as session:
        session.execute(
            update(security.Token)
            .where(security.Token.token_hash == hash_token(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_unauthenticated(api.client.get(f"{V1}/whoami", headers=headers))


def test_token_minted_with_past_expiry_gets_401(api: Any) -> None:
    with api.platform.db.session() as session:
        owner = security.get_principal(session, "admin")
        issued = security.issue_token(session, security.SYSTEM, owner, ttl=timedelta(seconds=-1))
    assert_unauthenticated(api.client.get(f"{V1}/projects", headers=api.headers(issued.secret)))


def test_revoked_token_gets_401(api: Any) -> None:
    token = api.user("rita")
    headers = api.headers(token)
    me = api.client.get(f"{V1}/whoami", headers=headers).json()
    # Another user cannot see (so cannot revoke) it.
    other = api.headers(api.user("mallory"))
    assert_problem(api.client.delete(f"{V1}/tokens/{me['token_id']}", headers=other), 404, "not-found")
    assert api.client.get(f"{V1}/whoami", headers=headers).status_code == 200

    response = api.client.delete(f"{V1}/tokens/{me['token_id']}", headers=headers)
    assert response.status_code == 204
    assert_unauthenticated(api.client.get(f"{V1}/whoami", headers=headers))
    assert_unauthenticated(api.client.post(f"{V1}/projects", json={"name": "x"}, headers=headers))


def test_admin_revokes_a_minted_token(api: Any) -> None:
    admin = api.headers(api.admin_token)
    minted = api.client.post(f"{V1}/tokens", json={"name": "ci"}, headers=admin)
    assert minted.status_code == 201
    new = api.headers(minted.json()["token"])
    assert api.client.get(f"{V1}/whoami", headers=new).status_code == 200
    assert api.client.delete(f"{V1}/tokens/{minted.json()['id']}", headers=admin).status_code == 204
    assert_unauthenticated(api.client.get(f"{V1}/whoami", headers=new))
    assert api.client.get(f"{V1}/whoami", headers=admin).status_code == 200


# --- roles (both databases) -----------------------------------------------------------------


def test_viewer_cannot_write(api_both: Any) -> None:
    api = api_both
    api.project("a")
    viewer = api.headers(api.user("vera", "a", "viewer"))
    assert api.client.get(f"{V1}/projects/a/runs", headers=viewer).status_code == 200
    body = assert_problem(api.client.post(f"{V1}/projects/a/runs", json={}, headers=viewer), 403, "forbidden")
    assert "editor" in body["detail"]
    assert_problem(
        api.client.post(f"{V1}/projects/a/jobs", json={"command": ["true"]}, headers=viewer), 403, "forbidden"
    )
    assert api.client.get(f"{V1}/projects/a/runs", headers=viewer).json()["items"] == []


def test_editor_writes_but_cannot_manage_members(api_both: Any) -> None:
    api = api_both
    api.project("a")
    editor = api.headers(api.user("eddie", "a", "editor"))
    api.user("newcomer")
    created = api.client.post(f"{V1}/projects/a/runs", json={"name": "r1"}, headers=editor)
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]
    assert api.client.get(f"{V1}/projects/a/runs/{run_id}", headers=editor).json()["name"] == "r1"

    assert_problem(
        api.client.put(f"{V1}/projects/a/members/newcomer", json={"role": "viewer"}, headers=editor),
        403,
        "forbidden",
    )
    assert_problem(api.client.delete(f"{V1}/projects/a/members/eddie", headers=editor), 403, "forbidden")
    members = api.client.get(f"{V1}/projects/a/members", headers=editor).json()["items"]
    assert {m["principal"] for m in members} == {"admin", "eddie"}


def test_project_admin_manages_members(api_both: Any) -> None:
    api = api_both
    api.project("a")
    owner = api.headers(api.user("olga", "a", "admin"))
    newcomer = api.headers(api.user("newcomer"))
    assert_problem(api.client.get(f"{V1}/projects/a", headers=newcomer), 404, "not-found")
    response = api.client.put(f"{V1}/projects/a/members/newcomer", json={"role": "viewer"}, headers=owner)
    assert response.status_code == 200 and response.json() == {"principal": "newcomer", "role": "viewer"}
    assert api.client.get(f"{V1}/projects/a", headers=newcomer).status_code == 200


def test_other_projects_are_indistinguishable_from_missing_ones(api_both: Any) -> None:
    api = api_both
    api.project("a")
    api.project("b")
    admin = api.headers(api.admin_token)
    b_run = api.client.post(f"{V1}/projects/b/runs", json={"name": "secret"}, headers=admin).json()["id"]
    alice = api.headers(api.user("alice", "a", "editor"))

    hidden = api.client.get(f"{V1}/projects/b", headers=alice)
    missing = api.client.get(f"{V1}/projects/zz", headers=alice)
    assert_problem(hidden, 404, "not-found")
    assert_problem(missing, 404, "not-found")
    assert set(hidden.json()) == set(missing.json())
    assert hidden.json()["detail"].replace("'b'", "X") == missing.json()["detail"].replace("'zz'", "X")

    run = api.client.get(f"{V1}/projects/b/runs/{b_run}", headers=alice)
    assert_problem(run, 404, "not-found")
    assert "secret" not in run.text
    # Writes into b are refused the same way, not with 403.
    assert_problem(api.client.post(f"{V1}/projects/b/runs", json={}, headers=alice), 404, "not-found")

    names = [p["name"] for p in api.client.get(f"{V1}/projects", headers=alice).json()["items"]]
    assert names == ["a"]


def test_project_scoped_token(api_both: Any) -> None:
    api = api_both
    api.project("a")
    api.project("b")
    alice = api.headers(api.user("alice", "a", "editor"))
    assert api.client.post(f"{V1}/projects/a/runs", json={}, headers=alice).status_code == 201

    minted = api.client.post(f"{V1}/tokens", json={"project": "a", "role": "viewer"}, headers=alice)
    assert minted.status_code == 201, minted.text
    scoped = api.headers(minted.json()["token"])

    assert api.client.get(f"{V1}/projects/a/runs", headers=scoped).status_code == 200
    assert_problem(api.client.post(f"{V1}/projects/a/runs", json={}, headers=scoped), 403, "forbidden")
    assert_problem(api.client.get(f"{V1}/projects/b", headers=scoped), 404, "not-found")
    assert_problem(api.client.post(f"{V1}/projects", json={"name": "c"}, headers=scoped), 403, "forbidden")
    assert_problem(api.client.post(f"{V1}/tokens", json={}, headers=scoped), 403, "forbidden")
    names = [p["name"] for p in api.client.get(f"{V1}/projects", headers=scoped).json()["items"]]
    assert names == ["a"]


def test_scoped_admin_token_is_not_a_system_admin(api_both: Any) -> None:
    api = api_both
    api.project("a")
    api.project("b")
    admin = api.headers(api.admin_token)
    minted = api.client.post(f"{V1}/tokens", json={"project": "a"}, headers=admin)
    assert minted.status_code == 201, minted.text
    scoped = api.headers(minted.json()["token"])
    assert api.client.post(f"{V1}/projects/a/runs", json={}, headers=scoped).status_code == 201
    assert_problem(api.client.get(f"{V1}/projects/b", headers=scoped), 404, "not-found")
    assert_problem(api.client.get(f"{V1}/audit/verify", headers=scoped), 403, "forbidden")
    assert api.client.get(f"{V1}/whoami", headers=scoped).json()["is_admin"] is False


def test_bootstrap_admin_sees_everything(api_both: Any) -> None:
    api = api_both
    api.project("a")
    alice = api.headers(api.user("alice"))
    assert api.client.post(f"{V1}/projects", json={"name": "alices"}, headers=alice).status_code == 201
    run = api.client.post(f"{V1}/projects/alices/runs", json={"name": "hers"}, headers=alice).json()["id"]

    admin = api.headers(api.admin_token)
    names = {p["name"] for p in api.client.get(f"{V1}/projects", headers=admin).json()["items"]}
    assert names == {"a", "alices"}
    assert api.client.get(f"{V1}/projects/alices/runs/{run}", headers=admin).json()["name"] == "hers"
    assert api.client.post(f"{V1}/projects/alices/runs", json={}, headers=admin).status_code == 201
    assert api.client.get(f"{V1}/audit", headers=admin).status_code == 200
    # ...while alice still cannot see the admin's project.
    assert_problem(api.client.get(f"{V1}/projects/a", headers=alice), 404, "not-found")


# --- audit ----------------------------------------------------------------------------------


def test_audit_chain_verifies_and_detects_tampering(api_both: Any) -> None:
    api = api_both
    api.project("a")
    admin = api.headers(api.admin_token)
    editor = api.headers(api.user("eddie", "a", "editor"))
    run = api.client.post(f"{V1}/projects/a/runs", json={}, headers=editor).json()["id"]
    assert (
        api.client.post(
            f"{V1}/projects/a/runs/{run}/params", json={"params": {"lr": 0.1}}, headers=editor
        ).status_code
        == 204
    )

    verified = api.client.get(f"{V1}/audit/verify", headers=admin)
    assert verified.status_code == 200
    assert verified.json()["intact"] is True
    assert verified.json()["events"] >= 5
    actions = [e["action"] for e in api.client.get(f"{V1}/audit", headers=admin).json()["items"]]
    assert "project.create" in actions

    assert_problem(api.client.get(f"{V1}/audit/verify", headers=editor), 403, "forbidden")
    assert_problem(api.client.get(f"{V1}/audit", headers=editor), 403, "forbidden")

    with api.platform.db.session() as session:
        assert security.verify_chain(session) == verified.json()["events"]
        event = session.execute(
            select(security.AuditEvent).where(security.AuditEvent.action == "project.create")
        ).scalar_one()
        session.execute(
            update(security.AuditEvent)
            .where(security.AuditEvent.id == event.id)
            .values(detail={"name": "forged"})
        )
    with api.platform.db.session() as session, pytest.raises(CorruptObject, match="audit log broken"):
        security.verify_chain(session)
    broken = api.client.get(f"{V1}/audit/verify", headers=admin)
    assert broken.status_code == 500
    assert broken.json()["type"] == "urn:shipyard:problem:corrupt-object"
