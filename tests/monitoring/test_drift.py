"""Drift statistics: each test method is exercised on data with a known answer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shipyard.errors import InvalidInput
from shipyard.monitoring.drift import (
    ColumnDrift,
    DriftReport,
    categorical_psi,
    column_drift,
    drift_report,
    infer_kind,
    numeric_psi,
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(42)


def test_identical_distribution_small_not_drifted(rng):
    ref, cur = rng.normal(size=500), rng.normal(size=500)
    result = column_drift("x", ref, cur)
    assert result.kind == "numeric"
    assert result.method == "ks"
    assert result.p_value is not None and result.p_value > 0.05
    assert not result.drifted
    assert result.psi < 0.1


def test_identical_distribution_large_not_drifted(rng):
    result = column_drift("x", rng.normal(size=5000), rng.normal(size=5000))
    assert result.method == "wasserstein"
    assert result.p_value is None
    assert not result.drifted
    assert result.psi < 0.05


def test_mean_shift_detected_by_ks(rng):
    result = column_drift("x", rng.normal(size=500), rng.normal(loc=1.0, size=500))
    assert result.method == "ks"
    assert result.drifted
    assert result.p_value is not None and result.p_value < 1e-6
    assert result.psi > 0.2


def test_mean_shift_detected_by_wasserstein_on_large_samples(rng):
    ref = rng.normal(loc=10.0, scale=2.0, size=5000)
    cur = rng.normal(loc=11.0, scale=2.0, size=5000)
    result = column_drift("x", ref, cur)
    assert result.method == "wasserstein"
    assert result.drifted
    # Normalised by the reference std, a half-std shift is ~0.5.
    assert result.statistic == pytest.approx(0.5, abs=0.08)


def test_one_large_sample_switches_to_wasserstein(rng):
    assert column_drift("x", rng.normal(size=1001), rng.normal(size=200)).method == "wasserstein"
    assert column_drift("x", rng.normal(size=1000), rng.normal(size=1000)).method == "ks"


def test_categorical_shift_detected_by_chi2(rng):
    cats = np.array(["a", "b", "c"])
    ref = rng.choice(cats, size=600, p=[0.6, 0.3, 0.1])
    cur = rng.choice(cats, size=600, p=[0.2, 0.3, 0.5])
    result = column_drift("c", ref, cur)
    assert result.kind == "categorical"
    assert result.method == "chi2"
    assert result.drifted
    assert result.psi > 0.2


def test_categorical_same_not_drifted_by_chi2(rng):
    cats = np.array(["a", "b", "c"])
    ref = rng.choice(cats, size=600, p=[0.6, 0.3, 0.1])
    cur = rng.choice(cats, size=600, p=[0.6, 0.3, 0.1])
    result = column_drift("c", ref, cur)
    assert not result.drifted
    assert result.psi < 0.1


def test_categorical_shift_detected_by_jensenshannon_on_large_samples(rng):
    cats = np.array(["a", "b", "c", "d"], dtype=object)
    ref = rng.choice(cats, size=5000, p=[0.4, 0.3, 0.2, 0.1])
    same = rng.choice(cats, size=5000, p=[0.4, 0.3, 0.2, 0.1])
    shifted = rng.choice(cats, size=5000, p=[0.1, 0.2, 0.3, 0.4])
    assert column_drift("c", ref, same).method == "jensenshannon"
    assert not column_drift("c", ref, same).drifted
    result = column_drift("c", ref, shifted)
    assert result.drifted
    assert 0.1 < result.statistic <= 1.0


def test_new_category_in_current_is_handled(rng):
    ref = np.array(["a"] * 300 + ["b"] * 300)
    cur = np.array(["a"] * 200 + ["b"] * 200 + ["z"] * 200)
    result = column_drift("c", ref, cur)
    assert result.drifted
    assert np.isfinite(result.psi) and result.psi > 0.2


def test_bool_and_integer_kinds():
    assert infer_kind(np.array([True, False])) == "categorical"
    assert infer_kind(np.array([1, 2, 3])) == "numeric"
    assert infer_kind(np.array(["x"])) == "categorical"
    labels = np.array([0, 1, 1, 0] * 50)
    assert column_drift("label", labels, labels, kind="categorical").method == "chi2"


def test_psi_values(rng):
    ref = rng.normal(size=20_000)
    assert numeric_psi(ref, rng.normal(size=20_000)) < 0.01
    assert numeric_psi(ref, rng.normal(loc=1.0, size=20_000)) > 0.2
    a = np.array(["x"] * 500 + ["y"] * 500)
    assert categorical_psi(a, a) == pytest.approx(0.0)
    assert categorical_psi(a, np.array(["x"] * 950 + ["y"] * 50)) > 0.2


def test_constant_columns_do_not_crash():
    same = column_drift("k", np.ones(2000), np.ones(2000))
    assert not same.drifted and same.psi == pytest.approx(0.0)
    assert column_drift("k", np.ones(2000), np.full(2000, 2.0)).drifted
    single = column_drift("c", np.array(["a"] * 10), np.array(["a"] * 5))
    assert not single.drifted


def test_nans_and_nones_are_dropped(rng):
    ref = rng.normal(size=400)
    cur = rng.normal(size=400)
    cur_with_nan = np.concatenate([cur, np.full(100, np.nan)])
    result = column_drift("x", ref, cur_with_nan)
    assert result.current_size == 400
    assert result == column_drift("x", ref, cur)

    cats = np.array(["a", None, "b", float("nan"), "a"], dtype=object)
    cat_result = column_drift("c", cats, cats)
    assert cat_result.reference_size == 3 and cat_result.current_size == 3

    mixed = np.array([1.0, None, 2.0, 3.0], dtype=object)
    assert column_drift("n", mixed, mixed, kind="numeric").current_size == 3


def test_empty_current_raises():
    with pytest.raises(InvalidInput):
        column_drift("x", np.arange(10.0), np.array([]))
    with pytest.raises(InvalidInput):
        column_drift("x", np.arange(10.0), np.array([np.nan, np.nan]))


def test_non_numeric_values_for_numeric_kind_raise():
    with pytest.raises(InvalidInput):
        column_drift("x", np.array(["a", "b"]), np.array(["a"]), kind="numeric")


def test_report_share_and_verdict(rng):
    ref = {f"c{i}": rng.normal(size=300) for i in range(4)}
    cur = {f"c{i}": rng.normal(size=300) for i in range(4)}
    cur["c0"] = cur["c0"] + 2.0
    ref["only_ref"] = rng.normal(size=10)

    report = drift_report(ref, cur)
    assert isinstance(report, DriftReport)
    assert [c.column for c in report.columns] == ["c0", "c1", "c2", "c3"]
    assert report.drifted_columns == 1
    assert report.share_drifted == pytest.approx(0.25)
    assert not report.dataset_drifted

    cur["c1"] = cur["c1"] + 2.0
    report = drift_report(ref, cur)
    assert report.share_drifted == pytest.approx(0.5)
    assert report.dataset_drifted  # share >= threshold

    strict = drift_report(ref, cur, threshold_share=0.75)
    assert not strict.dataset_drifted

    subset = drift_report(ref, cur, columns=["c2"])
    assert len(subset.columns) == 1 and not subset.dataset_drifted

    as_dict = report.to_dict()
    json.dumps(as_dict)  # plain JSON types only
    assert as_dict["columns"][0]["column"] == "c0"
    assert isinstance(report.columns[0], ColumnDrift)


def test_report_errors(rng):
    with pytest.raises(InvalidInput):
        drift_report({"a": rng.normal(size=5)}, {"b": rng.normal(size=5)})
    with pytest.raises(InvalidInput):
        drift_report({"a": rng.normal(size=5)}, {"a": rng.normal(size=5)}, columns=["a", "missing"])
    with pytest.raises(InvalidInput):
        drift_report({"a": rng.normal(size=5)}, {"a": rng.normal(size=5)}, threshold_share=0.0)


def test_results_are_frozen(rng):
    result = column_drift("x", rng.normal(size=50), rng.normal(size=50))
    with pytest.raises(AttributeError):
        result.drifted = True  # type: ignore[misc]


def test_wasserstein_matches_scipy(rng):
    from scipy import stats

    from shipyard.monitoring.drift import wasserstein

    a, b = rng.normal(size=3000), rng.normal(loc=0.3, scale=2.0, size=1700)
    assert wasserstein(a, b) == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-12)
    ties_a = rng.integers(0, 5, size=800).astype(float)
    ties_b = rng.integers(1, 7, size=1300).astype(float)
    assert wasserstein(ties_a, ties_b) == pytest.approx(stats.wasserstein_distance(ties_a, ties_b))
