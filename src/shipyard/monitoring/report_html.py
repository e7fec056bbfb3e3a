"""Render a :class:`~shipyard.monitoring.drift.DriftReport` as one self-contained HTML page.

The page has no scripts and no external assets (inline CSS and SVG only) so it can be
attached to an email, stored as a run artifact or opened offline without a CDN.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import numpy as np

from shipyard.monitoring.drift import ColumnDrift, DriftReport, clean_values

WIDTH, HEIGHT, PAD = 360, 150, 22
HIST_BINS = 20
MAX_CATEGORIES = 12
REF_COLOR, CUR_COLOR = "#4c78a8", "#f58518"

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222}
h1{margin-bottom:.3rem}.summary{margin-bottom:1.5rem;color:#444}
.grid{display:flex;flex-wrap:wrap;gap:1rem}
.col{border:1px solid #ddd;border-radius:6px;padding:.8rem;width:380px}
.col h2{font-size:1rem;margin:0 0 .4rem;word-break:break-all}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:4px;font-size:.8rem;color:#fff}
.drift{background:#c0392b}.ok{background:#27ae60}
table{border-collapse:collapse;font-size:.85rem;margin-top:.4rem}
td{padding:.1rem .6rem .1rem 0}.legend{font-size:.8rem}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .6rem;vertical-align:middle}
"""


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}"


def _bars(ref_share: np.ndarray, cur_share: np.ndarray, labels: list[str], grouped: bool) -> str:
    """SVG body: overlaid (histogram) or side-by-side (categorical) bars of two share vectors."""
    n = len(labels) if grouped else ref_share.size
    top = float(max(ref_share.max(initial=0.0), cur_share.max(initial=0.0))) or 1.0
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    slot = plot_w / max(n, 1)
    parts: list[str] = []
    for i in range(n):  # one iteration per bin or category, never per row
        x0 = PAD + i * slot
        tip = f"{labels[i]} " if grouped else ""
        for j, (share, color) in enumerate(((ref_share[i], REF_COLOR), (cur_share[i], CUR_COLOR))):
            series = "reference" if j == 0 else "current"
            h = plot_h * float(share) / top
            x, w = (x0 + j * slot / 2, slot / 2 - 1) if grouped else (x0, slot - 1)
            parts.append(
                f'<rect x="{x:.1f}" y="{PAD + plot_h - h:.1f}" width="{max(w, 0.5):.1f}" '
                f'height="{h:.1f}" fill="{color}" fill-opacity="{0.85 if grouped else 0.55}">'
                f"<title>{escape(tip)}{series}: {float(share):.1%}</title></rect>"
            )
        if grouped:
            label = labels[i] if len(labels[i]) <= 10 else labels[i][:9] + "\u2026"
            parts.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{HEIGHT - 6}" font-size="9" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return "".join(parts)


def _svg(body: str, footer: str = "") -> str:
    axis = f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{body}{axis}{footer}</svg>'
    )


def _numeric_chart(ref: np.ndarray, cur: np.ndarray) -> str:
    lo = float(min(ref.min(), cur.min()))
    hi = float(max(ref.max(), cur.max()))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, HIST_BINS + 1)
    ref_share = np.histogram(ref, edges)[0] / ref.size
    cur_share = np.histogram(cur, edges)[0] / cur.size
    footer = (
        f'<text x="{PAD}" y="{HEIGHT - 6}" font-size="9">{lo:.4g}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" font-size="9" text-anchor="end">{hi:.4g}</text>'
    )
    return _svg(_bars(ref_share, cur_share, [], grouped=False), footer)


def _categorical_chart(ref: np.ndarray, cur: np.ndarray) -> str:
    both = np.concatenate([ref, cur])
    try:
        cats, codes = np.unique(both, return_inverse=True)
    except TypeError:
        cats, codes = np.unique(both.astype(str), return_inverse=True)
    codes = codes.reshape(-1)
    ref_share = np.bincount(codes[: ref.size], minlength=cats.size) / ref.size
    cur_share = np.bincount(codes[ref.size :], minlength=cats.size) / cur.size
    labels = [str(c) for c in cats]
    if cats.size > MAX_CATEGORIES:  # keep the most common, fold the tail into "other"
        order = np.argsort(-(ref_share + cur_share), kind="stable")
        keep, rest = order[: MAX_CATEGORIES - 1], order[MAX_CATEGORIES - 1 :]
        labels = [labels[i] for i in keep] + ["other"]
        ref_share = np.append(ref_share[keep], ref_share[rest].sum())
        cur_share = np.append(cur_share[keep], cur_share[rest].sum())
    return _svg(_bars(ref_share, cur_share, labels, grouped=True))


def _column_section(result: ColumnDrift, reference: Any, current: Any) -> str:
    ref = clean_values(reference, result.kind)
    cur = clean_values(current, result.kind)
    chart = _numeric_chart(ref, cur) if result.kind == "numeric" else _categorical_chart(ref, cur)
    verdict = (
        '<span class="badge drift">drift</span>' if result.drifted else '<span class="badge ok">ok</span>'
    )
    rows = [
        ("kind", result.kind),
        ("method", result.method),
        ("statistic", _fmt(result.statistic)),
        ("p-value", _fmt(result.p_value)),
        ("PSI", _fmt(result.psi)),
        ("rows (ref / cur)", f"{result.reference_size} / {result.current_size}"),
    ]
    table = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return (
        f'<section class="col"><h2>{escape(result.column)} {verdict}</h2>{chart}'
        f'<div class="legend"><span style="background:{REF_COLOR}"></span>reference'
        f'<span style="background:{CUR_COLOR}"></span>current</div>'
        f"<table>{table}</table></section>"
    )


def render_drift_html(
    report: DriftReport,
    reference: Mapping[str, Any],
    current: Mapping[str, Any],
    title: str = "Data drift report",
) -> str:
    """Return the full HTML document; ``reference``/``current`` are the arrays the report used."""
    verdict = "Dataset drift detected" if report.dataset_drifted else "No dataset drift"
    summary = (
        f'<p class="summary"><strong>{verdict}</strong>: {report.drifted_columns} of '
        f"{len(report.columns)} columns drifted ({report.share_drifted:.0%}; "
        f"threshold {report.threshold_share:.0%}).</p>"
    )
    sections = "".join(_column_section(c, reference[c.column], current[c.column]) for c in report.columns)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f'<body><h1>{escape(title)}</h1>{summary}<div class="grid">{sections}</div></body></html>\n'
    )
