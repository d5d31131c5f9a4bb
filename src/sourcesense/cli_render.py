"""How the CLI shows a run: live progress on stderr, a closing summary on stdout."""

from __future__ import annotations

import time
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from sourcesense.extract.schemas import SCHEMAS
from sourcesense.store.diff import Change
from sourcesense.store.summary import relation_breakdown
from sourcesense.workflow.workflows import STAGES, Progress

_RELATION_LABELS = {
    "table": "tables",
    "partitioned_table": "partitioned tables",
    "partitions": "  partitions (rolled up)",
    "view": "views",
    "materialized_view": "materialized views",
    "foreign_table": "foreign tables",
}


class StageProgress:
    """The workflow's stages, refreshed from its progress query."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self._live = Live(console=console, transient=False, auto_refresh=False)
        self._enabled = enabled
        self._clock = time.monotonic()

    def __enter__(self) -> StageProgress:
        if self._enabled:
            self._live.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._enabled:
            self._live.stop()
            self._live.console.print()

    def update(self, progress: Progress) -> None:
        if not self._enabled:
            return
        table = Table(box=None, title=f"elapsed {time.monotonic() - self._clock:.1f} s")
        for column in ("stage", "status", "rows", "seconds"):
            table.add_column(column, justify="right" if column in ("rows", "seconds") else "left")
        for name in STAGES:
            stage = progress.stages[name]
            rows = sum(stage.counts.values())
            seconds = f"{stage.seconds:.2f}" if stage.seconds is not None else ""
            status = f"[{_COLORS.get(stage.status, 'white')}]{stage.status}[/]"
            table.add_row(name.replace("_", " "), status, f"{rows:,}" if rows else "", seconds)
        self._live.update(table, refresh=True)


_COLORS = {"done": "green", "running": "cyan", "failed": "red", "skipped": "dim"}


def print_summary(console: Console, run_dir: Path, manifest: dict[str, Any]) -> None:
    table = Table(title="Extracted", title_justify="left")
    table.add_column("kind")
    table.add_column("count", justify="right")
    counts = manifest["counts"]
    for kind in (kind for kind in SCHEMAS if kind in counts):
        count = counts[kind]
        table.add_row(kind, f"{count:,}")
        if kind == "relations" and count:
            for sub, sub_count in relation_breakdown(run_dir).items():
                table.add_row(f"  {_RELATION_LABELS.get(sub, sub)}", f"{sub_count:,}")
    console.print(table)
    console.print(
        f"status: {manifest['status']}   server: PostgreSQL {manifest['server_version']}   "
        f"elapsed: {manifest['elapsed_seconds']:.2f} s"
    )
    for line in incremental_lines(manifest):
        console.print(line, highlight=False)
    for line in manifest["errors"][:10]:
        console.print(f"[red]error:[/red] {line}", highlight=False)
    for line in manifest["warnings"][:10]:
        console.print(f"[yellow]warning:[/yellow] {line}", highlight=False)
    if manifest["skipped"]:
        console.print(f"skipped: {len(manifest['skipped'])} (listed in manifest.json)")
    console.print(f"run: {manifest['run_id']}   output: {run_dir}")


def incremental_lines(manifest: dict[str, Any]) -> list[str]:
    """What each step copied from the previous run, when there was one."""
    steps = manifest.get("steps", {})
    summaries = {name: steps[name].get("incremental") for name in ("lineage", "data_quality")
                 if name in steps}  # fmt: skip
    formats = steps.get("transformation", {}).get("formats", {})
    summaries |= {name: result.get("incremental") for name, result in formats.items()}
    lines = []
    for name, summary in summaries.items():
        if summary and summary["previous_run_id"]:
            how = summary["reason"] or f"{summary['recomputed']:,} recomputed"
            lines.append(f"incremental: {name}: {summary['reused']:,} relations reused from "
                         f"run {summary['previous_run_id']}, {how}")  # fmt: skip
    return lines


def print_changes(console: Console, changes: list[Change]) -> None:
    if not changes:
        console.print("no changes")
        return
    table = Table(title=f"{len(changes)} changes", title_justify="left")
    for column in ("change", "object", "where", "detail"):
        table.add_column(column)
    for c in changes:
        where = f"{c.catalog_name}.{c.schema_name}.{c.table_name}" + (
            f".{c.name}" if c.name else ""
        )
        detail = f"{c.field}: {c.before!r} -> {c.after!r}" if c.field else ""
        table.add_row(c.change, c.object_kind, where, detail)
    console.print(table)


def print_history(console: Console, data_dir: Path, entries: list[dict[str, Any]]) -> None:
    if not entries:
        console.print(f"no runs in {data_dir}")
    for entry in entries:
        run = entry["run"]
        console.print(
            f"[bold]{run['run_id']}[/bold]  {run['status']}  {run['source']['url']}",
            highlight=False,
        )
        if entry["previous_run_id"] is None:
            console.print("  first run of this scope")
            continue
        console.print(f"  since {entry['previous_run_id']}: {len(entry['changes'])} changes")
        for c in entry["changes"][:20]:
            where = f"{c.schema_name}.{c.table_name}" + (f".{c.name}" if c.name else "")
            console.print(
                f"    {c.change:8} {c.object_kind:10} {where} {c.field or ''}", highlight=False
            )
