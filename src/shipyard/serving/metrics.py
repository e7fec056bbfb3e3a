"""Prometheus metrics for one inference app, kept in the app's own registry.

A per-app ``CollectorRegistry`` lets tests (and one process hosting several apps) build
many apps without duplicate-timeseries errors from the global registry. Recording is a
pure ASGI middleware: cheaper than ``BaseHTTPMiddleware`` on the hot path.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServingMetrics:
    def __init__(self, max_batch_size: int) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "shipyard_serving_requests",
            "HTTP requests by route template and status code.",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "shipyard_serving_request_duration_seconds",
            "Time from request start to response end, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        buckets: list[float] = []
        b = 1
        while b < max_batch_size:
            buckets.append(b)
            b *= 2
        buckets.append(max_batch_size)
        self.batch_rows = Histogram(
            "shipyard_serving_batch_size",
            "Rows per model call after micro-batching.",
            buckets=buckets,
            registry=self.registry,
        )
        self.batch_requests = Histogram(
            "shipyard_serving_batch_requests",
            "Requests coalesced into each model call.",
            buckets=buckets,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "shipyard_serving_queue_depth",
            "Requests waiting for the batcher.",
            registry=self.registry,
        )
        self.predictions = Counter("shipyard_serving_predictions", "Rows predicted.", registry=self.registry)
        self.spool_dropped = Gauge(
            "shipyard_serving_spool_dropped_rows",
            "Prediction-log rows dropped because the writer fell behind.",
            registry=self.registry,
        )

    def observe_batch(self, rows: int, requests: int) -> None:
        self.batch_rows.observe(rows)
        self.batch_requests.observe(requests)
        self.predictions.inc(rows)

    def track_queue(self, depth: Callable[[], float]) -> None:
        self.queue_depth.set_function(depth)


class MetricsMiddleware:
    """Count and time every HTTP request, labelled by route template (bounded cardinality)."""

    def __init__(self, app: ASGIApp, metrics: ServingMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(label, str(status)).inc()
            self.metrics.latency.labels(label).observe(time.perf_counter() - start)
