"""How the CLI shows a run: live progress on stderr, a closing summary on stdout."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from sourcesense.extract.run import RunOutcome
from sourcesense.extract.schemas import DATABASE_KINDS
from sourcesense.store.summary import relation_breakdown

_RELATION_LABELS = {
    "table": "tables",
    "partitioned_table": "partitioned tables",
    "partitions": "  partitions (rolled up)",
    "view": "views",
    "materialized_view": "materialized views",
    "foreign_table": "foreign tables",
}


class LiveProgress:
    """A progress bar per database, advanced as each kind lands."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"), TimeElapsedColumn(),
            console=console, disable=not enabled, transient=False,
        )  # fmt: skip
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> LiveProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def kind_done(self, database: str, kind: str, rows: int) -> None:
        if database not in self._tasks:
            total = len(DATABASE_KINDS)
            self._tasks[database] = self._progress.add_task(database, total=total, last="")
        self._progress.update(self._tasks[database], advance=1, last=f"{kind}: {rows:,}")


def print_summary(console: Console, outcome: RunOutcome) -> None:
    manifest = outcome.manifest
    table = Table(title="Extracted", title_justify="left")
    table.add_column("kind")
    table.add_column("count", justify="right")
    counts = dict(manifest["counts"])
    for kind, count in counts.items():
        table.add_row(kind, f"{count:,}")
        if kind == "relations" and count:
            for sub, sub_count in relation_breakdown(outcome.run_dir).items():
                table.add_row(f"  {_RELATION_LABELS.get(sub, sub)}", f"{sub_count:,}")
    console.print(table)
    console.print(
        f"status: {manifest['status']}   server: PostgreSQL {manifest['server_version']}   "
        f"elapsed: {manifest['elapsed_seconds']:.2f} s"
    )
    for line in manifest["errors"][:10]:
        console.print(f"[red]error:[/red] {line}", highlight=False)
    for line in manifest["warnings"][:10]:
        console.print(f"[yellow]warning:[/yellow] {line}", highlight=False)
    if manifest["skipped"]:
        console.print(f"skipped: {len(manifest['skipped'])} (listed in manifest.json)")
    console.print(f"run: {manifest['run_id']}   output: {outcome.run_dir}")
