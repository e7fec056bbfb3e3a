"""Prometheus request metrics for any Shipyard ASGI app, on the app's own registry.

A per-app ``CollectorRegistry`` lets tests (and one process hosting several apps) build
many apps without duplicate-timeseries errors from the global registry. Recording is a
pure ASGI middleware: cheaper than ``BaseHTTPMiddleware`` on the hot path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HTTPMetrics:
    """A request counter and a latency histogram, labelled by route template and status.

    ``by_method`` adds a ``method`` label to both (the control plane's scheme).
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        requests_name: str,
        latency_name: str,
        buckets: Sequence[float],
        by_method: bool = False,
        requests_help: str = "HTTP requests",
        latency_help: str = "HTTP request latency",
    ) -> None:
        self.registry = registry
        self.by_method = by_method
        labels = ["method", "route"] if by_method else ["route"]
        self.requests = Counter(requests_name, requests_help, [*labels, "status"], registry=registry)
        self.latency = Histogram(
            latency_name, latency_help, labels, buckets=tuple(buckets), registry=registry
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method, route) if self.by_method else (route,)
        self.requests.labels(*labels, str(status)).inc()
        self.latency.labels(*labels).observe(seconds)


class HTTPMetricsMiddleware:
    """Count and time every HTTP request, labelled by route template (bounded cardinality).

    The template (``/projects/{project}``) comes from the route the router matched, never
    from the raw path; requests no route matched are labelled ``unmatched``.
    """

    def __init__(self, app: ASGIApp, metrics: HTTPMetrics) -> None:
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
            self.metrics.observe(scope["method"], route_label(scope), status, time.perf_counter() - start)


def route_label(scope: Scope) -> str:
    """The matched route's template with the prefix it was mounted under (``/api/v1/...``).

    Routes included from a router keep their own, unprefixed template; the prefix is the
    leading part of the real path that the template does not cover (our templates have one
    path segment per parameter).
    """
    template = getattr(scope.get("route"), "path", None)
    if not template:
        return "unmatched"
    path: str = scope.get("path", "")
    extra = path.rstrip("/").count("/") - template.rstrip("/").count("/")
    return "/".join(path.split("/")[: extra + 1]) + template if extra > 0 else template
