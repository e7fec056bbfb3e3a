"""One exception hierarchy for Shipyard.

Each error carries a stable ``code`` (used in the problem+json ``type`` URI) and the
HTTP status the API answers with. The CLI prints ``str(error)`` on one line and exits
non-zero. Messages should tell the user what to do next.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_TYPE_PREFIX = "urn:shipyard:problem:"


class ShipyardError(Exception):
    """Base of every error Shipyard raises on purpose."""

    code: ClassVar[str] = "internal"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    @property
    def type_uri(self) -> str:
        return PROBLEM_TYPE_PREFIX + self.code

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """Render as an RFC 9457 problem document."""
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class InvalidInput(ShipyardError):
    code = "invalid-input"
    status = 422
    title = "Invalid input"


class BadRequest(ShipyardError):
    code = "bad-request"
    status = 400
    title = "Bad request"


class Unauthenticated(ShipyardError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(ShipyardError):
    code = "forbidden"
    status = 403
    title = "Permission denied"


class NotFound(ShipyardError):
    code = "not-found"
    status = 404
    title = "Not found"


class Conflict(ShipyardError):
    code = "conflict"
    status = 409
    title = "Conflict"


class PayloadTooLarge(ShipyardError):
    code = "payload-too-large"
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(ShipyardError):
    code = "unsupported-media-type"
    status = 415
    title = "Unsupported media type"


class Overloaded(ShipyardError):
    code = "overloaded"
    status = 503
    title = "Service overloaded"


class CorruptObject(ShipyardError):
    """Stored bytes no longer match their content hash."""

    code = "corrupt-object"
    status = 500
    title = "Stored object failed verification"


class UnsafeArtifact(ShipyardError):
    """A model file failed verification or uses a refused format (pickle)."""

    code = "unsafe-artifact"
    status = 422
    title = "Unsafe or tampered artifact"


class MissingDependency(ShipyardError):
    """An optional extra is needed for this feature."""

    code = "missing-dependency"
    status = 501
    title = "Optional dependency missing"


class JobFailed(ShipyardError):
    code = "job-failed"
    status = 500
    title = "Job failed"


class ConfigurationError(ShipyardError):
    code = "configuration"
    status = 500
    title = "Configuration error"


ALL_ERRORS: tuple[type[ShipyardError], ...] = (
    ShipyardError,
    InvalidInput,
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    Overloaded,
    CorruptObject,
    UnsafeArtifact,
    MissingDependency,
    JobFailed,
    ConfigurationError,
)


def error_for_code(code: str) -> type[ShipyardError]:
    """Map a problem ``code`` back to its class (the HTTP SDK re-raises typed errors)."""
    for cls in ALL_ERRORS:
        if cls.code == code:
            return cls
    return ShipyardError
