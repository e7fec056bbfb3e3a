"""Typed dependency aliases: a handler's signature states the permission it needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from shipyard.api.guard import Context, Guard
from shipyard.security import Permission

Authenticated = Annotated[Context, Depends(Guard(Permission.AUTHENTICATED))]
ProjectCreator = Annotated[Context, Depends(Guard(Permission.CREATE_PROJECT))]
Reader = Annotated[Context, Depends(Guard(Permission.READ))]
Writer = Annotated[Context, Depends(Guard(Permission.WRITE))]
Manager = Annotated[Context, Depends(Guard(Permission.MANAGE))]
SystemAdmin = Annotated[Context, Depends(Guard(Permission.SYSTEM_ADMIN))]

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
# Bounded so a huge offset is a 422, not a database integer overflow.
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")]
