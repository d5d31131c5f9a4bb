"""`sourcesense sample-db`: the sample_db demo database (all of its commands live here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sourcesense.cli.common import DsnOption, out

if TYPE_CHECKING:
    from sourcesense.sample_db.load import SampleLoad
    from sourcesense.sample_db.mysql_load import MysqlSampleLoad

app = typer.Typer(help="The sample_db demo database.", no_args_is_help=True, rich_markup_mode=None)


@app.command("load")
def sample_db_load(
    dsn: DsnOption,
    database: Annotated[
        str | None,
        typer.Option(
            help="Load into this database instead of the DSN's (sample_db if it names none); "
            "on MySQL, a prefix of its three databases' names"
        ),
    ] = None,
    scale: Annotated[float, typer.Option(help="Size multiplier")] = 1.0,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Also drop schemas holding objects sample_db did not create"
        ),
    ] = False,
) -> None:
    """Load sample_db into the DSN's database, created when missing (idempotent)."""
    from sourcesense.sample_db.load import DEFAULT_DATABASE, load_into
    from sourcesense.source import parse_dsn

    source = parse_dsn(dsn)
    done: SampleLoad | MysqlSampleLoad
    if source.engine == "mysql":
        from sourcesense.sample_db.mysql_load import load_mysql

        # MySQL: three databases; --database (or the DSN's) is a prefix of their names.
        done = load_mysql(source, database or source.database or "", scale, replace)
    else:
        done = load_into(source, database or source.database or DEFAULT_DATABASE, scale, replace)
    for line in done.report(source.describe()):
        out().print(line, markup=False, highlight=False)
