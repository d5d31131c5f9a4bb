"""How the CLI shows a run: live progress on stderr, a closing summary on stdout."""

from __future__ import annotations

import time
from datetime import UTC, datetime
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
        self._started: float | None = None  # the run's start, on this process's clock

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
        table = Table(box=None, title=f"elapsed {self._elapsed(progress):.2f} s")
        for column in ("stage", "status", "count", "seconds"):
            table.add_column(column, justify="right" if column in ("count", "seconds") else "left")
        for name in STAGES:
            stage = progress.stages[name]
            seconds = f"{stage.seconds:.2f}" if stage.seconds is not None else ""
            status = f"[{_COLORS.get(stage.status, 'white')}]{stage.status}[/]"
            table.add_row(name.replace("_", " "), status, stage_count(name, stage.counts), seconds)
        self._live.update(table, refresh=True)

    def _elapsed(self, progress: Progress) -> float:
        """The whole run's, as the summary says it: the workflow's own figure once the run is
        closed; until then counted from the workflow's start (anchored once to this process's
        clock, so that the figure never runs backwards)."""
        if progress.elapsed_seconds is not None:
            return progress.elapsed_seconds
        if self._started is None and progress.started_at is not None:
            started = datetime.fromisoformat(progress.started_at)
            behind = max(0.0, (datetime.now(UTC) - started).total_seconds())
            self._started = time.monotonic() - behind
        return 0.0 if self._started is None else time.monotonic() - self._started


# What each stage's row counts: its subject only ("foreign keys" are not all constraints,
# "table metadata" is relations, not their indexes or privileges). None: every format's
# entities. The progress keeps the other kinds too (the API and the web UI list them).
_STAGE_SUBJECT: dict[str, tuple[str | None, str]] = {
    "schema_discovery": ("schemas", "schemas"),
    "table_metadata": ("relations", "relations"),
    "column_metadata": ("columns", "columns"),
    "foreign_keys": ("foreign_keys", "foreign keys"),
    "transformation": (None, "entities"),
}


# How the summary names a server by its manifest's `engine` (absent before engines: PostgreSQL).
_ENGINE_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}


def stage_count(stage: str, counts: dict[str, int]) -> str:
    """A stage's figure for the live table: "12 relations"; empty for stages counting none."""
    if stage not in _STAGE_SUBJECT or not counts:
        return ""
    kind, label = _STAGE_SUBJECT[stage]
    count = sum(counts.values()) if kind is None else counts.get(kind, 0)
    return f"{count:,} {label}"


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
    engine = _ENGINE_NAMES.get(manifest.get("engine", ""), "PostgreSQL")
    console.print(
        f"status: {manifest['status']}   server: {engine} {manifest['server_version']}   "
        f"elapsed: {manifest['elapsed_seconds']:.2f} s (whole run)"
    )
    times = step_times(manifest)
    if times:
        console.print(f"time: {times}", highlight=False)
    for line in incremental_lines(manifest):
        console.print(line, highlight=False)
    for line in manifest["errors"][:10]:
        console.print(f"[red]error:[/red] {line}", highlight=False)
    for line in manifest["warnings"][:10]:
        console.print(f"[yellow]warning:[/yellow] {line}", highlight=False)
    if manifest["skipped"]:
        console.print(f"skipped: {len(manifest['skipped'])} (listed in manifest.json)")
    console.print(f"run: {manifest['run_id']}   output: {run_dir}")


def step_times(manifest: dict[str, Any]) -> str:
    """Where the run's time went: the extraction, then each step (each output format)."""
    parts = []
    if manifest.get("extraction_seconds") is not None:
        parts.append(f"extraction {manifest['extraction_seconds']:.2f} s")
    for name, step in manifest.get("steps", {}).items():
        if step.get("seconds") is None:
            continue
        formats = [f"{f} {r['seconds']:.2f} s" for f, r in step.get("formats", {}).items()
                   if r.get("seconds") is not None]  # fmt: skip
        inner = f" ({', '.join(formats)})" if formats else ""
        parts.append(f"{name.replace('_', ' ')} {step['seconds']:.2f} s{inner}")
    return ", ".join(parts)


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
