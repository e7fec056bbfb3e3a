"""RFC 9457 problem+json responses for every failure the inference app can produce.

Clients get a typed, machine-readable error with the right 4xx status for anything they
got wrong; FastAPI's default 422 body and Starlette's plain-text errors are replaced so
the contract is uniform.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shipyard.errors import InvalidInput, Overloaded, ShipyardError, Unauthenticated

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_response(exc: ShipyardError, instance: str | None = None) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(exc, Overloaded):
        headers["Retry-After"] = "1"
    elif isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="shipyard-serving"'
    return JSONResponse(
        jsonable_encoder(exc.to_problem(instance)),
        status_code=exc.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route Shipyard, validation, HTTP and unexpected errors through problem+json."""

    async def on_shipyard(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ShipyardError)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problem = InvalidInput("the request did not validate", errors=jsonable_encoder(exc.errors()))
        return problem_response(problem, request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        status = HTTPStatus(exc.status_code)
        body = {
            "type": "about:blank",
            "title": status.phrase,
            "status": exc.status_code,
            "detail": exc.detail if isinstance(exc.detail, str) else status.description,
            "instance": request.url.path,
        }
        return JSONResponse(
            body, status_code=exc.status_code, media_type=PROBLEM_MEDIA_TYPE, headers=exc.headers
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error serving %s", request.url.path, exc_info=exc)
        body = {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "the server failed to handle this request; see the server log",
            "instance": request.url.path,
        }
        return JSONResponse(body, status_code=500, media_type=PROBLEM_MEDIA_TYPE)

    app.add_exception_handler(ShipyardError, on_shipyard)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
