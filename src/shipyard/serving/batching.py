"""Adaptive micro-batching: many small requests, few vectorized model calls.

One worker task owns the model. At low load a request is dispatched the moment it
arrives (no added latency); once requests overlap, the worker lingers up to
``max_wait_ms`` after the oldest arrival to fill a batch, trading a little latency for
far fewer model calls. A bounded queue turns overload into an immediate 503 instead of
unbounded latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from shipyard.errors import Overloaded

R = TypeVar("R")

# Exponentially weighted requests-per-batch above which we treat traffic as concurrent.
_CONCURRENT_LOAD = 1.5
_LOAD_ALPHA = 0.3


def slice_rows(result: Any, start: int, stop: int) -> Any:
    """Cut one caller's rows out of a batch result (an array, a tuple of arrays, or None)."""
    if result is None:
        return None
    if isinstance(result, tuple):
        return tuple(slice_rows(r, start, stop) for r in result)
    return result[start:stop]


def _row_count(result: Any) -> int | None:
    if result is None:
        return None
    if isinstance(result, tuple):
        counts = {c for c in map(_row_count, result) if c is not None}
        return counts.pop() if len(counts) == 1 else -1
    return len(result)


@dataclass(slots=True)
class _Pending:
    rows: np.ndarray
    future: asyncio.Future[Any]
    arrived: float


@dataclass(slots=True)
class BatchStats:
    """Counters the metrics layer and tests read; ``recent`` holds the last batch sizes."""

    batches: int = 0
    rows: int = 0
    requests: int = 0
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=1024))


class AdaptiveBatcher(Generic[R]):
    """Coalesce concurrent ``submit`` calls into batched ``predict_fn`` calls run in a thread.

    ``predict_fn`` gets a 2-D array and returns something with one row per input row (an
    array, or a tuple of arrays/None); each caller receives only its own rows.
    """

    def __init__(
        self,
        predict_fn: Callable[[np.ndarray], R],
        max_batch_size: int = 64,
        max_wait_ms: float = 2.0,
        max_queue: int = 1024,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> None:
        if max_batch_size < 1 or max_queue < 1 or max_wait_ms < 0:
            raise ValueError("max_batch_size and max_queue must be >= 1, max_wait_ms >= 0")
        self.predict_fn = predict_fn
        self.max_batch_size = max_batch_size
        self.max_wait = max_wait_ms / 1000.0
        self.max_queue = max_queue
        self.on_batch = on_batch  # called with (rows, requests) per executed batch
        self.stats = BatchStats()
        self._queue: deque[_Pending] = deque()
        self._arrival = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._load = 1.0
        self._closed = False

    @property
    def queue_depth(self) -> int:
        """Requests waiting for a batch (not counting the one being computed)."""
        return len(self._queue)

    def start(self) -> None:
        """Start the worker on the running loop; ``submit`` calls this lazily."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="adaptive-batcher")

    async def submit(self, rows: np.ndarray) -> R:
        """Queue ``rows`` (2-D) for prediction and await this caller's slice of the result."""
        if self._closed:
            raise Overloaded("the server is shutting down; retry against another replica")
        if len(self._queue) >= self.max_queue:
            raise Overloaded(f"prediction queue is full ({self.max_queue} requests waiting); retry shortly")
        self.start()
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(rows, future, time.monotonic()))
        self._arrival.set()
        return await future

    async def aclose(self) -> None:
        """Stop the worker and fail whatever is still queued, so no caller hangs forever."""
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        while self._queue:
            pending = self._queue.popleft()
            if not pending.future.done():
                pending.future.set_exception(Overloaded("the server is shutting down"))

    async def _next_arrival(self, timeout: float | None) -> bool:
        self._arrival.clear()
        if self._queue:
            return True
        try:
            async with asyncio.timeout(timeout):
                await self._arrival.wait()
        except TimeoutError:
            return False
        return True

    async def _collect(self) -> list[_Pending]:
        while not self._queue:
            await self._next_arrival(None)
        batch = [self._queue.popleft()]
        size = len(batch[0].rows)
        # Adaptive wait: linger only if traffic is concurrent (several queued now, or recently).
        linger = len(self._queue) > 0 or self._load > _CONCURRENT_LOAD
        deadline = batch[0].arrived + self.max_wait
        while size < self.max_batch_size:
            if self._queue:
                if size + len(self._queue[0].rows) > self.max_batch_size:
                    break
                batch.append(self._queue.popleft())
                size += len(batch[-1].rows)
                continue
            remaining = deadline - time.monotonic()
            if not linger or remaining <= 0 or not await self._next_arrival(remaining):
                break
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            live = [p for p in batch if not p.future.done()]  # drop callers that went away
            self._load += _LOAD_ALPHA * (len(batch) - self._load)
            if not live:
                continue
            try:
                rows = live[0].rows if len(live) == 1 else np.concatenate([p.rows for p in live])
                result = await asyncio.to_thread(self.predict_fn, rows)
                if _row_count(result) != len(rows):
                    raise RuntimeError("predict_fn returned a different number of rows than it was given")
            except asyncio.CancelledError:
                for p in live:
                    if not p.future.done():
                        p.future.set_exception(Overloaded("the server is shutting down"))
                raise
            except Exception as exc:
                for p in live:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            self._record(len(rows), len(live))
            start = 0
            for p in live:
                stop = start + len(p.rows)
                if not p.future.done():
                    p.future.set_result(slice_rows(result, start, stop))
                start = stop

    def _record(self, rows: int, requests: int) -> None:
        self.stats.batches += 1
        self.stats.rows += rows
        self.stats.requests += requests
        self.stats.recent.append(rows)
        if self.on_batch is not None:
            self.on_batch(rows, requests)
