"""Writing a model into a directory in a safe format, with the metadata the server reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shipyard.blobs import validate_relpath
from shipyard.errors import InvalidInput, UnsafeArtifact
from shipyard.model_safety import check_trusted_types, is_pickle_file, library_types

METADATA_FILE = "shipyard-model.json"
MANIFEST_FILE = "manifest.json"
FLAVOR_FILES = {"skops": "model.skops", "onnx": "model.onnx"}


def save_sklearn(
    model: Any,
    directory: Path,
    *,
    feature_names: Sequence[str],
    task: str = "classification",
    feature_dtype: str = "float64",
) -> Path:
    """Serialise a scikit-learn estimator with skops (never pickle) plus its signature."""
    import skops.io

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FLAVOR_FILES["skops"]
    skops.io.dump(model, path)
    trusted = library_types(skops.io.get_untrusted_types(file=path))
    output_dtype = "int64" if task == "classification" else "float64"
    classes = getattr(model, "classes_", None)
    if classes is not None and getattr(classes, "dtype", None) is not None and classes.dtype.kind in "OUS":
        output_dtype = "str"
    write_metadata(
        directory,
        flavor="skops",
        task=task,
        signature={
            "inputs": [{"name": name, "dtype": feature_dtype} for name in feature_names],
            "outputs": [{"name": "prediction", "dtype": output_dtype}],
        },
        trusted_types=trusted,
    )
    return directory


def write_metadata(
    directory: Path,
    *,
    flavor: str,
    task: str,
    signature: dict[str, Any],
    trusted_types: Sequence[str] = (),
) -> None:
    meta = {
        "flavor": flavor,
        "file": FLAVOR_FILES[flavor],
        "task": task,
        "signature": signature,
        "trusted_types": sorted(trusted_types),
    }
    (directory / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))


def read_metadata(directory: Path) -> dict[str, Any]:
    """Validate a model directory before it is stored: safe flavor, model file, signature."""
    meta_path = directory / METADATA_FILE
    if not meta_path.is_file():
        raise InvalidInput(f"{directory} has no {METADATA_FILE}; save the model with shipyard first")
    refused = [p.name for p in directory.rglob("*") if is_pickle_file(p.name)]
    if refused:
        raise UnsafeArtifact(
            f"pickle-based files are refused: {', '.join(sorted(refused))}; use skops or ONNX"
        )
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{METADATA_FILE} is not valid JSON: {exc}") from None
    flavor = meta.get("flavor")
    if flavor not in FLAVOR_FILES:
        raise UnsafeArtifact(f"model flavor {flavor!r} is not a safe format; use skops or onnx")
    model_file = meta.get("file")
    try:
        validate_relpath(model_file)
    except InvalidInput:
        raise UnsafeArtifact(f"model file {model_file!r} must be a path inside the model directory") from None
    if not (directory / model_file).is_file():
        raise InvalidInput(f"model file {model_file!r} is missing from {directory}")
    inputs = meta.get("signature", {}).get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise InvalidInput("the model signature must list its inputs")
    if flavor == "skops":
        _check_skops_types(directory / meta["file"], meta.get("trusted_types", []))
    return meta


def _check_skops_types(path: Path, trusted: list[str]) -> None:
    import skops.io

    check_trusted_types(trusted)
    untrusted = [t for t in skops.io.get_untrusted_types(file=path) if t not in trusted]
    if untrusted:
        raise UnsafeArtifact(
            "the skops file contains types that are not trusted: "
            + ", ".join(untrusted)
            + "; only scikit-learn, numpy and scipy.sparse types can be trusted, so export models"
            " with custom code to ONNX"
        )
