"""Append-only audit log; each event's hash covers the previous one, so edits are detectable."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shipyard.clock import utcnow
from shipyard.security.models import AuditEvent

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a write: recorded in the audit log and in ``created_by`` columns."""

    principal_id: str | None
    name: str


SYSTEM = Actor(principal_id=None, name="system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str,
    project_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the write)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never chain onto the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(7001)"))
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    event = AuditEvent(
        at=utcnow(),
        principal_id=actor.principal_id,
        principal_name=actor.name,
        action=action,
        project_id=project_id,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
        prev_hash=last or GENESIS,
    )
    event.hash = _event_hash(event)
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> int:
    """Re-hash the whole log; return the number of events, or raise on the first broken link."""
    from shipyard.errors import CorruptObject

    previous = GENESIS
    count = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.prev_hash != previous or event.hash != _event_hash(event):
            raise CorruptObject(f"audit log broken at event {event.id}")
        previous = event.hash
        count += 1
    return count


def _event_hash(event: AuditEvent) -> str:
    payload = {
        "at": event.at.isoformat(),
        "principal_id": event.principal_id,
        "principal_name": event.principal_name,
        "action": event.action,
        "project_id": event.project_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "prev": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
