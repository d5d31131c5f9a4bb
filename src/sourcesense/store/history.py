"""The changelog of a source: its runs, newest first, each with its changes since the one before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sourcesense.store.diff import Change, diff_runs
from sourcesense.store.manifest import CANCELLED, EXTRACTING, FAILED, SUCCEEDED
from sourcesense.store.runs import manifests, run_dir, summary


def comparable(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two runs describe the same scope: same source, filters and database selection."""
    keys = ("filters", "all_databases")
    return a["source"]["url"] == b["source"]["url"] and all(a.get(k) == b.get(k) for k in keys)


def previous_run(
    data_dir: Path,
    manifest: dict[str, Any],
    known: list[dict[str, Any]] | None = None,
    where: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> dict[str, Any] | None:
    """The latest earlier successful run of the same scope (and `where` true of it), or None
    (`known`: the run store's manifests, newest first, when the caller has already read them)."""
    for candidate in known if known is not None else manifests(data_dir):
        earlier = candidate["started_at"] < manifest["started_at"]
        succeeded = candidate["status"] in SUCCEEDED  # not one under way, failed or cancelled
        if earlier and succeeded and comparable(candidate, manifest) and where(candidate):
            return candidate
    return None


def changelog(data_dir: Path, source_url: str | None = None) -> list[dict[str, Any]]:
    known = manifests(data_dir)
    entries = []
    for manifest in known:
        if source_url and manifest["source"]["url"] != source_url:
            continue
        before = previous_run(data_dir, manifest, known) if _has_raw(manifest) else None
        changes: list[Change] = []
        if before is not None:
            changes = diff_runs(
                run_dir(data_dir, before["run_id"]), run_dir(data_dir, manifest["run_id"])
            )
        entries.append({
            "run": summary(manifest), "previous_run_id": before and before["run_id"],
            "changes": changes,
        })  # fmt: skip
    return entries


def _has_raw(manifest: dict[str, Any]) -> bool:
    """The run's raw files are complete (its later steps may still be under way)."""
    return manifest["status"] not in (EXTRACTING, FAILED, CANCELLED)
