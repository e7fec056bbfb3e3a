"""The inference HTTP app: Open Inference Protocol v2 plus a plain ``/predict`` route.

Handlers parse JSON themselves (no pydantic models) so malformed input maps to precise
400/413/422 problems and the hot path stays numpy all the way to the batcher.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

import shipyard
from shipyard.errors import BadRequest, InvalidInput, NotFound, PayloadTooLarge, Unauthenticated
from shipyard.http_metrics import HTTPMetricsMiddleware
from shipyard.ids import new_id
from shipyard.problems import install_problem_handlers
from shipyard.serving.artifacts import LoadedModel
from shipyard.serving.batching import AdaptiveBatcher
from shipyard.serving.metrics import ServingMetrics
from shipyard.serving.protocol import (
    decode_infer_request,
    decode_instances,
    json_values,
    output_tensor,
    requested_outputs,
)
from shipyard.serving.signature import Column, oip_datatype
from shipyard.serving.spool import PredictionSpool

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
PROBA_OUTPUT = "probabilities"

Inference = tuple[np.ndarray, np.ndarray | None]


async def read_json_body(request: Request, limit: int) -> Any:
    """Read at most ``limit`` bytes (413 beyond), then parse JSON (400 if malformed)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit}")
        except ValueError as exc:
            raise BadRequest("Content-Length is not an integer") from exc
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds the {limit}-byte limit")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        raise BadRequest("the request body is empty; send a JSON object")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from exc


def bearer_guard(token: str | None) -> Any:
    """Dependency that enforces ``Authorization: Bearer <token>`` in constant time."""
    expected = (token or "").encode()

    async def guard(request: Request) -> None:
        if token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise Unauthenticated("send 'Authorization: Bearer <token>' with the deployment's token")

    return guard


class InferenceService:
    """Route logic bound to one model; the FastAPI wiring lives in ``create_inference_app``."""

    def __init__(
        self,
        model: LoadedModel,
        batcher: AdaptiveBatcher[Inference],
        spool: PredictionSpool | None,
        max_body_bytes: int,
    ) -> None:
        self.model = model
        self.batcher = batcher
        self.spool = spool
        self.max_body_bytes = max_body_bytes
        self.prediction_name = model.signature.outputs[0].name
        self.output_names = [self.prediction_name] + ([PROBA_OUTPUT] if model.has_proba else [])

    def check_target(self, name: str, version: str | None = None) -> None:
        if name != self.model.name:
            raise NotFound(f"model {name!r} is not served here; this server serves {self.model.name!r}")
        if version is not None and version != str(self.model.version):
            raise NotFound(
                f"version {version!r} of {name!r} is not served here; this server serves "
                f"version {self.model.version}"
            )

    def metadata(self) -> dict[str, Any]:
        m = self.model

        def describe(columns: tuple[Column, ...]) -> list[dict[str, Any]]:
            return [{"name": c.name, "datatype": oip_datatype(c.dtype), "shape": [-1]} for c in columns]

        outputs = describe(m.signature.outputs)
        if m.has_proba:
            n_classes = len(m.classes) if m.classes is not None else -1
            outputs.append({"name": PROBA_OUTPUT, "datatype": "FP64", "shape": [-1, n_classes]})
        return {
            "name": m.name,
            "versions": [str(m.version)],
            "platform": m.flavor,
            "inputs": describe(m.signature.inputs),
            "outputs": outputs,
            "parameters": {"task": m.task, "input_order": list(m.signature.input_names)},
        }

    async def predict(self, batch: np.ndarray, request_id: str) -> Inference:
        prediction, proba = await self.batcher.submit(batch)
        if self.spool is not None:
            m = self.model
            self.spool.log(request_id, m.name, m.version, m.signature.input_names, batch, prediction)
        return prediction, proba

    async def infer(self, request: Request, name: str, version: str | None) -> JSONResponse:
        self.check_target(name, version)
        body = await read_json_body(request, self.max_body_bytes)
        batch = decode_infer_request(body, self.model.signature)
        wanted = requested_outputs(body, self.output_names)
        request_id = body.get("id")
        if request_id is not None and not isinstance(request_id, str):
            raise InvalidInput("'id' must be a string")
        request_id = request_id or new_id("req")
        prediction, proba = await self.predict(batch, request_id)
        tensors = {self.prediction_name: prediction}
        if proba is not None:
            tensors[PROBA_OUTPUT] = proba
        return JSONResponse(
            {
                "model_name": self.model.name,
                "model_version": str(self.model.version),
                "id": request_id,
                "outputs": [output_tensor(n, tensors[n]) for n in wanted if n in tensors],
            }
        )

    async def simple_predict(self, request: Request) -> JSONResponse:
        body = await read_json_body(request, self.max_body_bytes)
        batch = decode_instances(body, self.model.signature)
        prediction, _ = await self.predict(batch, new_id("req"))
        return JSONResponse({"predictions": json_values(prediction)[1]})


def create_inference_app(
    model: LoadedModel,
    *,
    spool_dir: Path | None = None,
    token: str | None = None,
    max_batch_size: int = 64,
    max_wait_ms: float = 2.0,
    max_queue: int = 1024,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """Build the app serving ``model``; state (batcher, spool, metrics) is per app."""
    metrics = ServingMetrics(max_batch_size)
    batcher: AdaptiveBatcher[Inference] = AdaptiveBatcher(
        model.infer,
        max_batch_size=max_batch_size,
        max_wait_ms=max_wait_ms,
        max_queue=max_queue,
        on_batch=metrics.observe_batch,
    )
    metrics.track_queue(lambda: batcher.queue_depth)
    spool = PredictionSpool(spool_dir) if spool_dir is not None else None
    service = InferenceService(model, batcher, spool, max_body_bytes)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        try:
            yield
        finally:
            await batcher.aclose()
            if spool is not None:
                await asyncio.to_thread(spool.close)

    app = FastAPI(
        title=f"Shipyard inference: {model.name} v{model.version}",
        version=shipyard.__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.model = model
    app.state.batcher = batcher
    app.state.spool = spool
    app.state.metrics = metrics
    app.add_middleware(HTTPMetricsMiddleware, metrics=metrics.http)
    install_problem_handlers(app, realm="shipyard-serving")

    open_routes = APIRouter()
    guarded = APIRouter(dependencies=[Depends(bearer_guard(token))])

    @open_routes.get("/v2/health/live")
    async def live() -> dict[str, bool]:
        return {"live": True}

    @open_routes.get("/v2/health/ready")
    async def ready() -> dict[str, bool]:
        return {"ready": True}

    @open_routes.get("/metrics")
    async def prometheus() -> Response:
        if spool is not None:
            metrics.spool_dropped.set(spool.dropped)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @guarded.get("/v2")
    async def server_metadata() -> dict[str, Any]:
        return {"name": "shipyard", "version": shipyard.__version__, "extensions": []}

    @guarded.get("/v2/models/{name}")
    async def model_metadata(name: str) -> dict[str, Any]:
        service.check_target(name)
        return service.metadata()

    @guarded.get("/v2/models/{name}/versions/{version}")
    async def model_version_metadata(name: str, version: str) -> dict[str, Any]:
        service.check_target(name, version)
        return service.metadata()

    @guarded.get("/v2/models/{name}/ready")
    async def model_ready(name: str) -> dict[str, Any]:
        service.check_target(name)
        return {"name": name, "ready": True}

    @guarded.get("/v2/models/{name}/versions/{version}/ready")
    async def model_version_ready(name: str, version: str) -> dict[str, Any]:
        service.check_target(name, version)
        return {"name": name, "ready": True}

    @guarded.post("/v2/models/{name}/infer")
    async def infer(request: Request, name: str) -> JSONResponse:
        return await service.infer(request, name, None)

    @guarded.post("/v2/models/{name}/versions/{version}/infer")
    async def infer_version(request: Request, name: str, version: str) -> JSONResponse:
        return await service.infer(request, name, version)

    @guarded.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        return await service.simple_predict(request)

    app.include_router(open_routes)
    app.include_router(guarded)
    return app
