"""Control-plane problem+json: the shared handlers plus database failures."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from shipyard import problems
from shipyard.errors import Conflict, Overloaded

log = logging.getLogger("shipyard.api")
REALM = "shipyard"


def install_problem_handlers(app: FastAPI) -> None:
    problems.install_problem_handlers(app, realm=REALM)

    async def on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
        # Two writers raced on a unique key (same name, same version number): safe to retry.
        error = Conflict("a concurrent write conflicted with this one; retry it")
        return problems.problem_response(error, request.url.path, realm=REALM)

    async def on_database_busy(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        error = Overloaded("the database is busy or unreachable; retry shortly")
        return problems.problem_response(error, request.url.path, realm=REALM)  # adds Retry-After

    app.add_exception_handler(IntegrityError, on_integrity_error)
    app.add_exception_handler(OperationalError, on_database_busy)
