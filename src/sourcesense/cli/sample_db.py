"""`sourcesense sample-db`: the sample_db demo database (all of its commands live here)."""

from __future__ import annotations

from typing import Annotated

import typer

from sourcesense.cli.common import DsnOption, out

app = typer.Typer(help="The sample_db demo database.", no_args_is_help=True, rich_markup_mode=None)


@app.command("load")
def sample_db_load(
    dsn: DsnOption,
    database: Annotated[str, typer.Option(help="Database to (re)create")] = "sample_db",
    scale: Annotated[float, typer.Option(help="Size multiplier")] = 1.0,
) -> None:
    """Create or refresh sample_db on a server (idempotent)."""
    from sourcesense.sample_db import load_sample_db
    from sourcesense.source import parse_dsn

    source = parse_dsn(dsn)
    rows = load_sample_db(source.conninfo(), database, scale)
    out().print(f"{database}: {sum(rows.values()):,} rows in {len(rows)} tables")
