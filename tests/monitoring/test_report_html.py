"""HTML drift report: self-contained, one chart per column, names escaped."""

from __future__ import annotations

import numpy as np

from shipyard.monitoring.drift import drift_report
from shipyard.monitoring.report_html import render_drift_html


def _data() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    cats = np.array(["red", "green", "<b>blue</b>"], dtype=object)
    ref = {
        "<script>": rng.normal(size=400),
        "income": rng.lognormal(size=3000),
        "colour": rng.choice(cats, size=400),
        "many": rng.integers(0, 40, size=400).astype(str),
    }
    cur = {
        "<script>": rng.normal(loc=1.0, size=400),
        "income": rng.lognormal(size=3000),
        "colour": rng.choice(cats, size=400, p=[0.8, 0.1, 0.1]),
        "many": rng.integers(0, 40, size=400).astype(str),
    }
    return ref, cur


def test_html_has_one_svg_per_column_and_escapes_names():
    ref, cur = _data()
    report = drift_report(ref, cur)
    page = render_drift_html(report, ref, cur, title="Drift <weekly>")

    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == len(report.columns) == 4
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;blue&lt;/b&gt;" in page
    assert "<b>blue</b>" not in page
    assert "Drift &lt;weekly&gt;" in page
    assert "Dataset drift detected" in page or "No dataset drift" in page


def test_html_is_self_contained():
    ref, cur = _data()
    page = render_drift_html(drift_report(ref, cur), ref, cur, title="t")
    lowered = page.lower()
    assert "<script" not in lowered
    assert "src=" not in lowered
    assert "<link" not in lowered
    assert "http://" not in lowered.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in lowered


def test_html_shows_statistics():
    ref, cur = _data()
    report = drift_report(ref, cur)
    page = render_drift_html(report, ref, cur, title="t")
    for col in report.columns:
        assert col.method in page
    assert "PSI" in page and "p-value" in page
