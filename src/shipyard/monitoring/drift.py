"""Data drift statistics as pure functions of arrays.

Every function takes plain numpy arrays (one per column) and returns frozen values, so the
same code serves the API, the CLI, scheduled monitors and notebooks without a dataframe
library. All work is vectorised numpy/scipy; nothing loops over rows in Python.

Test choice follows common practice (and Evidently's defaults) so verdicts are comparable:

* numeric, both samples <= 1000 rows: two-sample Kolmogorov-Smirnov, drift if p < 0.05;
* numeric, larger: Wasserstein distance / reference std, drift if > 0.1 (p-values on big
  samples flag negligible differences, so an effect size is used instead);
* categorical, <= 1000 rows: chi-square test of homogeneity on the counts, drift if p < 0.05;
* categorical, larger: Jensen-Shannon distance (base 2, in [0, 1]), drift if > 0.1.

PSI is always reported as well because it is the number risk teams usually ask for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from shipyard.errors import InvalidInput

Kind = Literal["numeric", "categorical"]

SMALL_SAMPLE_MAX = 1000
"""Largest sample (rows, after dropping missing values) still judged by a p-value test."""
P_VALUE_THRESHOLD = 0.05
DISTANCE_THRESHOLD = 0.1
PSI_BINS = 10
PSI_EPSILON = 1e-4
"""Floor for empty-bin proportions so PSI stays finite."""


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    """Drift verdict for one column; ``p_value`` is None for distance-based methods."""

    column: str
    kind: Kind
    method: str
    statistic: float
    p_value: float | None
    psi: float
    drifted: bool
    reference_size: int
    current_size: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Per-column results plus the dataset-level verdict (share drifted >= threshold)."""

    columns: tuple[ColumnDrift, ...]
    drifted_columns: int
    share_drifted: float
    dataset_drifted: bool
    threshold_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": [c.to_dict() for c in self.columns],
            "drifted_columns": self.drifted_columns,
            "share_drifted": self.share_drifted,
            "dataset_drifted": self.dataset_drifted,
            "threshold_share": self.threshold_share,
        }


def infer_kind(values: np.ndarray) -> Kind:
    """Numbers (but not booleans) are numeric; everything else is categorical."""
    dtype = np.asarray(values).dtype
    if dtype != np.bool_ and (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
        return "numeric"
    return "categorical"


def clean_values(values: Iterable[Any] | np.ndarray, kind: Kind) -> np.ndarray:
    """Return the non-missing values: float64 for numeric, a sortable array for categorical.

    Missing means NaN or None (and +/-inf for numeric, which no statistic can use).
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if kind == "numeric":
        if arr.dtype == object:
            arr = np.where(arr == None, np.nan, arr)  # noqa: E711 - elementwise None test
        try:
            num = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"numeric column has non-numeric values: {exc}") from exc
        return num[np.isfinite(num)]
    if kind != "categorical":
        raise InvalidInput(f"unknown column kind {kind!r}; use 'numeric' or 'categorical'")
    if arr.dtype == object:
        # NaN is the only value not equal to itself; both tests run elementwise in C.
        arr = arr[(arr != None) & (arr == arr)]  # noqa: E711 - elementwise None test
    elif np.issubdtype(arr.dtype, np.floating):
        arr = arr[~np.isnan(arr)]
    return arr


def _category_counts(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts over the union of categories, aligned, as an (2, k) pair of int arrays."""
    both = np.concatenate([reference, current])
    try:
        _, codes = np.unique(both, return_inverse=True)
    except TypeError:  # mixed, unorderable types: compare by their text form
        _, codes = np.unique(both.astype(str), return_inverse=True)
    codes = codes.reshape(-1)
    k = int(codes.max()) + 1 if codes.size else 0
    ref_counts = np.bincount(codes[: reference.size], minlength=k)
    cur_counts = np.bincount(codes[reference.size :], minlength=k)
    return ref_counts, cur_counts


def _psi_from_counts(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    ref = np.maximum(ref_counts / max(ref_counts.sum(), 1), PSI_EPSILON)
    cur = np.maximum(cur_counts / max(cur_counts.sum(), 1), PSI_EPSILON)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def _sorted_bin_counts(sorted_values: np.ndarray, inner_edges: np.ndarray) -> np.ndarray:
    """Counts per open-ended bin, by binary search of the few edges into already-sorted data."""
    cuts = np.searchsorted(sorted_values, inner_edges, side="right")
    return np.diff(np.concatenate([[0], cuts, [sorted_values.size]]))


def _numeric_psi_sorted(reference: np.ndarray, current: np.ndarray, bins: int) -> float:
    inner = np.unique(np.quantile(reference, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    return _psi_from_counts(_sorted_bin_counts(reference, inner), _sorted_bin_counts(current, inner))


def numeric_psi(reference: np.ndarray, current: np.ndarray, bins: int = PSI_BINS) -> float:
    """PSI on reference-quantile bins, open-ended so out-of-range current values still count."""
    return _numeric_psi_sorted(np.sort(reference), np.sort(current), bins)


def _wasserstein_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """1-D Wasserstein distance (area between the two CDFs) of two sorted samples.

    Same result as ``scipy.stats.wasserstein_distance`` but ~3x faster on 100k rows: a stable
    argsort of two sorted runs is a linear merge, and the CDFs are running counts of which
    sample each merged value came from (ties get zero width, so their order is irrelevant).
    """
    both = np.concatenate([u, v])
    order = np.argsort(both, kind="stable")
    from_u = order < u.size
    u_cdf = np.cumsum(from_u)[:-1] / u.size
    v_cdf = np.cumsum(~from_u)[:-1] / v.size
    return float(np.dot(np.abs(u_cdf - v_cdf), np.diff(both[order])))


def wasserstein(reference: np.ndarray, current: np.ndarray) -> float:
    """Unnormalised 1-D Wasserstein distance between two samples."""
    return _wasserstein_sorted(np.sort(reference), np.sort(current))


def categorical_psi(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI with one bin per category seen in either sample."""
    return _psi_from_counts(*_category_counts(reference, current))


def _numeric_test(ref: np.ndarray, cur: np.ndarray) -> tuple[str, float, float | None, bool]:
    """Both samples must be sorted."""
    if ref.size <= SMALL_SAMPLE_MAX and cur.size <= SMALL_SAMPLE_MAX:
        from scipy import stats  # ~1 s to import: only when a small-sample test runs

        result = stats.ks_2samp(ref, cur)
        p = float(result.pvalue)
        return "ks", float(result.statistic), p, p < P_VALUE_THRESHOLD
    # A constant reference has no spread to normalise by; fall back to absolute units.
    scale = float(np.std(ref)) or 1.0
    distance = _wasserstein_sorted(ref, cur) / scale
    return "wasserstein", distance, None, distance > DISTANCE_THRESHOLD


def _categorical_test(ref: np.ndarray, cur: np.ndarray) -> tuple[str, float, float | None, bool]:
    ref_counts, cur_counts = _category_counts(ref, cur)
    if ref.size <= SMALL_SAMPLE_MAX and cur.size <= SMALL_SAMPLE_MAX:
        if ref_counts.size < 2:  # a single category cannot have shifted
            return "chi2", 0.0, 1.0, False
        from scipy import stats

        result = stats.chi2_contingency(np.vstack([ref_counts, cur_counts]), correction=False)
        p = float(result.pvalue)
        return "chi2", float(result.statistic), p, p < P_VALUE_THRESHOLD
    from scipy.spatial.distance import jensenshannon

    distance = float(jensenshannon(ref_counts / ref.size, cur_counts / cur.size, base=2))
    return "jensenshannon", distance, None, distance > DISTANCE_THRESHOLD


def column_drift(
    name: str,
    reference: Iterable[Any] | np.ndarray,
    current: Iterable[Any] | np.ndarray,
    kind: Kind | None = None,
) -> ColumnDrift:
    """Compare one column's current sample with its reference sample.

    ``kind`` defaults to :func:`infer_kind` on the reference; pass it explicitly for
    numeric-coded categories (e.g. integer class labels). Missing values are dropped first.
    """
    ref_arr, cur_arr = np.asarray(reference), np.asarray(current)
    kind = kind or infer_kind(ref_arr)
    ref, cur = clean_values(ref_arr, kind), clean_values(cur_arr, kind)
    if cur.size == 0:
        raise InvalidInput(f"column {name!r}: current sample has no non-missing values")
    if ref.size == 0:
        raise InvalidInput(f"column {name!r}: reference sample has no non-missing values")
    if kind == "numeric":
        ref, cur = np.sort(ref), np.sort(cur)  # sorted once, shared by every statistic
        method, statistic, p_value, drifted = _numeric_test(ref, cur)
        psi = _numeric_psi_sorted(ref, cur, PSI_BINS)
    else:
        method, statistic, p_value, drifted = _categorical_test(ref, cur)
        psi = categorical_psi(ref, cur)
    return ColumnDrift(
        column=name,
        kind=kind,
        method=method,
        statistic=statistic,
        p_value=p_value,
        psi=psi,
        drifted=bool(drifted),
        reference_size=int(ref.size),
        current_size=int(cur.size),
    )


def drift_report(
    reference: Mapping[str, Any],
    current: Mapping[str, Any],
    columns: Iterable[str] | None = None,
    threshold_share: float = 0.5,
    *,
    kinds: Mapping[str, Kind] | None = None,
) -> DriftReport:
    """Drift over the columns both datasets share (or the named ``columns``).

    The dataset counts as drifted when the share of drifted columns reaches
    ``threshold_share``, so one noisy column does not page anyone on a wide table.
    """
    if not 0.0 < threshold_share <= 1.0:
        raise InvalidInput(f"threshold_share must be in (0, 1], got {threshold_share}")
    if columns is None:
        names = [c for c in reference if c in current]
    else:
        names = list(dict.fromkeys(columns))
        missing = [c for c in names if c not in reference or c not in current]
        if missing:
            raise InvalidInput(f"columns not present in both datasets: {', '.join(map(str, missing))}")
    if not names:
        raise InvalidInput("reference and current share no columns; check the column names")
    kinds = kinds or {}
    results = tuple(column_drift(c, reference[c], current[c], kinds.get(c)) for c in names)
    drifted = sum(r.drifted for r in results)
    share = drifted / len(results)
    return DriftReport(
        columns=results,
        drifted_columns=drifted,
        share_drifted=share,
        dataset_drifted=share >= threshold_share,
        threshold_share=threshold_share,
    )
