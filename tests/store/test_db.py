"""The metadata store on SQLite and PostgreSQL: migrations, sessions, integrity."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from shipyard import security
from shipyard.platform import Platform
from shipyard.store import Base, Database


def test_migrations_create_every_table(platform: Platform) -> None:
    tables = set(inspect(platform.db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert platform.db.current_revision() == "0001"


def test_migrations_match_the_models(platform: Platform) -> None:
    """A model change without a migration fails here, on both databases."""
    with platform.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    """Database.upgrade skips Alembic when the stored revision equals HEAD_REVISION."""
    from alembic.script import ScriptDirectory

    from shipyard.store.db import HEAD_REVISION, MIGRATIONS_DIR

    assert ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() == HEAD_REVISION


def test_upgrade_twice_is_a_no_op(platform: Platform) -> None:
    platform.db.upgrade()
    platform.db.upgrade()
    assert platform.db.current_revision() == "0001"


def test_session_rolls_back_on_error(platform: Platform) -> None:
    with platform.db.session() as session:
        admin = security.local_identity(session)
    with pytest.raises(RuntimeError), platform.db.session() as session:
        security.create_project(session, admin, "doomed")
        raise RuntimeError("boom")
    with platform.db.session() as session:
        names = [p.name for p in session.execute(select(security.Project)).scalars()]
    assert "doomed" not in names


def test_timestamps_come_back_timezone_aware(platform: Platform) -> None:
    with platform.db.session() as session:
        project = security.create_project(session, security.local_identity(session), "tz")
    with platform.db.session() as session:
        loaded = session.get(security.Project, project.id)
        assert loaded is not None and loaded.created_at.tzinfo is not None


def test_integrity_check_is_clean(platform: Platform) -> None:
    assert platform.db.integrity_check() == []
    assert platform.db.ping()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unsupported_url_is_a_clear_error() -> None:
    from shipyard.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unsupported database"):
        Database("mysql://root@localhost/x")
