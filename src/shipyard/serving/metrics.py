"""Prometheus metrics for one inference app, kept in the app's own registry.

Request counts and latency come from the shared :mod:`shipyard.http_metrics` middleware;
this module adds the batching, queue and prediction-log metrics.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shipyard.http_metrics import HTTPMetrics

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServingMetrics:
    def __init__(self, max_batch_size: int) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http = HTTPMetrics(
            self.registry,
            requests_name="shipyard_serving_requests",
            requests_help="HTTP requests by route template and status code.",
            latency_name="shipyard_serving_request_duration_seconds",
            latency_help="Time from request start to response end, by route template.",
            buckets=LATENCY_BUCKETS,
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
