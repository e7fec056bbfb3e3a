"""Settings: defaults < ``shipyard.toml`` < ``SHIPYARD_*`` environment < CLI flags.

This is the only module that reads the environment; everything else is handed a
``Settings`` object.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from shipyard.errors import ConfigurationError

DEFAULT_CONFIG_FILE = "shipyard.toml"


class Settings(BaseSettings):
    """Everything Shipyard can be configured with."""

    model_config = SettingsConfigDict(env_prefix="SHIPYARD_", extra="forbid", frozen=True)

    home: Path = Field(default=Path("~/.shipyard"), description="State folder: DB, blobs, keys, logs.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///$SHIPYARD_HOME/shipyard.db."
    )
    blob_root: Path | None = Field(default=None, description="Blob folder; default $SHIPYARD_HOME/blobs.")
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=1, le=65535)
    server_url: str | None = Field(
        default=None, description="A running control plane; when set the SDK talks HTTP to it."
    )
    token: str | None = Field(default=None, description="Bearer token the SDK and CLI send.")
    project: str = Field(default="default", description="Project the SDK works in by default.")
    run_id: str | None = Field(default=None, description="Set by the scheduler inside a job.")
    max_body_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    max_json_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    token_ttl_hours: int = Field(default=24 * 90, ge=1, description="Lifetime of new user tokens.")
    job_token_ttl_minutes: int = Field(default=24 * 60, ge=1)
    log_level: str = "info"

    @field_validator("home", "blob_root", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'shipyard.db'}"

    @property
    def resolved_blob_root(self) -> Path:
        return self.blob_root or self.home / "blobs"

    @property
    def admin_token_file(self) -> Path:
        return self.home / "admin.token"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def deployments_dir(self) -> Path:
        """Materialised model files, server logs and prediction logs of each deployment."""
        return self.home / "deployments"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = _config_file()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def _config_file() -> Path | None:
    """``$SHIPYARD_CONFIG`` if set, else ``./shipyard.toml`` when it exists."""
    explicit = os.environ.get("SHIPYARD_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"SHIPYARD_CONFIG names {path}, which is not a file")
        return path
    local = Path.cwd() / DEFAULT_CONFIG_FILE
    return local if local.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Build settings; ``overrides`` are CLI flags (``None`` means "not given")."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)


def job_environment(settings: Settings) -> dict[str, str]:
    """The ``SHIPYARD_*`` variables a child process needs to reach the same state."""
    env = {"SHIPYARD_HOME": str(settings.home)}
    if settings.database_url:
        env["SHIPYARD_DATABASE_URL"] = settings.database_url
    if settings.blob_root:
        env["SHIPYARD_BLOB_ROOT"] = str(settings.blob_root)
    return env


def inherited_environment() -> dict[str, str]:
    """A copy of this process's environment for child processes (jobs, servers)."""
    return dict(os.environ)
