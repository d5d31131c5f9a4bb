"""`sourcesense demo`: an embedded PostgreSQL with sample_db, extracted into its own data dir."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sourcesense.cli.common import (
    DEFAULT_DATA_DIR,
    TemporalUiOption,
    UnfinishedOption,
    err,
    out,
    settings_for,
)
from sourcesense.errors import ConfigError

DEMO_DIR = "demo"  # under the data dir, so demo runs never mix with real ones
PGPASS = "pgpass"


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help=f"Data directory of the demo's runs [default: <data dir>/{DEMO_DIR}; data dir: "
            f"{DEFAULT_DATA_DIR}]",
        ),
    ] = None,
    scale: Annotated[float, typer.Option(help="sample_db size multiplier")] = 1.0,
    keep_running: Annotated[
        bool, typer.Option(help="Leave the embedded PostgreSQL running (stop it with --stop)")
    ] = False,
    stop: Annotated[
        bool, typer.Option("--stop", help="Stop an embedded PostgreSQL left running, and exit")
    ] = False,
    temporal_ui: TemporalUiOption = False,
    unfinished: UnfinishedOption = "resume",
) -> None:
    """Start an embedded PostgreSQL, load sample_db, extract it and show what it holds."""
    from sourcesense import embedded
    from sourcesense.cli.extract import report, run
    from sourcesense.sample_db import load_sample_db
    from sourcesense.settings import get_settings
    from sourcesense.source import parse_dsn
    from sourcesense.store.rundir import new_run_id
    from sourcesense.workflow.inputs import ExtractionInput, SourceLimits, SourceSpec

    root = get_settings().embedded_pg_dir
    if stop and (keep_running or out_dir or temporal_ui):
        raise ConfigError("--stop only stops the demo's server: give it alone")
    if stop:
        embedded.stop(root)
        err().print(f"embedded PostgreSQL in {root} stopped")
        return
    settings = settings_for(out_dir or get_settings().data_dir / DEMO_DIR, None, None)
    err().print(f"Starting embedded PostgreSQL in {root} ...")
    server = embedded.start(root)
    try:
        err().print(
            f"PostgreSQL {server.version()} on 127.0.0.1:{server.port}; loading sample_db ..."
        )
        rows = load_sample_db(server.conninfo(), "sample_db", scale)
        err().print(f"sample_db loaded: {sum(rows.values()):,} rows in {len(rows)} tables")
        source = parse_dsn(server.conninfo("sample_db"))
        inp = ExtractionInput(
            SourceSpec.of(source), str(settings.data_dir), new_run_id(),
            limits=SourceLimits.of(settings),
        )  # fmt: skip
        run_dir = run(inp, settings, True, temporal_ui, unfinished)
        report(run_dir)
    finally:
        if not keep_running:
            embedded.stop(root)
    _what_next(settings.data_dir, run_dir)
    if keep_running:
        pgpass = settings.data_dir / PGPASS
        pgpass.touch(mode=0o600)
        pgpass.chmod(0o600)  # libpq ignores a password file others can read
        pgpass.write_text(f"127.0.0.1:{server.port}:*:{embedded.SUPERUSER}:{server.password}\n")
        out().print("Embedded PostgreSQL left running; connect with:", highlight=False)
        out().print(f"  PGPASSFILE={pgpass} psql {server.url('sample_db')}", highlight=False)
        out().print("  stop it with: sourcesense demo --stop", highlight=False)


def _what_next(data_dir: Path, run_dir: Path) -> None:
    """Where the files are, and the commands to look further."""
    out().print("What next:", highlight=False)
    for line in (
        f"  files of this run:   {run_dir} (manifest.json, raw/, lineage/, quality/, transformed/)",
        "  what they hold:      sourcesense schema",
        f"  runs and changes:    sourcesense history --out {data_dir}",
        f"  browse them:         sourcesense serve --out {data_dir}   (web UI and API)",
        "  your own server:     sourcesense extract --dsn postgresql://user@host/db",
    ):
        out().print(line, highlight=False)
