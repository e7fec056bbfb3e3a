"""The model's input/output contract, read from ``shipyard-model.json``.

Kept apart from loading so the HTTP layer can describe and validate requests without
knowing which flavor produced the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shipyard.errors import UnsafeArtifact

# numpy dtype name -> Open Inference Protocol v2 datatype
_OIP_DATATYPES: dict[str, str] = {
    "bool": "BOOL",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "uint8": "UINT8",
    "uint16": "UINT16",
    "uint32": "UINT32",
    "uint64": "UINT64",
    "float16": "FP16",
    "float32": "FP32",
    "float64": "FP64",
}


def oip_datatype(dtype: str | np.dtype[Any]) -> str:
    """Map a numpy dtype (or its name) to the OIP v2 datatype; anything else is BYTES."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        return "BYTES"
    return _OIP_DATATYPES.get(name, "BYTES")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: str


@dataclass(frozen=True, slots=True)
class Signature:
    """Ordered inputs (the column order ``predict`` expects) and named outputs."""

    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.inputs)

    @classmethod
    def from_dict(cls, raw: Any) -> Signature:
        """Parse and sanity-check; a malformed signature makes the artifact unusable."""
        try:
            inputs = tuple(Column(str(c["name"]), str(c["dtype"])) for c in raw["inputs"])
            outputs = tuple(Column(str(c["name"]), str(c["dtype"])) for c in raw.get("outputs", []))
        except (KeyError, TypeError) as exc:
            raise UnsafeArtifact(f"shipyard-model.json has a malformed signature: {exc!r}") from exc
        if not inputs:
            raise UnsafeArtifact("shipyard-model.json signature lists no inputs")
        names = [c.name for c in inputs]
        if len(set(names)) != len(names):
            raise UnsafeArtifact("shipyard-model.json signature repeats an input name")
        if not outputs:
            outputs = (Column("prediction", "float64"),)
        return cls(inputs, outputs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": [{"name": c.name, "dtype": c.dtype} for c in self.inputs],
            "outputs": [{"name": c.name, "dtype": c.dtype} for c in self.outputs],
        }
