"""`sourcesense extract`: one database (or all) into a run directory, as a workflow."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sourcesense.cli.common import (
    DsnOption,
    NamespaceOption,
    OutOption,
    TemporalOption,
    TemporalUiOption,
    TlsOption,
    Unfinished,
    UnfinishedOption,
    err,
    out,
    settings_for,
)
from sourcesense.errors import ConfigError, ExtractionError, IncompleteRunError

if TYPE_CHECKING:
    from sourcesense.settings import Settings
    from sourcesense.workflow.inputs import ExtractionInput

DEFAULT_FORMATS = ["atlan", "openlineage"]
ATLAN_OPTIONS = ("atlan_connection", "atlan_connection_name", "atlan_pii_tags")


def register(app: typer.Typer) -> None:
    app.command()(extract)


def extract(
    dsn: DsnOption,
    out_dir: OutOption = None,
    database: Annotated[
        str | None, typer.Option(help="Database to extract [default: the DSN's]")
    ] = None,
    all_databases: Annotated[bool, typer.Option(help="Every database you may connect to")] = False,
    include_database: Annotated[
        str | None, typer.Option(help="Regex, with --all-databases [default: every database]")
    ] = None,
    exclude_database: Annotated[
        str | None, typer.Option(help="Regex, with --all-databases [default: none excluded]")
    ] = None,
    include_schema: Annotated[
        str | None, typer.Option(help="Regex on schema names [default: every schema]")
    ] = None,
    exclude_schema: Annotated[
        str | None, typer.Option(help="Regex on schema names [default: none excluded]")
    ] = None,
    include_table: Annotated[
        str | None, typer.Option(help="Regex on table names [default: every table]")
    ] = None,
    exclude_table: Annotated[
        str | None, typer.Option(help="Regex on table names [default: none excluded]")
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            help="Read exactly these schemas of a database, repeatable: db (every schema), "
            "db:schema1,schema2, or db:schema1,schema2:table-regex [default: none: the "
            "patterns decide]"
        ),
    ] = None,
    password_prompt: Annotated[
        bool,
        typer.Option(
            "--password-prompt",
            "-W",
            help="Ask for the password on the terminal (else: the DSN, PGPASSWORD, ~/.pgpass, "
            "or a prompt when the server asks for one on a terminal)",
        ),
    ] = False,
    estimate_sizes: Annotated[
        bool, typer.Option(help="Sizes from statistics (no relation locks) instead of exact")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show live progress on stderr")] = True,
    temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
    temporal_ui: TemporalUiOption = False,
    output_format: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            help="Output format, repeatable; 'none' for raw files only "
            f"[default: {', '.join(DEFAULT_FORMATS)}]",
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
        str | None,
        typer.Option(
            help="Atlan connection qualifiedName [default: that of the scope's first run, "
            "else default/postgres/<epoch>]"
        ),
    ] = None,
    atlan_bulk_batch: Annotated[
        int, typer.Option(help="Also write Atlan bulk-API payloads of this many entities; 0: none")
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
            "key from SOURCESENSE_OPENLINEAGE_API_KEY) [default: none, files only]"
        ),
    ] = None,
    atlan_connection_name: Annotated[
        str | None,
        typer.Option(help="Atlan connectionName of the assets [default: postgres <host>]"),
    ] = None,
    atlan_pii_tags: Annotated[
        str | None,
        typer.Option(
            help="Atlan tag per PII class, e.g. 'email=Personal Email,phone=' (empty: no tag) "
            "[default: PII Email, PII Phone, PII Person Name, PII Address, PII Card Number, "
            "PII National ID]"
        ),
    ] = None,
    unfinished: UnfinishedOption = "resume",
) -> None:
    """Extract the catalog of one database (or all) into a run directory, as a workflow."""
    given = {name: value for name, value in locals().items() if value}
    from sourcesense.extract.filters import Filters, check_shape, parse_scope
    from sourcesense.source import parse_dsn
    from sourcesense.store.rundir import new_run_id
    from sourcesense.workflow.inputs import ExtractionInput, SourceLimits, SourceSpec

    _refuse_ignored(given, temporal_address)
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
    settings = settings_for(out_dir, temporal_address, temporal_namespace, temporal_tls)
    formats = output_format if output_format is not None else DEFAULT_FORMATS
    formats = [name for name in formats if name != "none"]
    lineage, quality, formats = _engine_steps(source.engine, lineage, quality, formats)
    profile = _engine_profiling(source.engine, profile)
    inp = ExtractionInput(
        SourceSpec.of(source), str(settings.data_dir), new_run_id(), filters.recorded(),
        all_databases, exact_sizes=not estimate_sizes, include_mcv=most_common_values,
        lineage=lineage, quality=quality, profile=profile, anonymize=anonymize,
        include_pii_values=include_pii_values,
        incremental=not full_refresh, formats=formats,
        transform_options=_transform_options(given, formats), limits=SourceLimits.of(settings),
    )  # fmt: skip
    run_dir = run_with_prompt(inp, settings, progress, temporal_ui, unfinished)
    report(run_dir)


def _engine_steps(
    engine: str, lineage: bool, quality: bool, formats: list[str]
) -> tuple[bool, bool, list[str]]:
    """The steps to run: those the engine cannot run yet are left out, with a note."""
    from sourcesense.engines import unsupported_steps

    missing = unsupported_steps(engine, lineage, quality, formats)
    if not missing:
        return lineage, quality, formats
    err().print(
        f"note: {engine} runs have no {', '.join(missing)} step yet: extracting the raw "
        "catalog only (raw/*.parquet)", markup=False, highlight=False,
    )  # fmt: skip
    keep = [step for step in ("lineage", "quality", "formats") if step not in missing]
    return (
        "lineage" in keep and lineage,
        "quality" in keep and quality,
        formats if "formats" in keep else [],
    )


def _engine_profiling(engine: str, profile: bool) -> bool:
    """--profile where the engine can sample tables; else a note, and statistics only."""
    from sourcesense.engines import get_engine

    if not profile or get_engine(engine).profiling:
        return profile
    err().print(f"note: {engine} runs have no sampled profiling yet: quality from statistics "
                "and the catalog only", markup=False, highlight=False)  # fmt: skip
    return False


def _refuse_ignored(given: dict[str, Any], temporal_address: str | None) -> None:
    """Options that another option makes meaningless are refused, never silently ignored."""
    if given.get("database") and given.get("all_databases"):
        raise ConfigError("--database and --all-databases exclude each other: choose one")
    for name in ("include_database", "exclude_database"):
        if given.get(name) and not given.get("all_databases"):
            option = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{option} only applies with --all-databases: add it, or give the database "
                "in the DSN"
            )
    if given.get("temporal_ui") and temporal_address:
        raise ConfigError(
            "--temporal-ui serves the embedded server's UI: with --temporal-address, open "
            "your cluster's UI instead"
        )


def _transform_options(given: dict[str, Any], formats: list[str]) -> dict[str, str]:
    """The transformers' options, checked against the formats they apply to."""
    from sourcesense.transform.atlan.profiles import pii_tags
    from sourcesense.transform.openlineage import check_openlineage_url
    from sourcesense.transform.registry import check_formats

    check_formats(formats)
    atlan_given = [n for n in (*ATLAN_OPTIONS, "atlan_bulk_batch", "atlan_remove_stale")
                   if given.get(n)]  # fmt: skip
    if atlan_given and "atlan" not in formats:
        option = "--" + atlan_given[0].replace("_", "-")
        raise ConfigError(f"{option} applies to the atlan format: add --format atlan")
    if given.get("atlan_remove_stale") and not given.get("atlan_connection"):
        raise ConfigError(
            "--atlan-remove-stale needs --atlan-connection: a connection name "
            "that stays the same from run to run"
        )
    options = {
        "atlan_bulk_batch_size": str(given.get("atlan_bulk_batch", 0)),
        "atlan_remove_stale": str(bool(given.get("atlan_remove_stale"))).lower(),
    }
    options |= {name: given[name] for name in ATLAN_OPTIONS if given.get(name)}
    if given.get("openlineage_url"):
        options["openlineage_url"] = check_openlineage_url(given["openlineage_url"], formats)
    if given.get("atlan_pii_tags"):
        pii_tags(given["atlan_pii_tags"])  # refuses an unknown class before the run starts
    return options


def report(run_dir: Path) -> None:
    """The closing summary, then the exit code: 0 only when everything asked for was made."""
    from sourcesense.cli_render import print_summary
    from sourcesense.store.summary import read_manifest

    manifest = read_manifest(run_dir)
    print_summary(out(), run_dir, manifest)
    if manifest["status"] == "failed":
        raise ExtractionError(f"the run failed: see {run_dir / 'manifest.json'}")
    failed = failed_parts(manifest)
    if failed:
        raise IncompleteRunError(
            f"the run completed, but {', '.join(failed)} failed: the errors are listed above "
            f"and in {run_dir / 'manifest.json'}"
        )


def failed_parts(manifest: dict[str, Any]) -> list[str]:
    """What was asked for and not produced: failed steps, formats and databases."""
    failed = [f"database {d['name']}" for d in manifest["databases"] if d["status"] == "failed"]
    for name, step in manifest.get("steps", {}).items():
        formats = [f for f, r in step.get("formats", {}).items() if r.get("status") == "failed"]
        if formats:
            failed += [f"the {f} output" for f in formats]
        elif step.get("status") == "failed":
            failed.append(f"the {name.replace('_', ' ')} step")
    return failed


def run_with_prompt(
    inp: ExtractionInput, settings: Settings, show: bool, ui: bool, unfinished: Unfinished
) -> Path:
    from sourcesense.source import PasswordRequiredError
    from sourcesense.store.rundir import new_run_id

    try:
        return run(inp, settings, show, ui, unfinished)
    except PasswordRequiredError:
        if inp.source.password is not None or not sys.stdin.isatty():
            raise
    inp.source.password = getpass.getpass("Password: ")
    inp.run_id = new_run_id()
    return run(inp, settings, show, ui, unfinished)


def run(
    inp: ExtractionInput, settings: Settings, show: bool, ui: bool,
    unfinished: Unfinished = "resume",
) -> Path:  # fmt: skip
    """Run the workflow, its stages shown live on stderr; the run's folder."""
    import asyncio

    from sourcesense.cli_render import StageProgress
    from sourcesense.workflow.submit import run_workflow

    def announce(url: str) -> None:
        err().print(f"Temporal Web UI: {url}", highlight=False)

    def say(line: str) -> None:
        err().print(line, markup=False, highlight=False)

    with StageProgress(err(), enabled=show) as live:
        result = asyncio.run(run_workflow(
            inp, settings, live.update, ui=ui, on_ui=announce, unfinished=unfinished, say=say
        ))  # fmt: skip
    return Path(result.run_dir)
