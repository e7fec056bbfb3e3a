"""Health, readiness, Prometheus metrics and the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select

from shipyard import __version__, security
from shipyard.api import serializers
from shipyard.api.guard import GuardedRoute
from shipyard.api.routes.deps import Authenticated, Limit, Offset, SystemAdmin

router = APIRouter(route_class=GuardedRoute, tags=["system"])


@router.get("/healthz")
def healthz() -> dict[str, Any]:
    """Liveness: the process answers."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: the metadata database answers."""
    ready = request.app.state.platform.db.ping()
    return JSONResponse(
        {"status": "ready" if ready else "database unavailable"}, status_code=200 if ready else 503
    )


@router.get("/metrics")
def metrics(request: Request, ctx: Authenticated) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/v1/audit")
def audit_log(ctx: SystemAdmin, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    with ctx.session() as session:
        events = (
            session.execute(
                select(security.AuditEvent)
                .order_by(security.AuditEvent.id.desc())
                .limit(limit + 1)
                .offset(offset)
            )
            .scalars()
            .all()
        )
        return serializers.page([serializers.audit_event(e) for e in events], limit, offset)


@router.get("/api/v1/audit/verify")
def audit_verify(ctx: SystemAdmin) -> dict[str, Any]:
    with ctx.session() as session:
        return {"events": security.verify_chain(session), "intact": True}
