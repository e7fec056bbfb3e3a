"""Runs: parameters, metrics, inputs and their end state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from shipyard import data, tracking
from shipyard.api import serializers
from shipyard.api.guard import GuardedRoute
from shipyard.api.routes.deps import Limit, Offset, Reader, Writer

router = APIRouter(route_class=GuardedRoute, tags=["tracking"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunIn(Strict):
    experiment: str = Field(default="default", min_length=1, max_length=200)
    name: str = Field(default="", max_length=200)
    code_version: str | None = Field(default=None, max_length=100)


class ParamsIn(Strict):
    params: dict[str, str | int | float | bool]


class MetricIn(Strict):
    key: str = Field(min_length=1, max_length=250)
    value: float = Field(allow_inf_nan=False)
    step: int = Field(default=0, ge=-(2**63), le=2**63 - 1)


class MetricsIn(Strict):
    metrics: list[MetricIn] = Field(max_length=10_000)


class InputIn(Strict):
    dataset_version_id: str


class FinishIn(Strict):
    status: str = "finished"


@router.post("/projects/{project}/runs", status_code=201)
def create_run(project: str, body: RunIn, ctx: Writer) -> dict[str, Any]:
    with ctx.session() as session:
        run = tracking.create_run(
            session,
            ctx.identity.actor,
            ctx.proj,
            experiment=body.experiment,
            name=body.name,
            code_version=body.code_version,
        )
        return serializers.run(run)


@router.get("/projects/{project}/runs")
def list_runs(project: str, ctx: Reader, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    with ctx.session() as session:
        runs = tracking.list_runs(session, ctx.proj, limit=limit + 1, offset=offset)
        return serializers.page([serializers.run(r) for r in runs], limit, offset)


@router.get("/projects/{project}/runs/{run_id}")
def get_run(project: str, run_id: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        run = tracking.get_run(session, ctx.proj, run_id)
        return serializers.run(
            run,
            params=tracking.run_params(session, run),
            metrics=tracking.latest_metrics(session, run),
            inputs=tracking.run_inputs(session, run),
        )


@router.get("/projects/{project}/runs/{run_id}/metrics/{key}")
def metric_history(project: str, run_id: str, key: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        run = tracking.get_run(session, ctx.proj, run_id)
        points = tracking.metric_history(session, run, key)
    return {
        "items": [
            {"value": p.value, "step": p.step, "timestamp": p.timestamp.isoformat() if p.timestamp else None}
            for p in points
        ],
        "next_offset": None,
    }


@router.post("/projects/{project}/runs/{run_id}/params", status_code=204)
def log_params(project: str, run_id: str, body: ParamsIn, ctx: Writer) -> None:
    with ctx.session() as session:
        run = tracking.get_run(session, ctx.proj, run_id)
        tracking.log_params(session, ctx.identity.actor, run, body.params)


@router.post("/projects/{project}/runs/{run_id}/metrics", status_code=204)
def log_metrics(project: str, run_id: str, body: MetricsIn, ctx: Writer) -> None:
    with ctx.session() as session:
        run = tracking.get_run(session, ctx.proj, run_id)
        points = [tracking.MetricPoint(m.key, m.value, m.step) for m in body.metrics]
        tracking.log_metrics(session, ctx.identity.actor, run, points)


@router.post("/projects/{project}/runs/{run_id}/inputs", status_code=204)
def add_input(project: str, run_id: str, body: InputIn, ctx: Writer) -> None:
    with ctx.session() as session:
        run = tracking.get_run(session, ctx.proj, run_id)
        version = data.get_version_by_id(session, ctx.proj, body.dataset_version_id)
        tracking.add_input(session, ctx.identity.actor, run, version)


@router.post("/projects/{project}/runs/{run_id}/finish")
def finish_run(project: str, run_id: str, body: FinishIn, ctx: Writer) -> dict[str, Any]:
    with ctx.session() as session:
        run = tracking.get_run(session, ctx.proj, run_id)
        return serializers.run(tracking.finish_run(session, ctx.identity.actor, run, body.status))
