"""Tracking: experiments, runs, parameters, metrics and run lineage."""

from shipyard.tracking.models import Experiment, Metric, Param, Run, RunInput
from shipyard.tracking.service import (
    MetricPoint,
    add_input,
    create_run,
    finish_run,
    get_run,
    latest_metrics,
    list_runs,
    log_metrics,
    log_params,
    metric_history,
    run_inputs,
    run_params,
)

__all__ = [
    "Experiment",
    "Metric",
    "MetricPoint",
    "Param",
    "Run",
    "RunInput",
    "add_input",
    "create_run",
    "finish_run",
    "get_run",
    "latest_metrics",
    "list_runs",
    "log_metrics",
    "log_params",
    "metric_history",
    "run_inputs",
    "run_params",
]
