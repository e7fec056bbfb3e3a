from __future__ import annotations

import json
import operator
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from shipyard.errors import MissingDependency, UnsafeArtifact
from shipyard.serving import LoadedModel, load_model

from .conftest import COLUMNS, write_manifest, write_spec


def test_loads_verified_model_and_predicts_like_the_estimator(model_dir, estimator, training_data):
    X, _ = training_data
    model = load_model(model_dir)
    assert isinstance(model, LoadedModel)
    assert (model.name, model.version, model.flavor) == ("iris", 3, "skops")
    assert model.signature.input_names == tuple(COLUMNS)
    np.testing.assert_array_equal(model.predict(X[:20]), estimator.predict(X[:20]))
    assert model.has_proba
    np.testing.assert_allclose(model.predict_proba(X[:5]), estimator.predict_proba(X[:5]))


def test_tampered_model_file_is_refused(model_dir):
    path = model_dir / "model.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different bytes
    path.write_bytes(bytes(data))
    with pytest.raises(UnsafeArtifact, match=r"model\.skops digest"):
        load_model(model_dir)


def test_size_mismatch_and_unlisted_files_are_refused(model_dir):
    (model_dir / "extra.bin").write_bytes(b"smuggled")
    with pytest.raises(UnsafeArtifact, match=r"extra\.bin"):
        load_model(model_dir)
    (model_dir / "extra.bin").unlink()
    with (model_dir / "model.skops").open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(UnsafeArtifact, match="size"):
        load_model(model_dir)


def test_spec_must_be_listed_in_manifest(model_dir):
    manifest = json.loads((model_dir / "manifest.json").read_text())
    manifest["files"] = [f for f in manifest["files"] if f["path"] != "shipyard-model.json"]
    (model_dir / "manifest.json").write_text(json.dumps(manifest))
    (model_dir / "shipyard-model.json").unlink()  # keep the on-disk set consistent
    with pytest.raises(UnsafeArtifact, match=r"shipyard-model\.json"):
        load_model(model_dir)


def test_model_file_must_be_listed_in_manifest(model_dir):
    write_spec(model_dir, file="other.skops")
    write_manifest(model_dir)
    with pytest.raises(UnsafeArtifact, match=r"other\.skops is not listed"):
        load_model(model_dir)


def test_manifest_paths_cannot_escape(model_dir):
    manifest = json.loads((model_dir / "manifest.json").read_text())
    manifest["files"].append({"path": "../outside", "digest": "0" * 64, "size": 1})
    (model_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UnsafeArtifact, match="escapes"):
        load_model(model_dir)


@pytest.mark.parametrize("suffix", [".pkl", ".pickle", ".joblib"])
def test_pickle_formats_are_refused(tmp_path: Path, estimator, suffix):
    model_dir = tmp_path / "pickled"
    model_dir.mkdir()
    (model_dir / f"model{suffix}").write_bytes(pickle.dumps(estimator))
    write_spec(model_dir, file=f"model{suffix}")
    write_manifest(model_dir)
    with pytest.raises(UnsafeArtifact, match="pickle"):
        load_model(model_dir)


def test_pickle_renamed_to_skops_is_refused(tmp_path: Path, estimator):
    model_dir = tmp_path / "disguised"
    model_dir.mkdir()
    (model_dir / "model.skops").write_bytes(pickle.dumps(estimator))
    write_spec(model_dir)
    write_manifest(model_dir)
    with pytest.raises(UnsafeArtifact, match="pickle"):
        load_model(model_dir)


def test_untrusted_skops_types_are_refused_unless_listed(tmp_path: Path, training_data):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = training_data
    pipeline = make_pipeline(FunctionTransformer(operator.neg), LogisticRegression()).fit(X, y)
    model_dir = tmp_path / "custom"
    model_dir.mkdir()
    sio.dump(pipeline, model_dir / "model.skops")
    untrusted = sio.get_untrusted_types(file=model_dir / "model.skops")
    assert untrusted == ["_operator.neg"]  # arbitrary callables are not trusted by default
    write_spec(model_dir)
    write_manifest(model_dir)
    with pytest.raises(UnsafeArtifact, match="not trusted") as excinfo:
        load_model(model_dir)
    assert excinfo.value.extra["untrusted_types"] == sorted(untrusted)

    # Listing it does not help: only library types may be trusted (shipyard.model_safety).
    write_spec(model_dir, trusted_types=untrusted)
    write_manifest(model_dir)
    with pytest.raises(UnsafeArtifact, match="only name library types"):
        load_model(model_dir)


def test_onnx_without_onnxruntime_is_a_missing_dependency(tmp_path: Path, monkeypatch):
    model_dir = tmp_path / "onnx"
    model_dir.mkdir()
    (model_dir / "model.onnx").write_bytes(b"not really onnx")
    write_spec(model_dir, file="model.onnx", flavor="onnx")
    write_manifest(model_dir)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(MissingDependency, match="onnxruntime"):
        load_model(model_dir)


def test_trusted_types_beyond_library_types_are_refused(model_dir: Path) -> None:
    """A hand-edited spec cannot widen the trust policy the registry enforces."""
    write_spec(model_dir, trusted_types=["builtins.eval"])
    write_manifest(model_dir)
    with pytest.raises(UnsafeArtifact, match=r"builtins\.eval"):
        load_model(model_dir)
