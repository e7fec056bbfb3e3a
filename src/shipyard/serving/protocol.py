"""Decode request bodies into a model batch and encode predictions back to JSON.

Pure functions over parsed JSON so the shape rules (OIP v2 tensors, the simple
``instances`` form) are testable without HTTP. Everything a client can get wrong raises
``InvalidInput`` (422); the only per-row Python work is the ``instances``-as-dicts form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from shipyard.errors import InvalidInput
from shipyard.serving.signature import Signature

NUMERIC_DATATYPES = frozenset(
    {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64"}
)


def _numeric(data: Any, where: str) -> np.ndarray:
    """Convert JSON numbers to float64; strings, nulls and ragged lists are refused."""
    try:
        arr = np.asarray(data)
    except ValueError as exc:  # ragged nesting
        raise InvalidInput(f"{where}: data is not a rectangular array of numbers") from exc
    if arr.dtype.kind not in "biuf":
        raise InvalidInput(f"{where}: data must be numbers only (found {arr.dtype.kind!r} values)")
    out = arr.astype(np.float64, copy=False)
    if not np.isfinite(out).all():
        raise InvalidInput(f"{where}: data contains NaN or infinite values")
    return out


def _shape(raw: Any, where: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in raw):
        raise InvalidInput(f"{where}: shape must be a list of integers")
    if any(d < 0 for d in raw):
        raise InvalidInput(f"{where}: shape dimensions must be non-negative")
    return tuple(raw)


def _tensor(raw: Any, index: int) -> tuple[str, np.ndarray]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"inputs[{index}] must be an object with name, shape, datatype, data")
    name = raw.get("name")
    where = f"input {name!r}" if isinstance(name, str) else f"inputs[{index}]"
    if not isinstance(name, str):
        raise InvalidInput(f"{where}: name must be a string")
    datatype = raw.get("datatype")
    if datatype not in NUMERIC_DATATYPES:
        raise InvalidInput(f"{where}: datatype must be one of {', '.join(sorted(NUMERIC_DATATYPES))}")
    shape = _shape(raw.get("shape"), where)
    if "data" not in raw:
        raise InvalidInput(f"{where}: data is required")
    arr = _numeric(raw["data"], where)
    if arr.size != int(np.prod(shape)):
        raise InvalidInput(f"{where}: {arr.size} values do not fill shape {list(shape)}")
    return name, arr.reshape(shape)


def _check_rows(batch: np.ndarray) -> np.ndarray:
    if batch.shape[0] == 0:
        raise InvalidInput("the request has no rows to predict")
    return batch


def decode_infer_request(body: Any, signature: Signature) -> np.ndarray:
    """OIP v2 ``inputs`` -> [N, F] float64 batch in signature column order.

    Accepts one [N, F] tensor (any name), or one [N] / [N, 1] tensor per signature column.
    """
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object with an 'inputs' list")
    raw_inputs = body.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise InvalidInput("'inputs' must be a non-empty list of tensors")
    tensors = [_tensor(raw, i) for i, raw in enumerate(raw_inputs)]
    columns = signature.input_names
    n_features = len(columns)

    if len(tensors) == 1 and tensors[0][1].ndim == 2 and tensors[0][1].shape[1] == n_features:
        return _check_rows(tensors[0][1])
    if len(tensors) == 1 and n_features > 1:
        name, arr = tensors[0]
        raise InvalidInput(
            f"input {name!r} has shape {list(arr.shape)}; expected [N, {n_features}] "
            f"with columns {', '.join(columns)}"
        )

    by_name = dict(tensors)
    if len(by_name) != len(tensors):
        raise InvalidInput("an input tensor name appears twice")
    unknown = sorted(by_name.keys() - set(columns))
    missing = [c for c in columns if c not in by_name]
    if unknown or missing:
        raise InvalidInput(
            f"per-column inputs must match the signature {list(columns)}"
            + (f"; unknown: {unknown}" if unknown else "")
            + (f"; missing: {missing}" if missing else "")
        )
    lengths = set()
    for name, arr in tensors:
        if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] != 1):
            raise InvalidInput(f"input {name!r} has shape {list(arr.shape)}; expected [N] or [N, 1]")
        lengths.add(arr.shape[0])
    if len(lengths) != 1:
        raise InvalidInput("per-column inputs must all have the same number of rows")
    return _check_rows(np.column_stack([by_name[c].reshape(-1) for c in columns]))


def decode_instances(body: Any, signature: Signature) -> np.ndarray:
    """``{"instances": [[...], ...]}`` or ``[{col: v}, ...]`` -> [N, F] float64 batch."""
    if not isinstance(body, dict) or not isinstance(body.get("instances"), list):
        raise InvalidInput("the request body must be a JSON object with an 'instances' list")
    instances = body["instances"]
    if not instances:
        raise InvalidInput("the request has no rows to predict")
    columns = signature.input_names
    if isinstance(instances[0], dict):
        rows = []
        for i, inst in enumerate(instances):
            if not isinstance(inst, dict):
                raise InvalidInput(f"instances[{i}] must be an object like instances[0]")
            try:
                rows.append([inst[c] for c in columns])
            except KeyError as exc:
                raise InvalidInput(f"instances[{i}] is missing column {exc.args[0]!r}") from exc
            if len(inst) != len(columns):
                extra = sorted(set(inst) - set(columns))
                raise InvalidInput(f"instances[{i}] has unknown columns {extra}")
        batch = _numeric(rows, "instances")
    else:
        batch = _numeric(instances, "instances")
    if batch.ndim != 2 or batch.shape[1] != len(columns):
        raise InvalidInput(
            f"instances have shape {list(batch.shape)}; expected [N, {len(columns)}] "
            f"with columns {', '.join(columns)}"
        )
    return batch


def requested_outputs(body: dict[str, Any], available: list[str]) -> list[str]:
    """Honour the optional OIP ``outputs`` filter; default is every output the model has."""
    raw = body.get("outputs")
    if raw is None:
        return available
    named = isinstance(raw, list) and all(isinstance(o, dict) and isinstance(o.get("name"), str) for o in raw)
    if not named:
        raise InvalidInput("'outputs' must be a list of objects with a name")
    names = [o["name"] for o in raw]
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise InvalidInput(f"unknown outputs {unknown}; this model produces {available}")
    return names


def json_values(values: np.ndarray) -> tuple[str, list[Any]]:
    """OIP datatype and flat row-major JSON values; ints stay INT64, floats FP64, rest BYTES."""
    kind = values.dtype.kind
    if kind in "biu":
        return "INT64", values.astype(np.int64, copy=False).reshape(-1).tolist()
    if kind == "f":
        return "FP64", values.astype(np.float64, copy=False).reshape(-1).tolist()
    return "BYTES", [str(v) for v in values.reshape(-1).tolist()]


def output_tensor(name: str, values: np.ndarray) -> dict[str, Any]:
    """One OIP v2 output tensor."""
    datatype, data = json_values(values)
    return {"name": name, "shape": list(values.shape), "datatype": datatype, "data": data}
