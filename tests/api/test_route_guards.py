"""Deny by default: every API route declares a Guard, and a route that forgets one is refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from shipyard.api.app import API_PREFIX, create_app
from shipyard.api.guard import PUBLIC_PATHS, GuardedRoute
from shipyard.api.routes.deps import Authenticated

PROBLEM = "application/problem+json"

# FastAPI's own documentation routes: plain starlette Routes, not APIRoutes, so they never
# run a Guard. They serve the schema and the Swagger page only (no data, no writes) and are
# deliberately public. Anything else that is not a GuardedRoute fails the walk below.
DOCS_PATHS = frozenset({f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs", "/docs/oauth2-redirect"})


def route_table(app: FastAPI) -> list[tuple[str, set[str], BaseRoute]]:
    """(full path, methods, route) for every route, with included routers expanded.

    Newer FastAPI keeps ``include_router`` lazy (``app.routes`` holds one entry per included
    router, and the route's own ``path`` lacks the prefix); older FastAPI flattens them.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI that flattens included routers into app.routes
        return [(r.path, set(getattr(r, "methods", None) or ()), r) for r in app.routes]  # type: ignore[attr-defined]
    return [(c.path, set(c.methods or ()), c.original_route) for c in iter_route_contexts(app.routes)]


def unguarded_routes(app: FastAPI) -> list[str]:
    """Routes that neither declare a Guard nor are public (the list must be empty)."""
    offenders = []
    for path, methods, route in route_table(app):
        if path in DOCS_PATHS and not isinstance(route, APIRoute):
            continue
        if not isinstance(route, GuardedRoute):
            offenders.append(f"{sorted(methods)} {path}: {type(route).__name__}, not a GuardedRoute")
        elif route.guard is None and path not in PUBLIC_PATHS:
            offenders.append(f"{sorted(methods)} {path}: declares no Guard")
    return offenders


@pytest.fixture
def app(api: Any) -> FastAPI:
    return api.client.app


def test_route_table_is_walked_for_real(app: FastAPI) -> None:
    paths = {path for path, _, _ in route_table(app)}
    # Guards against a vacuous walk (e.g. included routers not expanded).
    assert f"{API_PREFIX}/projects/{{project}}/runs" in paths
    assert f"{API_PREFIX}/projects/{{project}}/drift/{{drift_id}}/report.html" in paths
    api_routes = [r for _, _, r in route_table(app) if isinstance(r, APIRoute)]
    assert len(api_routes) >= 40


def test_every_route_declares_a_guard_or_is_public(app: FastAPI) -> None:
    assert unguarded_routes(app) == []
    public = {path for path, _, r in route_table(app) if isinstance(r, GuardedRoute) and r.guard is None}
    assert public == set(PUBLIC_PATHS)


def test_documentation_routes_are_the_only_non_api_routes(app: FastAPI) -> None:
    others = {path for path, _, r in route_table(app) if not isinstance(r, APIRoute)}
    assert others == DOCS_PATHS
    assert not DOCS_PATHS & set(PUBLIC_PATHS)


def test_openapi_lists_every_api_route(api: Any, app: FastAPI) -> None:
    response = api.client.get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    documented = response.json()["paths"]
    missing = []
    for path, methods, route in route_table(app):
        if not isinstance(route, APIRoute):
            continue
        for method in methods - {"HEAD"}:
            if method.lower() not in documented.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_docs_ui_is_served_without_a_token(api: Any) -> None:
    # Documentation only: the schema and the Swagger page expose no stored data.
    assert api.client.get(f"{API_PREFIX}/openapi.json").status_code == 200
    assert api.client.get(f"{API_PREFIX}/docs").status_code == 200


def test_health_endpoints_are_public(api: Any) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    assert api.client.get("/readyz").status_code == 200


def _no_guard() -> dict[str, str]:
    return {"secret": "leaked"}


def _guarded(ctx: Authenticated) -> dict[str, str]:
    return {"ok": ctx.identity.name}


def _assert_denied(response: Any) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == "urn:shipyard:problem:forbidden"
    assert "deny by default" in body["detail"]
    assert "leaked" not in response.text


def test_route_added_without_guard_is_refused_even_for_admin(api: Any) -> None:
    app = create_app(api.platform, run_scheduler=False)
    app.router.add_api_route(
        f"{API_PREFIX}/forgotten", _no_guard, methods=["GET"], route_class_override=GuardedRoute
    )
    app.router.add_api_route(
        f"{API_PREFIX}/remembered", _guarded, methods=["GET"], route_class_override=GuardedRoute
    )
    assert unguarded_routes(app) == [f"['GET'] {API_PREFIX}/forgotten: declares no Guard"]

    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as client:
        _assert_denied(client.get(f"{API_PREFIX}/forgotten", headers=api.headers(api.admin_token)))
        _assert_denied(client.get(f"{API_PREFIX}/forgotten"))
        ok = client.get(f"{API_PREFIX}/remembered", headers=api.headers(api.admin_token))
        assert ok.status_code == 200 and ok.json() == {"ok": "admin"}


def test_router_route_without_guard_is_refused(api: Any) -> None:
    router = APIRouter(route_class=GuardedRoute)

    @router.post("/projects/{project}/unguarded")
    def unguarded(project: str) -> dict[str, str]:
        return {"secret": "leaked"}

    # A path that is public at the root must not be public under a prefix.
    router.add_api_route("/healthz", _no_guard, methods=["GET"])

    app = create_app(api.platform, run_scheduler=False)
    app.include_router(router, prefix=API_PREFIX)
    assert len(unguarded_routes(app)) == 2

    from fastapi.testclient import TestClient

    headers = api.headers(api.admin_token)
    with TestClient(app, raise_server_exceptions=False) as client:
        _assert_denied(client.post(f"{API_PREFIX}/projects/p/unguarded", headers=headers))
        _assert_denied(client.get(f"{API_PREFIX}/healthz", headers=headers))
        assert client.get("/healthz").status_code == 200


def test_plain_api_route_is_caught_by_the_walk(api: Any) -> None:
    # A route that bypasses GuardedRoute entirely is not refused at runtime, so the walk
    # is what catches it.
    app = create_app(api.platform, run_scheduler=False)
    app.router.add_api_route(f"{API_PREFIX}/plain", _no_guard, methods=["GET"], route_class_override=APIRoute)
    assert unguarded_routes(app) == [f"['GET'] {API_PREFIX}/plain: APIRoute, not a GuardedRoute"]
