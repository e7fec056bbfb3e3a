"""``shipyard`` commands: thin wrappers that parse, call a service or the SDK, and print."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shipyard import __version__
from shipyard.cli.errors import one_line_errors
from shipyard.config import load_settings

app = typer.Typer(
    help="Shipyard: AI infrastructure in one pip install.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
projects_app = typer.Typer(help="Projects, the unit of ownership.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens (run on the control-plane host).", no_args_is_help=True)
db_app = typer.Typer(help="The metadata database.", no_args_is_help=True)
data_app = typer.Typer(help="Datasets and their versions.", no_args_is_help=True)
app.add_typer(projects_app, name="projects")
app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")
app.add_typer(data_app, name="data")
# Piped output (scripts, tests) gets wide rows instead of ellipsised ids.
console = Console(width=None if sys.stdout.isatty() else 200)

Home = Annotated[Path | None, typer.Option(help="State folder (default ~/.shipyard).", envvar=None)]
Host = Annotated[str | None, typer.Option(help="Interface to listen on (default 127.0.0.1).")]
Port = Annotated[int | None, typer.Option(help="Port (default 8700).")]


def main() -> None:
    app()


@app.command()
def version() -> None:
    """Print the Shipyard version."""
    console.print(f"shipyard {__version__}")


@app.command()
@one_line_errors
def doctor() -> None:
    """Hardware inventory (CPU, memory, disks, GPUs through NVML) and package versions."""
    from shipyard.compute import inventory, render_inventory

    console.print(render_inventory(inventory()))


@app.command()
@one_line_errors
def server(host: Host = None, port: Port = None, home: Home = None) -> None:
    """Run the control plane (API, scheduler) in the foreground."""
    from shipyard.cli.server import run_server

    run_server(load_settings(host=host, port=port, home=home), banner=False)


@app.command()
@one_line_errors
def up(host: Host = None, port: Port = None, home: Home = None) -> None:
    """Start the control plane and print its URL and the token to use."""
    from shipyard.cli.server import run_server

    run_server(load_settings(host=host, port=port, home=home), banner=True)


@app.command()
@one_line_errors
def serve(
    model_dir: Annotated[Path, typer.Argument(help="A materialised model directory with manifest.json.")],
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8080,
    spool_dir: Annotated[Path | None, typer.Option(help="Where to log predictions.")] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="SHIPYARD_SERVING_TOKEN", help="Bearer token clients must send (default: new)."),
    ] = None,
) -> None:
    """Run an inference server (Open Inference Protocol v2) for one model directory."""
    from shipyard.security import generate_token
    from shipyard.serving.process import serve as run_inference_server

    if token is None:
        token = generate_token()
        console.print(f"Bearer token for this server: {token}", highlight=False, soft_wrap=True)
    run_inference_server(model_dir, host=host, port=port, spool_dir=spool_dir, token=token)


@app.command()
@one_line_errors
def quickstart(
    home: Annotated[Path, typer.Option(help="State folder for this run.")] = Path(".quickstart"),
    rows: Annotated[int, typer.Option(min=200, help="Rows of generated training data.")] = 5000,
) -> None:
    """Run the whole lifecycle end to end on the embedded default (offline)."""
    from shipyard.quickstart import run_quickstart

    run_quickstart(home.resolve(), rows=rows)


@data_app.command("push")
@one_line_errors
def data_push(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    file: Annotated[Path, typer.Argument(help="A CSV or Parquet file.")],
    project: Annotated[str | None, typer.Option(help="Project (default: the project setting).")] = None,
    format: Annotated[str | None, typer.Option(help="csv or parquet (default: detected).")] = None,
    home: Home = None,
) -> None:
    """Upload FILE as the next version of dataset NAME (identical content returns the existing one)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TransferSpeedColumn,
    )

    from shipyard.errors import InvalidInput
    from shipyard.sdk import Client

    if not file.is_file():
        raise InvalidInput(f"no such file: {file}")
    with Client(home=home, project=project) as client:
        client.use_project(client.project)
        # The spinner keeps turning while the server validates and stores what was sent.
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
        )
        with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task(f"uploading {file.name}", total=file.stat().st_size)
            version = client.register_dataset(
                name, file, format=format, on_progress=lambda sent: progress.advance(task, sent)
            )
    console.print(
        f"{name} v{version['version']}: {version['num_rows']:,} rows, {len(version['schema'])} columns, "
        f"blake3 {version['digest'][:16]}  ({version['id']})",
        highlight=False,
    )


@db_app.command("upgrade")
@one_line_errors
def db_upgrade(home: Home = None) -> None:
    """Apply database migrations (they also run on every start)."""
    from shipyard.store import Database

    settings = load_settings(home=home)
    database = Database(settings.resolved_database_url)
    database.upgrade()
    console.print(f"database at revision {database.current_revision()}")


@projects_app.command("list")
@one_line_errors
def projects_list(home: Home = None) -> None:
    """List the projects you can see."""
    from shipyard.sdk import Client

    with Client(home=home) as client:
        table = Table("name", "id", "created")
        for project in client.projects():
            table.add_row(project["name"], project["id"], project["created_at"])
        console.print(table)


@projects_app.command("create")
@one_line_errors
def projects_create(name: str, description: str = "", home: Home = None) -> None:
    """Create a project (you become its admin)."""
    from shipyard.sdk import Client

    with Client(home=home) as client:
        project = client.create_project(name, description)
    console.print(f"created project {project['name']} ({project['id']})")


@tokens_app.command("create")
@one_line_errors
def tokens_create(
    principal: Annotated[str, typer.Option(help="Who the token is for (created if missing).")] = "admin",
    name: Annotated[str, typer.Option(help="A label for the token.")] = "",
    ttl_hours: Annotated[
        int | None, typer.Option(min=1, help="Default: the token_ttl_hours setting.")
    ] = None,
    project: Annotated[str | None, typer.Option(help="Scope the token to one project.")] = None,
    role: Annotated[str | None, typer.Option(help="Grant (and cap at) viewer, editor or admin.")] = None,
    home: Home = None,
) -> None:
    """Mint a token and print it once."""
    from shipyard import security
    from shipyard.errors import NotFound
    from shipyard.platform import open_platform

    platform = open_platform(load_settings(home=home))
    ttl = timedelta(hours=ttl_hours or platform.settings.token_ttl_hours)
    with platform.db.session() as session:
        operator = security.local_identity(session)
        try:
            owner = security.get_principal(session, principal)
        except NotFound:
            owner = security.create_principal(session, operator.actor, principal)
        project_id = None
        parsed_role = security.parse_role(role) if role else None
        if project:
            proj = security.resolve_project(session, operator, project, security.Role.ADMIN)
            project_id = proj.id
            if parsed_role:
                security.set_member(session, operator.actor, proj, owner, parsed_role)
        issued = security.issue_token(
            session,
            operator.actor,
            owner,
            name=name,
            ttl=ttl,
            project_id=project_id,
            role=parsed_role,
        )
    console.print(issued.secret, highlight=False, soft_wrap=True)


@tokens_app.command("list")
@one_line_errors
def tokens_list(home: Home = None) -> None:
    """List tokens (never their secrets)."""
    from shipyard import security
    from shipyard.platform import open_platform

    platform = open_platform(load_settings(home=home))
    with platform.db.session() as session:
        table = Table("name", "project", "role", "expires", "revoked")
        table.add_column("id", no_wrap=True, min_width=30)
        for token in security.list_tokens(session, security.local_identity(session)):
            table.add_row(
                token.name,
                token.project_id or "",
                token.role or "",
                token.expires_at.date().isoformat() if token.expires_at else "never",
                "yes" if token.revoked_at else "",
                token.id,
            )
    console.print(table)


@tokens_app.command("revoke")
@one_line_errors
def tokens_revoke(token_id: str, home: Home = None) -> None:
    """Revoke a token; requests with it get 401 from now on."""
    from shipyard import security
    from shipyard.platform import open_platform

    platform = open_platform(load_settings(home=home))
    with platform.db.session() as session:
        security.revoke_token(session, security.local_identity(session), token_id)
    console.print(f"revoked {token_id}")
