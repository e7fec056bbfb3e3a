"""Prediction log: what the server was asked and what it answered, one JSON line per row.

The monitoring side reads it back as columns to compute drift. Encoding and disk writes
happen on a background thread so the event loop only pays for a queue put; if the disk
falls behind, records are dropped (and counted) rather than slowing inference.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np

from shipyard.clock import utcnow

log = logging.getLogger(__name__)

SPOOL_GLOB = "predictions-*.jsonl"


def spool_filename(day: datetime) -> str:
    return f"predictions-{day:%Y-%m-%d}.jsonl"


@dataclass(slots=True)
class _Record:
    ts: datetime
    request_id: str
    model: str
    version: int
    columns: Sequence[str]
    inputs: np.ndarray
    outputs: np.ndarray


class PredictionSpool:
    """Append-only JSONL writer fed from the event loop, drained by one daemon thread."""

    def __init__(self, directory: Path, *, max_pending: int = 10_000) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.dropped = 0
        self.written = 0
        self._queue: queue.Queue[_Record | None] = queue.Queue(maxsize=max_pending)
        self._file: IO[str] | None = None
        self._file_name = ""
        self._closed = False
        self._thread = threading.Thread(target=self._drain, name="prediction-spool", daemon=True)
        self._thread.start()

    def log(
        self,
        request_id: str,
        model: str,
        version: int,
        columns: Sequence[str],
        inputs: np.ndarray,
        outputs: np.ndarray,
    ) -> None:
        """Enqueue one request's rows; never blocks the caller."""
        if self._closed:
            return
        record = _Record(utcnow(), request_id, model, version, columns, inputs, outputs)
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self.dropped += len(inputs)

    def close(self, timeout: float = 10.0) -> None:
        """Flush everything queued so far and stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)

    def __enter__(self) -> PredictionSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _drain(self) -> None:
        try:
            while True:
                record = self._queue.get()
                if record is None:
                    break
                self._write(record)
                # Batch the flush: only when the queue has momentarily run dry.
                if self._queue.empty() and self._file is not None:
                    self._file.flush()
        finally:
            if self._file is not None:
                self._file.close()

    def _write(self, record: _Record) -> None:
        name = spool_filename(record.ts)
        if name != self._file_name:
            if self._file is not None:
                self._file.close()
            self._file = (self.directory / name).open("a", encoding="utf-8")
            self._file_name = name
        assert self._file is not None
        try:
            ts = record.ts.isoformat().replace("+00:00", "Z")
            head = {"ts": ts, "request_id": record.request_id, "model": record.model}
            columns = list(record.columns)
            lines = [
                json.dumps(
                    {
                        **head,
                        "version": record.version,
                        "inputs": dict(zip(columns, row, strict=True)),
                        "outputs": {"prediction": out},
                    },
                    separators=(",", ":"),
                )
                for row, out in zip(record.inputs.tolist(), record.outputs.tolist(), strict=True)
            ]
            self._file.write("\n".join(lines) + "\n")
            self.written += len(lines)
        except (OSError, ValueError, TypeError):
            log.exception("could not spool predictions for request %s", record.request_id)
            self.dropped += len(record.inputs)


class SpoolData(NamedTuple):
    """Served inputs as columns (missing values are NaN) plus how many rows were read."""

    columns: dict[str, np.ndarray]
    rows: int


def read_spool(directory: Path, *, model: str | None = None) -> SpoolData:
    """Load every spooled row (optionally for one model) as float columns, for drift checks.

    Truncated or corrupt lines (a crash mid-write) are skipped rather than failing the read.
    """
    values: dict[str, list[Any]] = {}
    rows = 0
    for path in sorted(Path(directory).glob(SPOOL_GLOB)):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                    inputs = rec["inputs"]
                    if model is not None and rec.get("model") != model:
                        continue
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
                if not isinstance(inputs, dict):
                    continue
                for col, value in inputs.items():
                    # A column first seen now was missing from all earlier rows.
                    values.setdefault(col, [None] * rows).append(value)
                rows += 1
                for col_values in values.values():
                    if len(col_values) < rows:
                        col_values.append(None)
    columns = {col: np.array(v, dtype=np.float64) for col, v in values.items()}
    return SpoolData(columns, rows)
