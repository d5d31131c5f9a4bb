"""The changelog of a source: its runs, newest first, each with its changes since the one before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sourcesense.store.diff import Change, diff_runs
from sourcesense.store.rundir import read_json
from sourcesense.store.runs import list_runs, run_dir


def comparable(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two runs describe the same scope: same source, filters and database selection."""
    keys = ("filters", "all_databases")
    return a["source"]["url"] == b["source"]["url"] and all(a.get(k) == b.get(k) for k in keys)


def previous_run(data_dir: Path, manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The latest earlier successful run of the same scope, or None."""
    for summary in list_runs(data_dir):
        if summary["started_at"] >= manifest["started_at"] or summary["status"] == "failed":
            continue
        candidate = read_json(run_dir(data_dir, summary["run_id"]) / "manifest.json")
        if comparable(candidate, manifest):
            return candidate
    return None


def changelog(data_dir: Path, source_url: str | None = None) -> list[dict[str, Any]]:
    entries = []
    for summary in list_runs(data_dir):
        if source_url and summary["source"]["url"] != source_url:
            continue
        manifest = read_json(run_dir(data_dir, summary["run_id"]) / "manifest.json")
        before = previous_run(data_dir, manifest) if manifest["status"] != "failed" else None
        changes: list[Change] = []
        if before is not None:
            changes = diff_runs(
                run_dir(data_dir, before["run_id"]), run_dir(data_dir, summary["run_id"])
            )
        entries.append(
            {"run": summary, "previous_run_id": before and before["run_id"], "changes": changes}
        )
    return entries
