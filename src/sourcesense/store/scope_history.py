"""The runs of one scope, and one table's changes across them, for the UI's diff and history.

A table is followed by name from the newest run back: when a run renamed it, the runs before
are searched under its earlier name. At most `MAX_RUNS` runs are compared, each pair through
store.diff (whole runs: the diff of a large catalog takes seconds, so history stays short, and
the diffs of the last `CACHED_PAIRS` pairs are kept: every table page of a run asks for the
same pairs).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from itertools import pairwise
from pathlib import Path
from typing import Any

from sourcesense.store.diff import Change, diff_runs
from sourcesense.store.history import comparable
from sourcesense.store.manifest import SUCCEEDED
from sourcesense.store.rundir import MANIFEST
from sourcesense.store.runs import manifests, run_dir, summary

MAX_RUNS = 10
CACHED_PAIRS = 16
_diffs: OrderedDict[tuple[str, ...], list[Change]] = OrderedDict()
_lock = threading.Lock()


def scope_runs(data_dir: Path, run_id: str) -> list[dict[str, Any]]:
    """Summaries of the runs of the same scope as `run_id` (itself included), newest first."""
    known = manifests(data_dir)
    mine = next((m for m in known if m["run_id"] == run_id), None)
    if mine is None:
        run_dir(data_dir, run_id)  # raises RunNotFoundError with the usual message
        return []
    return [summary(m) for m in known if m["run_id"] == run_id or comparable(m, mine)]


def table_history(
    data_dir: Path, run_id: str, database: str, schema: str, table: str
) -> list[dict[str, Any]]:
    """Per pair of successive successful runs of the scope, up to `run_id` (newest first):
    {"run", "previous_run_id", "changes"} with the changes of that table only."""
    runs = [r for r in scope_runs(data_dir, run_id) if _usable(r, run_id)]
    start = next((i for i, r in enumerate(runs) if r["run_id"] == run_id), None)
    if start is None:
        return []
    chain = runs[start : start + MAX_RUNS]
    name = (schema, table)
    entries = []
    for newer, older in pairwise(chain):
        changes = diff_runs(run_dir(data_dir, older["run_id"]), run_dir(data_dir, newer["run_id"]))
        mine = [c for c in changes if _about(c, database, name)]
        entries.append({"run": newer, "previous_run_id": older["run_id"],
                        "changes": [c.as_dict() for c in mine]})  # fmt: skip
        name = _earlier_name(mine, name)
    return entries


def cached_diff(run_a: Path, run_b: Path) -> list[Change]:
    """diff_runs, kept while neither run's manifest changes (a run is rewritten only while it
    is under way, and its manifest last)."""
    key = (
        str(run_a),
        str(run_b),
        *(str((r / MANIFEST).stat().st_mtime_ns) for r in (run_a, run_b)),
    )
    with _lock:
        if key in _diffs:
            _diffs.move_to_end(key)
            return _diffs[key]
    changes = diff_runs(run_a, run_b)
    with _lock:
        _diffs[key] = changes
        while len(_diffs) > CACHED_PAIRS:
            _diffs.popitem(last=False)
    return changes


def _usable(run: dict[str, Any], run_id: str) -> bool:
    """Successful runs; the one asked about too, whatever its status."""
    return run["run_id"] == run_id or run["status"] in SUCCEEDED


def _about(change: Change, database: str, name: tuple[str, str]) -> bool:
    return change.catalog_name == database and (change.schema_name, change.table_name) == name


def _earlier_name(changes: list[Change], name: tuple[str, str]) -> tuple[str, str]:
    """The table's name in the older run: the before of its rename, if it was renamed."""
    for change in changes:
        if change.object_kind == "relation" and change.change == "renamed" and change.before:
            schema, _, table = str(change.before).partition(".")
            return (schema, table)
    return name
