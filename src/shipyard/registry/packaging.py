"""Writing a model into a directory in a safe format, with the metadata the server reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shipyard.errors import InvalidInput, UnsafeArtifact

METADATA_FILE = "shipyard-model.json"
MANIFEST_FILE = "manifest.json"
FLAVOR_FILES = {"skops": "model.skops", "onnx": "model.onnx"}
REFUSED_SUFFIXES = (".pkl", ".pickle", ".joblib", ".dill", ".cloudpickle")
# skops flags some library-internal types (e.g. sklearn's tree arrays) as untrusted by default.
# Types from these packages run no user-supplied code on load, so Shipyard accepts them;
# anything else must be trusted explicitly by whoever saves the model.
LIBRARY_TYPE_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.")


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
    library_types = [
        t for t in skops.io.get_untrusted_types(file=path) if t.startswith(LIBRARY_TYPE_PREFIXES)
    ]
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
        trusted_types=library_types,
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
    refused = [p.name for p in directory.rglob("*") if p.suffix.lower() in REFUSED_SUFFIXES]
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
    if not (directory / meta.get("file", "")).is_file():
        raise InvalidInput(f"model file {meta.get('file')!r} is missing from {directory}")
    inputs = meta.get("signature", {}).get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise InvalidInput("the model signature must list its inputs")
    if flavor == "skops":
        _check_skops_types(directory / meta["file"], meta.get("trusted_types", []))
    return meta


def _check_skops_types(path: Path, trusted: list[str]) -> None:
    import skops.io

    foreign = [t for t in trusted if not t.startswith(LIBRARY_TYPE_PREFIXES)]
    if foreign:
        raise UnsafeArtifact(f"trusted_types may only name library types; refused: {', '.join(foreign)}")
    untrusted = [t for t in skops.io.get_untrusted_types(file=path) if t not in trusted]
    if untrusted:
        raise UnsafeArtifact(
            "the skops file contains types that are not trusted: "
            + ", ".join(untrusted)
            + "; list them in trusted_types only if you trust their source"
        )
