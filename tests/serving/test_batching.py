from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from shipyard.errors import Overloaded
from shipyard.serving import AdaptiveBatcher


def test_concurrent_requests_share_one_batch_and_get_their_own_rows():
    calls: list[int] = []

    def predict(batch: np.ndarray) -> np.ndarray:
        calls.append(len(batch))
        return batch.sum(axis=1)

    async def scenario() -> list[np.ndarray]:
        batcher = AdaptiveBatcher(predict, max_batch_size=64, max_wait_ms=50)
        inputs = [np.full((i + 1, 3), float(i)) for i in range(6)]  # 21 rows in all
        try:
            return await asyncio.gather(*(batcher.submit(x) for x in inputs))
        finally:
            await batcher.aclose()

    results = asyncio.run(scenario())
    assert calls == [21]
    for i, out in enumerate(results):
        np.testing.assert_array_equal(out, np.full(i + 1, 3.0 * i))


def test_tuple_results_are_split_per_caller():
    async def scenario() -> list[tuple[np.ndarray, None]]:
        batcher = AdaptiveBatcher(lambda b: (b[:, 0] * 10, None), max_wait_ms=20)
        try:
            return await asyncio.gather(
                batcher.submit(np.array([[1.0]])), batcher.submit(np.array([[2.0], [3.0]]))
            )
        finally:
            await batcher.aclose()

    (a, none_a), (b, none_b) = asyncio.run(scenario())
    np.testing.assert_array_equal(a, [10.0])
    np.testing.assert_array_equal(b, [20.0, 30.0])
    assert none_a is None and none_b is None


def test_batches_respect_max_batch_size():
    calls: list[int] = []

    def predict(batch: np.ndarray) -> np.ndarray:
        calls.append(len(batch))
        return batch[:, 0]

    async def scenario() -> None:
        batcher = AdaptiveBatcher(predict, max_batch_size=4, max_wait_ms=10)
        try:
            await asyncio.gather(*(batcher.submit(np.ones((1, 2))) for _ in range(10)))
        finally:
            await batcher.aclose()

    asyncio.run(scenario())
    assert sum(calls) == 10 and max(calls) <= 4


def test_lone_request_is_not_delayed():
    async def scenario() -> float:
        batcher = AdaptiveBatcher(lambda b: b[:, 0], max_wait_ms=500)
        try:
            loop = asyncio.get_running_loop()
            start = loop.time()
            for _ in range(3):
                await batcher.submit(np.ones((1, 2)))
            return loop.time() - start
        finally:
            await batcher.aclose()

    assert asyncio.run(scenario()) < 0.4  # would be >= 1.5 s if each request waited max_wait_ms


def test_full_queue_raises_overloaded_immediately():
    release = threading.Event()
    started = threading.Event()

    def slow(batch: np.ndarray) -> np.ndarray:
        started.set()
        release.wait(5)
        return batch[:, 0]

    async def scenario() -> None:
        batcher = AdaptiveBatcher(slow, max_batch_size=1, max_queue=1)
        running = asyncio.create_task(batcher.submit(np.ones((1, 1))))
        await asyncio.to_thread(started.wait, 5)  # first request is inside predict now
        queued = asyncio.create_task(batcher.submit(np.ones((1, 1))))
        await asyncio.sleep(0)
        assert batcher.queue_depth == 1
        with pytest.raises(Overloaded):
            await batcher.submit(np.ones((1, 1)))
        release.set()
        await asyncio.gather(running, queued)
        await batcher.aclose()

    asyncio.run(scenario())


def test_predict_errors_reach_every_caller_in_the_batch_and_worker_survives():
    def predict(batch: np.ndarray) -> np.ndarray:
        if (batch < 0).any():
            raise ValueError("negative")
        return batch[:, 0]

    async def scenario() -> np.ndarray:
        batcher = AdaptiveBatcher(predict, max_wait_ms=20)
        try:
            results = await asyncio.gather(
                batcher.submit(np.array([[-1.0]])), batcher.submit(np.array([[1.0]])), return_exceptions=True
            )
            assert all(isinstance(r, ValueError) for r in results)
            return await batcher.submit(np.array([[2.0]]))
        finally:
            await batcher.aclose()

    np.testing.assert_array_equal(asyncio.run(scenario()), [2.0])


def test_batch_sizes_are_recorded():
    seen: list[tuple[int, int]] = []

    async def scenario() -> AdaptiveBatcher:
        batcher = AdaptiveBatcher(
            lambda b: b[:, 0], max_wait_ms=20, on_batch=lambda r, n: seen.append((r, n))
        )
        await asyncio.gather(batcher.submit(np.ones((2, 1))), batcher.submit(np.ones((3, 1))))
        await batcher.aclose()
        return batcher

    batcher = asyncio.run(scenario())
    assert seen == [(5, 2)]
    assert (batcher.stats.batches, batcher.stats.rows, list(batcher.stats.recent)) == (1, 5, [5])
