"""The `sourcesense` command line: thin commands over the core functions and the workflow.

Errors reach the user as one line on stderr and a distinct exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from temporalio.service import RPCError

from sourcesense import ddl_log, embedded
from sourcesense.api.main import create_app, server_options
from sourcesense.cli_render import (
    StageProgress,
    print_changes,
    print_history,
    print_summary,
)
from sourcesense.errors import ConfigError, SourceSenseError
from sourcesense.extract.filters import SCOPE_HELP, Filters, check_shape, parse_scope
from sourcesense.logs import configure_logging
from sourcesense.output_docs import output_markdown
from sourcesense.sample_db import load_sample_db
from sourcesense.settings import Settings, get_settings
from sourcesense.source import PasswordRequiredError, Source, parse_dsn
from sourcesense.store.diff import diff_runs
from sourcesense.store.history import changelog
from sourcesense.store.rundir import new_run_id
from sourcesense.store.runs import run_dir
from sourcesense.store.summary import read_manifest
from sourcesense.tokens import api_token
from sourcesense.transform.atlan.profiles import pii_tags
from sourcesense.transform.openlineage import check_openlineage_url
from sourcesense.transform.registry import available_transformers, check_formats
from sourcesense.workflow.inputs import ExtractionInput, SourceLimits, SourceSpec
from sourcesense.workflow.runtime import (
    EMBEDDED_READY_S,
    connect_client,
    embedded_temporal,
    new_worker,
    temporal_error,
)
from sourcesense.workflow.submit import Unfinished, run_workflow, unfinished_runs

app = typer.Typer(
    help="Complete, consistent, catalog-ready PostgreSQL metadata extraction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sample_db_app = typer.Typer(help="The sample_db demo database.", no_args_is_help=True)
app.add_typer(sample_db_app, name="sample-db")
ddl_app = typer.Typer(
    help="Optional DDL log: event triggers recording schema changes with their time. The only "
    "thing SourceSense ever writes to a source, and only through these commands.",
    no_args_is_help=True,
)
app.add_typer(ddl_app, name="ddl-log")
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

DsnOption = Annotated[
    str, typer.Option("--dsn", help="postgresql://user@host:port/database (password optional)")
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Data directory: runs go to OUT/runs/<run_id> [default: settings]"),
]
TemporalOption = Annotated[
    str | None,
    typer.Option(help="host:port of a Temporal cluster [default: an embedded dev server]"),
]
NamespaceOption = Annotated[str | None, typer.Option(help="Temporal namespace")]
TlsOption = Annotated[bool, typer.Option(help="TLS to Temporal (certs from settings)")]
UnfinishedOption = Annotated[
    Unfinished,
    typer.Option(
        help="Runs of this data dir left unfinished (a kill, a crash): resume them in the "
        "foreground first, or cancel them. Each is listed either way."
    ),
]


def _settings(
    out_dir: Path | None, address: str | None, namespace: str | None, tls: bool = False
) -> Settings:
    updates: dict[str, object] = {"temporal_tls": tls or get_settings().temporal_tls}
    if out_dir is not None:
        updates["data_dir"] = out_dir.resolve()
    if address:
        updates["temporal_address"] = address
    if namespace:
        updates["temporal_namespace"] = namespace
    settings = get_settings().model_copy(update=updates)
    configure_logging(settings.data_dir)
    return settings


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
    scope: Annotated[list[str] | None, typer.Option(help=SCOPE_HELP)] = None,
    password_prompt: Annotated[bool, typer.Option("--password-prompt", "-W")] = False,
    estimate_sizes: Annotated[
        bool, typer.Option(help="Sizes from statistics (no relation locks) instead of exact")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show live progress on stderr")] = True,
    temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
    temporal_ui: Annotated[bool, typer.Option(help="Serve the Temporal Web UI meanwhile")] = False,
    output_format: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            help="Output format, repeatable; 'none' for raw files only "
            "[default: atlan, openlineage]",
        ),
    ] = None,
    lineage: Annotated[bool, typer.Option(help="Table and column lineage of views")] = True,
    quality: Annotated[bool, typer.Option(help="Data-quality statistics and findings")] = True,
    profile: Annotated[
        bool, typer.Option(help="Sampled data profiling (reads table data, bounded)")
    ] = False,
    anonymize: Annotated[
        bool, typer.Option(help="Mask the PII values --include-pii-values writes")
    ] = False,
    include_pii_values: Annotated[
        bool,
        typer.Option(
            help="Write sampled values (min/max, most common values) of columns classified as "
            "personal data; left out by default"
        ),
    ] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(
            help="Recompute lineage, quality and output for every relation instead of copying "
            "the previous run's for unchanged ones"
        ),
    ] = False,
    most_common_values: Annotated[
        bool, typer.Option(help="Keep pg_stats most common values (may be personal data)")
    ] = False,
    atlan_connection: Annotated[
        str | None, typer.Option(help="Atlan connection qualifiedName [default/postgres/<epoch>]")
    ] = None,
    atlan_bulk_batch: Annotated[
        int, typer.Option(help="Also write Atlan bulk-API payloads of this many entities")
    ] = 0,
    atlan_remove_stale: Annotated[
        bool,
        typer.Option(
            help="Write Atlan deletions of assets gone since the previous run of the "
            "same scope (needs --atlan-connection)"
        ),
    ] = False,
    openlineage_url: Annotated[
        str | None,
        typer.Option(
            help="Also post the OpenLineage events to this server (<url>/api/v1/lineage; API "
            "key from SOURCESENSE_OPENLINEAGE_API_KEY)"
        ),
    ] = None,
    atlan_connection_name: Annotated[
        str | None, typer.Option(help="Atlan connectionName of the assets [postgres <host>]")
    ] = None,
    atlan_pii_tags: Annotated[
        str | None,
        typer.Option(
            help="Atlan tag per PII class, e.g. 'email=Personal Email,phone=' (empty: no tag); "
            "defaults: PII Email, PII Phone, PII Person Name, PII Address, PII Card Number, "
            "PII National ID"
        ),
    ] = None,
    unfinished: UnfinishedOption = "resume",
) -> None:
    """Extract the catalog of one database (or all) into a run directory, as a workflow."""
    if database and all_databases:
        raise ConfigError("--database and --all-databases exclude each other: choose one")
    source = parse_dsn(dsn)
    if database:
        source = source.with_database(database)
    if password_prompt:
        source = source.with_password(getpass.getpass("Password: "))
    filters = Filters(
        include_database, exclude_database, include_schema, exclude_schema, include_table,
        exclude_table, parse_scope(scope or []),
    )  # fmt: skip
    check_shape(filters)
    settings = _settings(out_dir, temporal_address, temporal_namespace, temporal_tls)
    formats = output_format if output_format is not None else ["atlan", "openlineage"]
    formats = [name for name in formats if name != "none"]
    check_formats(formats)
    if atlan_remove_stale and not atlan_connection:
        raise ConfigError(
            "--atlan-remove-stale needs --atlan-connection: a connection name "
            "that stays the same from run to run"
        )
    transform_options = {
        "atlan_bulk_batch_size": str(atlan_bulk_batch),
        "atlan_remove_stale": str(atlan_remove_stale).lower(),
    }
    if atlan_connection:
        transform_options["atlan_connection"] = atlan_connection
    if openlineage_url:
        transform_options["openlineage_url"] = check_openlineage_url(openlineage_url, formats)
    if atlan_connection_name:
        transform_options["atlan_connection_name"] = atlan_connection_name
    if atlan_pii_tags:
        pii_tags(atlan_pii_tags)  # refuses an unknown class before the run starts
        transform_options["atlan_pii_tags"] = atlan_pii_tags
    inp = ExtractionInput(
        SourceSpec.of(source), str(settings.data_dir), new_run_id(), filters.recorded(),
        all_databases, exact_sizes=not estimate_sizes, include_mcv=most_common_values,
        lineage=lineage, quality=quality, profile=profile, anonymize=anonymize,
        include_pii_values=include_pii_values,
        incremental=not full_refresh, formats=formats, transform_options=transform_options,
        limits=SourceLimits.of(settings),
    )  # fmt: skip
    run_dir = _run_with_prompt(inp, settings, progress, temporal_ui, unfinished)
    manifest = read_manifest(run_dir)
    print_summary(out, run_dir, manifest)
    if manifest["status"] == "failed":
        raise typer.Exit(code=9)


def _run_with_prompt(
    inp: ExtractionInput, settings: Settings, show: bool, ui: bool, unfinished: Unfinished
) -> Path:
    try:
        return _run(inp, settings, show, ui, unfinished)
    except PasswordRequiredError:
        if inp.source.password is not None or not sys.stdin.isatty():
            raise
    inp.source.password = getpass.getpass("Password: ")
    inp.run_id = new_run_id()
    return _run(inp, settings, show, ui, unfinished)


def _run(
    inp: ExtractionInput, settings: Settings, show: bool, ui: bool,
    unfinished: Unfinished = "resume",
) -> Path:  # fmt: skip
    def announce(url: str) -> None:
        err.print(f"Temporal Web UI: {url}", highlight=False)

    def say(line: str) -> None:
        err.print(line, markup=False, highlight=False)

    with StageProgress(err, enabled=show) as live:
        result = asyncio.run(run_workflow(
            inp, settings, live.update, ui=ui, on_ui=announce, unfinished=unfinished, say=say
        ))  # fmt: skip
    return Path(result.run_dir)


@app.command()
def worker(
    temporal_address: Annotated[str, typer.Option(help="host:port of the Temporal cluster")],
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
    identity: Annotated[str | None, typer.Option(help="Worker name shown in Temporal")] = None,
) -> None:
    """Run a worker: any number of machines can serve one cluster (runs on shared storage)."""
    settings = _settings(None, temporal_address, temporal_namespace, temporal_tls)

    async def serve() -> None:
        client = await connect_client(settings)
        err.print(f"worker polling '{settings.task_queue}' on {temporal_address}; Ctrl-C stops it")
        await new_worker(client, settings, identity).run()

    asyncio.run(serve())


@app.command()
def serve(
    out_dir: OutOption = None,
    host: Annotated[str | None, typer.Option(help="Bind address [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000]")] = None,
    temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
    temporal_ui: Annotated[bool, typer.Option(help="Also serve the Temporal Web UI")] = False,
) -> None:
    """Serve the REST API and the web UI (with an embedded Temporal server and a worker unless
    --temporal-address is given)."""
    settings = _settings(out_dir, temporal_address, temporal_namespace, temporal_tls)
    bind_host, bind_port = host or settings.api_host, port or settings.api_port
    token, generated = api_token(settings)
    if generated:
        err.print(f"API token (shown once; also in {settings.data_dir / 'api.token'}): {token}")
    err.print(f"SourceSense on http://{bind_host}:{bind_port}/ (API docs at /docs)")
    asyncio.run(_serve(settings, bind_host, bind_port, temporal_ui))


async def _serve(settings: Settings, host: str, port: int, ui: bool) -> None:
    async with contextlib.AsyncExitStack() as stack:
        address = settings.temporal_address
        if address is None:
            server = await stack.enter_async_context(embedded_temporal(settings.data_dir, ui=ui))
            address = server.address
            if server.ui_url:
                err.print(f"Temporal Web UI: {server.ui_url}")
        client = await connect_client(settings, address, wait_s=EMBEDDED_READY_S)
        if settings.temporal_address is None:
            await stack.enter_async_context(new_worker(client, settings))
            for run in await unfinished_runs(client):  # the worker resumes them
                err.print(f"{run.describe()}: resumed by this server", highlight=False)
        config = uvicorn.Config(create_app(settings, client), host=host, port=port,
                                log_config=None, access_log=False,
                                **server_options(settings))  # fmt: skip
        await uvicorn.Server(config).serve()


@app.command()
def demo(
    out_dir: OutOption = None,
    scale: Annotated[float, typer.Option(help="sample_db size multiplier")] = 1.0,
    keep_running: Annotated[bool, typer.Option(help="Leave the embedded server running")] = False,
    temporal_ui: Annotated[bool, typer.Option(help="Serve the Temporal Web UI meanwhile")] = False,
    unfinished: UnfinishedOption = "resume",
) -> None:
    """Start an embedded PostgreSQL, load sample_db, extract it and show what it holds."""
    settings = _settings(out_dir, None, None)
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
        inp = ExtractionInput(
            SourceSpec.of(source), str(settings.data_dir), new_run_id(),
            limits=SourceLimits.of(settings),
        )  # fmt: skip
        run_dir = _run(inp, settings, True, temporal_ui, unfinished)
        print_summary(out, run_dir, read_manifest(run_dir))
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
def diff(
    run_a: Annotated[str, typer.Argument(help="The older run id")],
    run_b: Annotated[str, typer.Argument(help="The newer run id")],
    out_dir: OutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
) -> None:
    """What changed between two runs: tables, views, columns, constraints, indexes."""
    data_dir = _settings(out_dir, None, None).data_dir
    changes = diff_runs(run_dir(data_dir, run_a), run_dir(data_dir, run_b))
    if as_json:
        sys.stdout.write(json.dumps([c.as_dict() for c in changes], default=str, indent=2) + "\n")
        return
    print_changes(out, changes)


@app.command()
def history(
    out_dir: OutOption = None,
    source: Annotated[str | None, typer.Option(help="Only runs of this source URL")] = None,
) -> None:
    """The runs of each source, newest first, with what changed since the run before."""
    data_dir = _settings(out_dir, None, None).data_dir
    print_history(out, data_dir, changelog(data_dir, source))


@app.command()
def transformers() -> None:
    """List the installed output formats (built-ins and plugins)."""
    for name, function in sorted(available_transformers().items()):
        sys.stdout.write(f"{name}\t{function.__module__}.{function.__qualname__}\n")


@ddl_app.command("install")
def ddl_log_install(dsn: DsnOption) -> None:
    """Install the event triggers and the sourcesense_ddl schema (needs a superuser)."""
    source = parse_dsn(dsn)
    ddl_log.install(source)
    out.print(f"DDL log installed in {source.redacted_url()}; remove it with ddl-log uninstall")


@ddl_app.command("uninstall")
def ddl_log_uninstall(dsn: DsnOption) -> None:
    """Remove the event triggers and the sourcesense_ddl schema with its events."""
    source = parse_dsn(dsn)
    ddl_log.uninstall(source)
    out.print(f"DDL log removed from {source.redacted_url()}")


@ddl_app.command("show")
def ddl_log_show(
    dsn: DsnOption, limit: Annotated[int, typer.Option(help="How many, newest first")] = 50
) -> None:
    """The most recent recorded DDL events."""
    for event in ddl_log.recent_events(parse_dsn(dsn), limit):
        out.print(
            f"{event['occurred_at']:%Y-%m-%d %H:%M:%S%z}  {event['username']}  "
            f"{event['command_tag']}  {event['object_identity'] or ''}", highlight=False,
        )  # fmt: skip


@app.command()
def schema() -> None:
    """Print the documented schema of every Parquet file of a run (Markdown)."""
    sys.stdout.write(output_markdown())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console entry point: map every error to one line and an exit code."""
    # SIGTERM unwinds like Ctrl-C, so the embedded servers this process started are stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app()  # standalone: usage errors print their own line and exit with code 2
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: no traceback reaches the user
        error = _as_error(exc)
        if error is not None:
            err.print(f"error: {error.message}", markup=False, highlight=False)
            sys.exit(error.exit_code)
        if os.environ.get("SOURCESENSE_DEBUG"):
            raise
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
        err.print("set SOURCESENSE_DEBUG=1 for a traceback, and please report it")
        sys.exit(70)


def _as_error(exc: Exception) -> SourceSenseError | None:
    """The error to report for `exc`: ours, or a lost Temporal connection; None for a bug."""
    if isinstance(exc, SourceSenseError):
        return exc
    if isinstance(exc, RPCError):
        return temporal_error(exc)
    return None
