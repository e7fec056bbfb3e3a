"""Monitoring: data drift of served inputs against training data."""

from shipyard.monitoring.drift import ColumnDrift, DriftReport, column_drift, drift_report
from shipyard.monitoring.models import DriftRun
from shipyard.monitoring.report_html import render_drift_html
from shipyard.monitoring.service import drift_against, drift_for_deployment, get_drift_run, list_drift_runs

__all__ = [
    "ColumnDrift",
    "DriftReport",
    "DriftRun",
    "column_drift",
    "drift_against",
    "drift_for_deployment",
    "drift_report",
    "get_drift_run",
    "list_drift_runs",
    "render_drift_html",
]
