"""Settings precedence: defaults < shipyard.toml < SHIPYARD_* environment < CLI flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shipyard.config import Settings, load_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in (
        "SHIPYARD_HOME",
        "SHIPYARD_PORT",
        "SHIPYARD_CONFIG",
        "SHIPYARD_DATABASE_URL",
        "SHIPYARD_PROJECT",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.port == 8700
    assert settings.host == "127.0.0.1"
    assert settings.home == Path("~/.shipyard").expanduser().resolve()
    assert settings.resolved_database_url.endswith("/shipyard.db")


def test_toml_beats_defaults_env_beats_toml_flags_beat_env(clean_env: Path, monkeypatch) -> None:
    (clean_env / "shipyard.toml").write_text('port = 9001\nproject = "from-toml"\nhost = "0.0.0.0"\n')
    assert load_settings().port == 9001
    assert load_settings().project == "from-toml"
    monkeypatch.setenv("SHIPYARD_PORT", "9002")
    assert load_settings().port == 9002
    assert load_settings().host == "0.0.0.0"  # still from the file
    assert load_settings(port=9003).port == 9003
    assert load_settings(port=None).port == 9002  # a flag not given does not override


def test_explicit_config_file(clean_env: Path, monkeypatch) -> None:
    config = clean_env / "elsewhere.toml"
    config.write_text("port = 9100\n")
    monkeypatch.setenv("SHIPYARD_CONFIG", str(config))
    assert load_settings().port == 9100


def test_missing_explicit_config_file_is_an_error(clean_env: Path, monkeypatch) -> None:
    from shipyard.errors import ConfigurationError

    monkeypatch.setenv("SHIPYARD_CONFIG", str(clean_env / "nope.toml"))
    with pytest.raises(ConfigurationError, match=r"nope\.toml"):
        load_settings()


def test_home_derives_database_and_blobs(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHIPYARD_HOME", str(clean_env / "state"))
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{clean_env / 'state' / 'shipyard.db'}"
    assert settings.resolved_blob_root == clean_env / "state" / "blobs"
    assert settings.admin_token_file == clean_env / "state" / "admin.token"


def test_bad_values_and_unknown_keys_are_rejected(clean_env: Path, monkeypatch) -> None:
    with pytest.raises(ValidationError):
        Settings(port=70000)
    (clean_env / "shipyard.toml").write_text("prot = 1\n")
    with pytest.raises(ValidationError):
        load_settings()
