"""RFC 9457 problem+json responses, shared by the control plane and the inference server.

Clients get a typed, machine-readable error with the right 4xx status for anything they
got wrong; FastAPI's default 422 body and Starlette's plain-text errors are replaced so
the contract is uniform across every Shipyard HTTP app.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shipyard.errors import PROBLEM_TYPE_PREFIX, BadRequest, InvalidInput, Overloaded, ShipyardError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("shipyard.http")

HTTP_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "too-many-requests",
}


def problem_response(
    error: ShipyardError, instance: str | None = None, *, realm: str = "shipyard"
) -> JSONResponse:
    """``error`` as problem+json, with ``Retry-After`` (503) or ``WWW-Authenticate`` (401)."""
    headers: dict[str, str] = {}
    if isinstance(error, Overloaded):
        headers["Retry-After"] = "1"
    if error.status == 401:
        headers["WWW-Authenticate"] = f'Bearer realm="{realm}"'
    return JSONResponse(
        jsonable_encoder(error.to_problem(instance=instance)),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def install_problem_handlers(app: FastAPI, *, realm: str) -> None:
    """Route Shipyard, validation, HTTP and unexpected errors through problem+json."""

    def respond(error: ShipyardError, request: Request) -> JSONResponse:
        return problem_response(error, request.url.path, realm=realm)

    async def on_shipyard(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ShipyardError)
        if exc.status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return respond(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return respond(BadRequest("request body is not valid JSON"), request)
        errors = [
            {"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg", "")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where, message = ".".join(first["loc"]), str(first["msg"])
        detail = f"{where}: {message}" if where else message
        return respond(InvalidInput(detail, errors=errors), request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc.__cause__, ShipyardError):
            # FastAPI wraps errors raised while it reads a JSON body (the streaming body
            # limit's PayloadTooLarge) in a generic 400; answer with the real error.
            return respond(exc.__cause__, request)
        code = HTTP_CODES.get(exc.status_code, "http-error")
        body = {
            "type": PROBLEM_TYPE_PREFIX + code,
            "title": code.replace("-", " ").capitalize(),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return JSONResponse(
            body, status_code=exc.status_code, media_type=PROBLEM_MEDIA_TYPE, headers=exc.headers
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not a user mistake: log the traceback here, never send it to the client.
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return respond(ShipyardError("internal error; see the server log"), request)

    app.add_exception_handler(ShipyardError, on_shipyard)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
