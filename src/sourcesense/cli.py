"""The `sourcesense` command line: thin commands over the core functions.

Errors reach the user as one line on stderr and a distinct exit code, never a traceback.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sourcesense import embedded
from sourcesense.cli_render import LiveProgress, print_summary
from sourcesense.errors import ConfigError, SourceSenseError
from sourcesense.extract.catalog import QueryOptions
from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, RunOutcome, run_extraction
from sourcesense.extract.schemas import schema_markdown
from sourcesense.sample_db import load_sample_db
from sourcesense.settings import get_settings
from sourcesense.source import PasswordRequiredError, Source, parse_dsn

app = typer.Typer(
    help="Complete, consistent, catalog-ready PostgreSQL metadata extraction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sample_db_app = typer.Typer(help="The sample_db demo database.", no_args_is_help=True)
app.add_typer(sample_db_app, name="sample-db")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

DsnOption = Annotated[
    str, typer.Option("--dsn", help="postgresql://user@host:port/database (password optional)")
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Data directory; the run goes to OUT/runs/<run_id>")
]


@app.command()
def extract(
    dsn: DsnOption,
    out_dir: OutOption = None,
    database: Annotated[str | None, typer.Option(help="Database to extract")] = None,
    all_databases: Annotated[bool, typer.Option(help="Every database you may connect to")] = False,
    include_database: Annotated[
        str | None, typer.Option(help="Regex, with --all-databases")
    ] = None,
    exclude_database: Annotated[
        str | None, typer.Option(help="Regex, with --all-databases")
    ] = None,
    include_schema: Annotated[str | None, typer.Option(help="Regex on schema names")] = None,
    exclude_schema: Annotated[str | None, typer.Option(help="Regex on schema names")] = None,
    include_table: Annotated[str | None, typer.Option(help="Regex on table names")] = None,
    exclude_table: Annotated[str | None, typer.Option(help="Regex on table names")] = None,
    password_prompt: Annotated[bool, typer.Option("--password-prompt", "-W")] = False,
    estimate_sizes: Annotated[
        bool, typer.Option(help="Sizes from statistics (no relation locks) instead of exact")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show live progress on stderr")] = True,
) -> None:
    """Extract the catalog of one database (or all) into a run directory."""
    if database and all_databases:
        raise ConfigError("--database and --all-databases exclude each other: choose one")
    source = parse_dsn(dsn)
    if database:
        source = source.with_database(database)
    if password_prompt:
        source = source.with_password(getpass.getpass("Password: "))
    filters = Filters(
        include_database, exclude_database, include_schema, exclude_schema, include_table,
        exclude_table,
    )  # fmt: skip
    request = ExtractRequest(
        source, filters, all_databases, QueryOptions(exact_sizes=not estimate_sizes)
    )
    outcome = _run_with_prompt(request, out_dir or get_settings().data_dir, progress)
    print_summary(out, outcome)
    if outcome.manifest["status"] == "failed":
        raise typer.Exit(code=9)


def _run_with_prompt(request: ExtractRequest, data_dir: Path, show: bool) -> RunOutcome:
    try:
        return _run(request, data_dir, show)
    except PasswordRequiredError:
        if request.source.password is not None or not sys.stdin.isatty():
            raise
    request.source = request.source.with_password(getpass.getpass("Password: "))
    return _run(request, data_dir, show)


def _run(request: ExtractRequest, data_dir: Path, show: bool) -> RunOutcome:
    with LiveProgress(err, enabled=show) as live:
        return run_extraction(request, data_dir, on_kind_done=live.kind_done)


@app.command()
def demo(
    out_dir: OutOption = None,
    scale: Annotated[float, typer.Option(help="sample_db size multiplier")] = 1.0,
    keep_running: Annotated[bool, typer.Option(help="Leave the embedded server running")] = False,
) -> None:
    """Start an embedded PostgreSQL, load sample_db, extract it and show what it holds."""
    settings = get_settings()
    root = settings.embedded_pg_dir
    err.print(f"Starting embedded PostgreSQL in {root} ...")
    server = embedded.start(root)
    try:
        err.print(
            f"PostgreSQL {server.version()} on 127.0.0.1:{server.port}; loading sample_db ..."
        )
        rows = load_sample_db(server.conninfo(), "sample_db", scale)
        err.print(f"sample_db loaded: {sum(rows.values()):,} rows in {len(rows)} tables")
        source = parse_dsn(server.conninfo("sample_db"))
        outcome = _run(ExtractRequest(source), out_dir or settings.data_dir, True)
        print_summary(out, outcome)
    finally:
        if not keep_running:
            embedded.stop(root)
    if keep_running:
        out.print(f"Embedded server left running: {server.url('sample_db')}")
        out.print(f"  password in {root / 'superuser.password'}")


@sample_db_app.command("load")
def sample_db_load(
    dsn: DsnOption,
    database: Annotated[str, typer.Option(help="Database to (re)create")] = "sample_db",
    scale: Annotated[float, typer.Option(help="Size multiplier")] = 1.0,
) -> None:
    """Create or refresh sample_db on a server (idempotent)."""
    source: Source = parse_dsn(dsn)
    rows = load_sample_db(source.conninfo(), database, scale)
    out.print(f"{database}: {sum(rows.values()):,} rows in {len(rows)} tables")


@app.command()
def schema() -> None:
    """Print the documented Arrow schema of every raw/<kind>.parquet file (Markdown)."""
    sys.stdout.write(schema_markdown())


def main() -> None:
    """Console entry point: map every error to one line and an exit code."""
    try:
        app()  # standalone: usage errors print their own line and exit with code 2
    except SourceSenseError as exc:
        err.print(f"error: {exc.message}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: no traceback reaches the user
        if os.environ.get("SOURCESENSE_DEBUG"):
            raise
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
        err.print("set SOURCESENSE_DEBUG=1 for a traceback, and please report it")
        sys.exit(70)
