"""Reading the runs of a data dir: `diff`, `history`, `schema`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from sourcesense.cli.common import OutOption, existing_data_dir, out


def register(app: typer.Typer) -> None:
    app.command()(diff)
    app.command()(history)
    app.command()(schema)


def diff(
    run_a: Annotated[str, typer.Argument(help="The older run id")],
    run_b: Annotated[str, typer.Argument(help="The newer run id")],
    out_dir: OutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
) -> None:
    """What changed between two runs: tables, views, columns, constraints, indexes."""
    from sourcesense.cli_render import print_changes
    from sourcesense.store.diff import diff_runs
    from sourcesense.store.runs import run_dir

    data_dir = existing_data_dir(out_dir)
    changes = diff_runs(run_dir(data_dir, run_a), run_dir(data_dir, run_b))
    if as_json:
        sys.stdout.write(json.dumps([c.as_dict() for c in changes], default=str, indent=2) + "\n")
        return
    print_changes(out(), changes)


def history(
    out_dir: OutOption = None,
    source: Annotated[
        str | None, typer.Option(help="Only runs of this source URL [default: every source]")
    ] = None,
) -> None:
    """The runs of each source, newest first, with what changed since the run before."""
    from sourcesense.cli_render import print_history
    from sourcesense.store.history import changelog

    data_dir = existing_data_dir(out_dir)
    print_history(out(), data_dir, changelog(data_dir, source))


def schema() -> None:
    """Print the documented schema of every Parquet file of a run (Markdown)."""
    from sourcesense.output_docs import output_markdown

    sys.stdout.write(output_markdown())
