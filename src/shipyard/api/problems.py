"""RFC 9457 problem+json responses for every error the API can answer with."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sqlalchemy.exc import IntegrityError, OperationalError

from shipyard.errors import PROBLEM_TYPE_PREFIX, BadRequest, Conflict, InvalidInput, Overloaded, ShipyardError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("shipyard.api")

_HTTP_CODES = {
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


def problem_response(error: ShipyardError, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="shipyard"'} if error.status == 401 else None
    return JSONResponse(
        error.to_problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShipyardError)
    async def _shipyard_error(request: Request, exc: ShipyardError) -> JSONResponse:
        if exc.status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg", "")}
            for err in exc.errors()
        ]
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return problem_response(BadRequest("request body is not valid JSON"), request)
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
        return problem_response(InvalidInput(detail, errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, ShipyardError):
            # FastAPI wraps errors raised while it reads a JSON body (the streaming body
            # limit's PayloadTooLarge) in a generic 400; answer with the real error.
            return problem_response(exc.__cause__, request)
        code = _HTTP_CODES.get(exc.status_code, "http-error")
        body = {
            "type": PROBLEM_TYPE_PREFIX + code,
            "title": code.replace("-", " ").capitalize(),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return JSONResponse(
            body,
            status_code=exc.status_code,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # Two writers raced on a unique key (same name, same version number): safe to retry.
        return problem_response(Conflict("a concurrent write conflicted with this one; retry it"), request)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        response = problem_response(Overloaded("the database is busy or unreachable; retry shortly"), request)
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not a user mistake: log the traceback here, never send it to the client.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(ShipyardError("internal error; see the server log"), request)
