"""The control-plane ASGI application."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from shipyard import __version__
from shipyard.api.limits import BodyLimitMiddleware
from shipyard.api.problems import install_problem_handlers
from shipyard.api.routes import compute, data, projects, registry, serving, system, tracking
from shipyard.compute.scheduler import Capacity, Scheduler
from shipyard.http_metrics import HTTPMetrics, HTTPMetricsMiddleware
from shipyard.platform import Platform

API_PREFIX = "/api/v1"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)


def create_app(platform: Platform, *, public_url: str | None = None, run_scheduler: bool = True) -> FastAPI:
    """Build the app; ``public_url`` is what jobs are told to call back on."""
    scheduler = _make_scheduler(platform, public_url) if run_scheduler else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()

    app = FastAPI(
        title="Shipyard control plane",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.metrics = HTTPMetrics(
        CollectorRegistry(),
        requests_name="shipyard_http_requests",
        latency_name="shipyard_http_request_seconds",
        buckets=LATENCY_BUCKETS,
        by_method=True,
    )
    app.state.scheduler = scheduler
    install_problem_handlers(app)
    app.include_router(system.router)
    for module in (projects, data, tracking, compute, registry, serving):
        app.include_router(module.router, prefix=API_PREFIX)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=platform.settings.max_body_bytes,
        max_json_bytes=platform.settings.max_json_bytes,
    )
    app.add_middleware(HTTPMetricsMiddleware, metrics=app.state.metrics)
    return app


def _make_scheduler(platform: Platform, public_url: str | None) -> Scheduler:
    return Scheduler(platform, public_url, Capacity(cpus=float(os.cpu_count() or 1)))
