from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from shipyard.serving import LoadedModel, create_inference_app, load_model, read_spool

from .conftest import COLUMNS

PROBLEM = "application/problem+json"


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """In-process client with the app's lifespan run, as uvicorn would."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def run(app: FastAPI, scenario: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with client_for(app) as client:
            return await scenario(client)

    return asyncio.run(main())


@pytest.fixture
def model(model_dir) -> LoadedModel:
    return load_model(model_dir)


@pytest.fixture
def rows(training_data) -> np.ndarray:
    return training_data[0][:5]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body
    return body


def test_infer_with_one_matrix_tensor(model, rows, estimator):
    app = create_inference_app(model)
    payload = {
        "id": "abc",
        "inputs": [{"name": "input", "shape": list(rows.shape), "datatype": "FP64", "data": rows.tolist()}],
    }
    r = run(app, lambda c: c.post("/v2/models/iris/infer", json=payload))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["model_name"], body["model_version"], body["id"]) == ("iris", "3", "abc")
    prediction, proba = body["outputs"]
    assert prediction == {
        "name": "prediction",
        "shape": [5],
        "datatype": "INT64",
        "data": estimator.predict(rows).tolist(),
    }
    assert proba["name"] == "probabilities" and proba["datatype"] == "FP64" and proba["shape"] == [5, 3]
    np.testing.assert_allclose(np.reshape(proba["data"], (5, 3)), estimator.predict_proba(rows))


def test_infer_with_one_tensor_per_column_and_flat_data(model, rows, estimator):
    app = create_inference_app(model)
    inputs = [
        {"name": col, "shape": [5] if i % 2 else [5, 1], "datatype": "FP32", "data": rows[:, i].tolist()}
        for i, col in reversed(list(enumerate(COLUMNS)))  # order of tensors does not matter
    ]
    payload = {"inputs": inputs, "outputs": [{"name": "prediction"}]}
    r = run(app, lambda c: c.post("/v2/models/iris/versions/3/infer", json=payload))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"].startswith("req_")
    assert [o["name"] for o in body["outputs"]] == ["prediction"]
    assert body["outputs"][0]["data"] == estimator.predict(rows).tolist()


def test_simple_predict_accepts_lists_and_objects(model, rows, estimator):
    app = create_inference_app(model)
    expected = estimator.predict(rows).tolist()

    async def scenario(c: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response]:
        as_lists = await c.post("/predict", json={"instances": rows.tolist()})
        as_dicts = await c.post(
            "/predict", json={"instances": [dict(zip(COLUMNS, row, strict=True)) for row in rows.tolist()]}
        )
        return as_lists, as_dicts

    as_lists, as_dicts = run(app, scenario)
    assert as_lists.json() == {"predictions": expected}
    assert as_dicts.json() == {"predictions": expected}


def test_metadata_and_health(model):
    app = create_inference_app(model)

    async def scenario(c: httpx.AsyncClient) -> dict[str, httpx.Response]:
        paths = [
            "/v2",
            "/v2/health/live",
            "/v2/health/ready",
            "/v2/models/iris",
            "/v2/models/iris/versions/3",
            "/v2/models/iris/ready",
        ]
        return {p: await c.get(p) for p in paths}

    got = run(app, scenario)
    assert all(r.status_code == 200 for r in got.values())
    assert got["/v2"].json()["name"] == "shipyard"
    assert got["/v2/health/live"].json() == {"live": True}
    assert got["/v2/models/iris/ready"].json() == {"name": "iris", "ready": True}
    meta = got["/v2/models/iris"].json()
    assert meta == got["/v2/models/iris/versions/3"].json()
    assert meta["name"] == "iris" and meta["versions"] == ["3"] and meta["platform"] == "skops"
    assert meta["inputs"] == [{"name": c, "datatype": "FP64", "shape": [-1]} for c in COLUMNS]
    assert meta["outputs"][0] == {"name": "prediction", "datatype": "INT64", "shape": [-1]}
    assert meta["outputs"][1] == {"name": "probabilities", "datatype": "FP64", "shape": [-1, 3]}


def test_malformed_json_is_400(model):
    app = create_inference_app(model)

    async def scenario(c: httpx.AsyncClient) -> list[httpx.Response]:
        headers = {"content-type": "application/json"}
        return [
            await c.post("/v2/models/iris/infer", content=b'{"inputs": [', headers=headers),
            await c.post("/predict", content=b"\xff\xfe", headers=headers),
            await c.post("/predict", content=b"", headers=headers),
        ]

    for response in run(app, scenario):
        assert_problem(response, 400)


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"inputs": [{"name": "input", "shape": [2, 3], "datatype": "FP64", "data": [1] * 6}]}, "[N, 4]"),
        (
            {"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP64", "data": [1] * 7}]},
            "do not fill",
        ),
        (
            {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "BYTES", "data": ["a"] * 4}]},
            "datatype",
        ),
        (
            {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": ["1", 2, 3, 4]}]},
            "numbers",
        ),
        (
            {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [None, 2, 3, 4]}]},
            "numbers",
        ),
        ({"inputs": [{"name": "input", "shape": [0, 4], "datatype": "FP64", "data": []}]}, "no rows"),
        ({"inputs": [{"name": "input", "shape": "2x4", "datatype": "FP64", "data": [1] * 8}]}, "shape"),
        ({"inputs": [{"name": "sepal_length", "shape": [1], "datatype": "FP64", "data": [1]}] * 2}, "twice"),
        (
            {
                "inputs": [
                    {"name": "sepal_length", "shape": [1], "datatype": "FP64", "data": [1]},
                    {"name": "petal_area", "shape": [1], "datatype": "FP64", "data": [1]},
                ]
            },
            "missing",
        ),
        ({"inputs": []}, "non-empty"),
        (
            {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1] * 4}], "id": 5},
            "'id'",
        ),
        (
            {
                "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1] * 4}],
                "outputs": [{"name": "nope"}],
            },
            "unknown outputs",
        ),
        ([1, 2, 3], "JSON object"),
    ],
)
def test_wrong_shapes_and_types_are_422(model, payload, fragment):
    app = create_inference_app(model)
    r = run(app, lambda c: c.post("/v2/models/iris/infer", json=payload))
    assert fragment in assert_problem(r, 422)["detail"]


def test_nan_and_wrong_instances_are_422(model):
    app = create_inference_app(model)

    async def scenario(c: httpx.AsyncClient) -> list[httpx.Response]:
        nan_body = b'{"instances": [[NaN, 1, 2, 3]]}'
        return [
            await c.post("/predict", content=nan_body, headers={"content-type": "application/json"}),
            await c.post("/predict", json={"instances": [[1, 2, 3]]}),
            await c.post("/predict", json={"instances": [[1, 2, 3, 4], [1, 2]]}),
            await c.post("/predict", json={"instances": [{"sepal_length": 1}]}),
            await c.post("/predict", json={"instances": [dict.fromkeys([*COLUMNS, "zzz"], 1)]}),
            await c.post("/predict", json={"rows": []}),
        ]

    for response in run(app, scenario):
        assert_problem(response, 422)


def test_unknown_model_or_version_is_404(model):
    app = create_inference_app(model)
    body = {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [1] * 4}]}

    async def scenario(c: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await c.post("/v2/models/wine/infer", json=body),
            await c.post("/v2/models/iris/versions/9/infer", json=body),
            await c.get("/v2/models/wine"),
            await c.get("/no/such/route"),
        ]

    for response in run(app, scenario):
        assert_problem(response, 404)


def test_oversized_body_is_413_with_or_without_content_length(model):
    app = create_inference_app(model, max_body_bytes=1_000)
    big = json.dumps({"instances": [[1.0, 2.0, 3.0, 4.0]] * 200}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(big), 256):
            yield big[i : i + 256]

    async def scenario(c: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await c.post("/predict", content=big, headers={"content-type": "application/json"}),
            await c.post("/predict", content=chunks(), headers={"content-type": "application/json"}),
        ]

    for response in run(app, scenario):
        assert_problem(response, 413)


def test_token_guards_everything_but_health_and_metrics(model):
    app = create_inference_app(model, token="s3cret")
    body = {"instances": [[1.0, 2.0, 3.0, 4.0]]}

    async def scenario(c: httpx.AsyncClient) -> dict[str, httpx.Response]:
        good = {"Authorization": "Bearer s3cret"}
        return {
            "missing": await c.post("/predict", json=body),
            "wrong": await c.post("/predict", json=body, headers={"Authorization": "Bearer nope"}),
            "metadata": await c.get("/v2/models/iris"),
            "ok": await c.post("/predict", json=body, headers=good),
            "live": await c.get("/v2/health/live"),
            "ready": await c.get("/v2/health/ready"),
            "metrics": await c.get("/metrics"),
        }

    got = run(app, scenario)
    for key in ("missing", "wrong", "metadata"):
        assert_problem(got[key], 401)
        assert got[key].headers["www-authenticate"].startswith("Bearer")
    for key in ("ok", "live", "ready", "metrics"):
        assert got[key].status_code == 200


def test_full_queue_is_503_with_retry_after(model):
    release = threading.Event()
    started = threading.Event()

    def slow(batch: np.ndarray) -> np.ndarray:
        started.set()
        release.wait(5)
        return np.zeros(len(batch), dtype=np.int64)

    blocked = LoadedModel(model.spec, slow)
    app = create_inference_app(blocked, max_batch_size=1, max_queue=1)
    body = {"instances": [[1.0, 2.0, 3.0, 4.0]]}

    async def scenario(c: httpx.AsyncClient) -> httpx.Response:
        first = asyncio.create_task(c.post("/predict", json=body))
        await asyncio.to_thread(started.wait, 5)
        second = asyncio.create_task(c.post("/predict", json=body))
        while app.state.batcher.queue_depth < 1:
            await asyncio.sleep(0.001)
        rejected = await c.post("/predict", json=body)
        release.set()
        assert [r.status_code for r in await asyncio.gather(first, second)] == [200, 200]
        return rejected

    rejected = run(app, scenario)
    assert_problem(rejected, 503)
    assert rejected.headers["retry-after"] == "1"


def test_metrics_count_requests_and_batches(model, rows):
    app = create_inference_app(model)
    other = create_inference_app(model)  # a second app must not clash in the registry
    assert other.state.metrics.registry is not app.state.metrics.registry

    async def scenario(c: httpx.AsyncClient) -> str:
        await asyncio.gather(*(c.post("/predict", json={"instances": rows.tolist()}) for _ in range(4)))
        await c.post("/predict", content=b"{", headers={"content-type": "application/json"})
        return (await c.get("/metrics")).text

    text = run(app, scenario)
    assert 'shipyard_serving_requests_total{route="/predict",status="200"} 4.0' in text
    assert 'shipyard_serving_requests_total{route="/predict",status="400"} 1.0' in text
    assert 'shipyard_serving_request_duration_seconds_count{route="/predict"}' in text
    assert "shipyard_serving_batch_size_sum 20.0" in text
    assert "shipyard_serving_queue_depth 0.0" in text
    assert "shipyard_serving_predictions_total 20.0" in text


def test_validation_errors_are_problem_json(model):
    app = create_inference_app(model)

    @app.get("/typed/{n}")
    async def typed(n: int) -> int:
        return n

    r = run(app, lambda c: c.get("/typed/abc"))
    assert assert_problem(r, 422)["errors"]


def test_spool_receives_served_rows(model, rows, tmp_path):
    spool_dir = tmp_path / "spool"
    app = create_inference_app(model, spool_dir=spool_dir)
    payload = {
        "id": "r1",
        "inputs": [{"name": "x", "shape": [5, 4], "datatype": "FP64", "data": rows.tolist()}],
    }

    async def scenario(c: httpx.AsyncClient) -> None:
        await c.post("/v2/models/iris/infer", json=payload)
        await c.post("/predict", json={"instances": rows[:2].tolist()})

    run(app, scenario)  # lifespan shutdown flushes the spool
    data = read_spool(spool_dir)
    assert data.rows == 7
    assert set(data.columns) == set(COLUMNS)
    for i, col in enumerate(COLUMNS):
        np.testing.assert_allclose(data.columns[col], np.concatenate([rows[:, i], rows[:2, i]]))
    first = json.loads(next(spool_dir.glob("predictions-*.jsonl")).read_text().splitlines()[0])
    assert first["request_id"] == "r1" and first["model"] == "iris" and first["version"] == 3
