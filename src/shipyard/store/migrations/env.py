"""Alembic environment: runs on the engine the Database hands over (no alembic.ini)."""

from __future__ import annotations

import importlib

from alembic import context

from shipyard.store import Base

# Service table modules, loaded by name so the foundation layer does not import services.
TABLE_MODULES = (
    "shipyard.security.models",
    "shipyard.data.models",
    "shipyard.tracking.models",
    "shipyard.compute.models",
    "shipyard.registry.models",
    "shipyard.serving.models",
    "shipyard.monitoring.models",
)
for module in TABLE_MODULES:
    importlib.import_module(module)

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
