"""Starting the control plane: bootstrap identity once, then serve the API."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from shipyard.blobs import LocalBackend
from shipyard.config import Settings
from shipyard.platform import Platform, open_platform

console = Console()


def write_secret(path: Path, secret: str) -> None:
    """Create the file with mode 0600 before any byte of the secret is written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    os.chmod(path, 0o600)


def bootstrap_admin(platform: Platform) -> str | None:
    """Create the admin and its token on first start; returns the secret that one time."""
    from shipyard.security import bootstrap

    with platform.db.session() as session:
        issued = bootstrap(session, ttl=timedelta(hours=platform.settings.token_ttl_hours))
    if issued is None:
        return None
    write_secret(platform.settings.admin_token_file, issued.secret)
    return issued.secret


def run_server(settings: Settings, *, banner: bool) -> None:
    import uvicorn

    from shipyard.api.app import create_app

    platform = open_platform(settings)
    swept = platform.blobs.backend.sweep_temp() if isinstance(platform.blobs.backend, LocalBackend) else 0
    if swept:
        console.print(f"removed {swept} temp file(s) left by interrupted blob writes")
    secret = bootstrap_admin(platform)
    url = f"http://{settings.host}:{settings.port}"
    if secret:
        console.print(
            f"[bold]Bootstrap admin token[/bold] (shown once, also in {settings.admin_token_file}):"
        )
        console.print(secret, highlight=False, soft_wrap=True)
    if banner:
        console.print(f"Shipyard control plane: [bold]{url}[/bold]  (API docs: {url}/api/v1/docs)")
        if not secret and settings.admin_token_file.exists():
            console.print(f"Admin token: {settings.admin_token_file.read_text().strip()}", highlight=False)
        console.print(f"Use it: export SHIPYARD_SERVER_URL={url} SHIPYARD_TOKEN=<token>", highlight=False)
    app = create_app(platform, public_url=url)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        http="httptools",
        loop="uvloop",
        log_level=settings.log_level,
        access_log=False,
    )
