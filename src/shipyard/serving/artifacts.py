"""Verify and load a materialized model directory.

Loading is where untrusted bytes become executable objects, so nothing is deserialized
before every file matches the manifest's BLAKE3 digests, pickle formats are refused
outright, and skops only instantiates types the model author explicitly trusted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shipyard.blobs import Manifest, ManifestEntry, hash_bytes, validate_relpath, verify_tree
from shipyard.errors import (
    CorruptObject,
    InvalidInput,
    MissingDependency,
    NotFound,
    ShipyardError,
    UnsafeArtifact,
)
from shipyard.model_safety import check_trusted_types, is_pickle_file
from shipyard.serving.signature import Signature

MANIFEST_NAME = "manifest.json"
SPEC_NAME = "shipyard-model.json"
FLAVORS = frozenset({"skops", "onnx"})

PredictFn = Callable[[np.ndarray], np.ndarray]


def _unsafe(detail: str, file: object, cause: ShipyardError) -> UnsafeArtifact:
    """Re-raise a blobs verification error as the UnsafeArtifact serving promises."""
    extra = {"file": file} if isinstance(file, str) else {}
    return UnsafeArtifact(f"{detail}: {cause.detail}", **extra)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UnsafeArtifact(f"{what} is missing from {path.parent}", file=path.name) from exc
    except OSError as exc:
        raise UnsafeArtifact(f"{what} could not be read: {exc}", file=path.name) from exc


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(_read(path, what))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnsafeArtifact(f"{what} is not valid JSON: {exc}", file=path.name) from exc


def _safe_relpath(raw: Any) -> str:
    """Reject absolute or escaping paths so a spec cannot point outside its directory."""
    try:
        return validate_relpath(raw)
    except InvalidInput as exc:
        raise _unsafe(f"{SPEC_NAME} has an invalid file path", raw, exc) from exc


def verify_manifest(model_dir: Path) -> dict[str, ManifestEntry]:
    """Check every listed file's size and digest, and that no unlisted file rides along."""
    try:
        manifest = Manifest.from_json(_read(model_dir / MANIFEST_NAME, MANIFEST_NAME))
    except InvalidInput as exc:
        raise _unsafe(f"{MANIFEST_NAME} is invalid", MANIFEST_NAME, exc) from exc
    by_path = {entry.path: entry for entry in manifest.files}

    on_disk = {
        p.relative_to(model_dir).as_posix()
        for p in model_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME
    }
    unlisted = sorted(on_disk - by_path.keys())
    if unlisted:
        raise UnsafeArtifact(f"files not covered by manifest.json: {', '.join(unlisted)}", files=unlisted)

    try:
        verify_tree(model_dir, manifest)
    except (CorruptObject, InvalidInput, NotFound) as exc:
        file = exc.extra.get("path")
        raise _unsafe(f"{file} digest/size check against manifest.json failed", file, exc) from exc
    return by_path


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The parsed ``shipyard-model.json``."""

    name: str
    version: int
    flavor: str
    file: str
    task: str
    signature: Signature
    trusted_types: tuple[str, ...]

    @classmethod
    def from_dict(cls, raw: Any) -> ModelSpec:
        try:
            spec = cls(
                name=str(raw["name"]),
                version=int(raw["version"]),
                flavor=str(raw["flavor"]),
                file=_safe_relpath(raw["file"]),
                task=str(raw.get("task", "classification")),
                signature=Signature.from_dict(raw["signature"]),
                trusted_types=tuple(str(t) for t in raw.get("trusted_types", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UnsafeArtifact(f"shipyard-model.json is malformed: {exc!r}") from exc
        if spec.flavor not in FLAVORS:
            raise UnsafeArtifact(f"unsupported model flavor {spec.flavor!r}; use skops or onnx")
        return spec


class LoadedModel:
    """A verified model ready to predict on 2-D float batches in signature column order."""

    def __init__(
        self,
        spec: ModelSpec,
        predict: PredictFn,
        predict_proba: PredictFn | None = None,
        classes: np.ndarray | None = None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.version = spec.version
        self.flavor = spec.flavor
        self.task = spec.task
        self.signature = spec.signature
        self.classes = classes
        self._predict = predict
        self._predict_proba = predict_proba

    @property
    def n_features(self) -> int:
        return len(self.signature.inputs)

    @property
    def has_proba(self) -> bool:
        return self._predict_proba is not None

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self._predict(batch))

    def predict_proba(self, batch: np.ndarray) -> np.ndarray:
        if self._predict_proba is None:
            raise NotImplementedError(f"model {self.name} does not produce probabilities")
        return np.asarray(self._predict_proba(batch), dtype=np.float64)

    def infer(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Prediction plus probabilities when available: the unit of work the server batches."""
        proba = self.predict_proba(batch) if self._predict_proba is not None else None
        return self.predict(batch), proba

    def __repr__(self) -> str:
        return f"LoadedModel(name={self.name!r}, version={self.version}, flavor={self.flavor!r})"


def _load_skops(spec: ModelSpec, data: bytes) -> LoadedModel:
    import skops.io as sio

    if data[:1] == b"\x80":  # pickle protocol 2+ opcode: a pickle renamed to .skops
        raise UnsafeArtifact(f"{spec.file} is a pickle, not a skops archive", file=spec.file)
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # zipfile/json/key errors: any failure means "not a skops archive"
        raise UnsafeArtifact(f"{spec.file} is not a valid skops archive: {exc}", file=spec.file) from exc
    check_trusted_types(spec.trusted_types)  # the same policy the registry enforced at upload
    refused = sorted(set(untrusted) - set(spec.trusted_types))
    if refused:
        raise UnsafeArtifact(
            f"{spec.file} contains types that are not trusted: {', '.join(refused)}; "
            "only library types may be listed in trusted_types (shipyard.model_safety)",
            file=spec.file,
            untrusted_types=refused,
        )
    estimator = sio.loads(data, trusted=list(untrusted))
    if not callable(getattr(estimator, "predict", None)):
        raise UnsafeArtifact(f"{spec.file} does not hold an estimator with predict()", file=spec.file)
    proba = getattr(estimator, "predict_proba", None)
    if not callable(proba) or spec.task != "classification":
        proba = None
    classes = getattr(estimator, "classes_", None)
    return LoadedModel(spec, estimator.predict, proba, None if classes is None else np.asarray(classes))


def _load_onnx(spec: ModelSpec, data: bytes) -> LoadedModel:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise MissingDependency(
            "serving ONNX models needs onnxruntime; install it with: pip install 'shipyard[onnx]'"
        ) from exc
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    output_names = [o.name for o in session.get_outputs()]
    # skl2onnx classifiers emit (label, probabilities); probabilities are usable only as a tensor.
    has_proba = len(output_names) > 1 and spec.task == "classification"

    def run(batch: np.ndarray) -> list[Any]:
        return session.run(output_names, {input_name: batch.astype(np.float32, copy=False)})

    def predict(batch: np.ndarray) -> np.ndarray:
        return np.asarray(run(batch)[0]).reshape(len(batch), -1).squeeze(axis=1)

    def predict_proba(batch: np.ndarray) -> np.ndarray:
        out = run(batch)[1]
        if not isinstance(out, np.ndarray):
            raise UnsafeArtifact("ONNX probabilities are not a tensor; export with zipmap=False")
        return out

    return LoadedModel(spec, predict, predict_proba if has_proba else None)


def load_model(model_dir: Path) -> LoadedModel:
    """Verify ``model_dir`` against its manifest, then deserialize the model safely."""
    model_dir = Path(model_dir)
    entries = verify_manifest(model_dir)
    if SPEC_NAME not in entries:
        raise UnsafeArtifact(f"{SPEC_NAME} is not listed in manifest.json", file=SPEC_NAME)
    spec = ModelSpec.from_dict(_read_json(model_dir / SPEC_NAME, SPEC_NAME))
    if is_pickle_file(spec.file):
        raise UnsafeArtifact(
            f"{spec.file} is a pickle format, which can run arbitrary code on load; "
            "save the model with skops or ONNX instead",
            file=spec.file,
        )
    entry = entries.get(spec.file)
    if entry is None:
        raise UnsafeArtifact(f"{spec.file} is not listed in manifest.json", file=spec.file)
    # Hash the exact bytes we deserialize, so a swap after verify_manifest cannot slip through.
    data = (model_dir / spec.file).read_bytes()
    if hash_bytes(data) != entry.digest:
        raise UnsafeArtifact(f"{spec.file} changed after verification", file=spec.file)
    if spec.flavor == "skops":
        return _load_skops(spec, data)
    return _load_onnx(spec, data)
