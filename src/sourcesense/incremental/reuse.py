"""Which relations a post-extraction step may copy from the previous run instead of computing.

A step that supports it calls plan_reuse() first and commit() last. commit() writes
incremental/<step>.json: the step's signature (version, options, the signatures of the steps
it reads), the relations it computed, those that gave a warning, and the size of each output
file. The next run of the same scope reuses a relation when its fingerprint is unchanged, the
signatures match, the files are as recorded, it gave no warning (so a table whose profiling
timed out is tried again) and no step it reads recomputed it in this run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sourcesense import __version__
from sourcesense.incremental.fingerprints import (
    FINGERPRINTS_FILE,
    read_fingerprints,
    write_fingerprints,
)
from sourcesense.store.history import previous_run
from sourcesense.store.rundir import MANIFEST, read_json, write_json

# How many recomputed relations the manifest names; the count is always there.
LISTED_RECOMPUTED = 50


@dataclass
class Reuse:
    """What one step of one run may copy: `keys` are relation keys, `previous` the run dir."""

    step: str
    signature: str
    relations: frozenset[str]
    keys: frozenset[str] = frozenset()
    previous: Path | None = None
    previous_run_id: str | None = None
    reason: str | None = None
    unclean: set[str] = field(default_factory=set)

    @property
    def recomputed(self) -> frozenset[str]:
        return self.relations - self.keys

    def source(self, relative: str) -> Path:
        """A file of the previous run; only to be read when `keys` is not empty."""
        assert self.previous is not None
        return self.previous / relative

    def summary(self) -> dict[str, Any]:
        """The step's `incremental` entry in the manifest."""
        # Named only beside reuse: after a full computation the list says nothing.
        names = sorted(key.replace("\x1f", ".") for key in self.recomputed) if self.keys else []
        return {
            "previous_run_id": self.previous_run_id,
            "reused": len(self.keys),
            "recomputed": len(self.recomputed),
            "recomputed_relations": names[:LISTED_RECOMPUTED],
            "reason": self.reason,
        }


def record_path(run_dir: Path, step: str) -> Path:
    return run_dir / "incremental" / f"{step}.json"


def read_record(run_dir: Path, step: str) -> dict[str, Any] | None:
    path = record_path(run_dir, step)
    return read_json(path) if path.exists() else None


def plan_reuse(
    run_dir: Path,
    step: str,
    options: dict[str, Any],
    enabled: bool = True,
    reads: Iterable[str] = (),
) -> Reuse:
    """What `step` may copy from the previous run of the same scope (nothing when not
    `enabled`). Removes the step's own record: it is rewritten only when the step completes."""
    record_path(run_dir, step).unlink(missing_ok=True)
    current = read_fingerprints(run_dir)
    if current is None:
        write_fingerprints(run_dir)
        current = read_fingerprints(run_dir) or {}
    upstream = {name: read_record(run_dir, name) for name in reads}
    signature = _signature(step, options, upstream)
    reuse = Reuse(step, signature, frozenset(current))
    if not enabled:
        reuse.reason = "full refresh asked for"
        return reuse
    previous = _previous_run(run_dir)
    if previous is None:
        reuse.reason = "no earlier run of the same scope"
        return reuse
    reuse.previous_run_id = previous["run_id"]
    reuse.previous = run_dir.parent / previous["run_id"]
    reuse.reason = _unusable(reuse.previous, step, signature)
    if reuse.reason is not None:
        return reuse
    record = read_record(reuse.previous, step) or {}
    before = read_fingerprints(reuse.previous) or {}
    keys = {key for key, value in current.items() if before.get(key) == value}
    keys -= set(record["unclean"])
    for found in upstream.values():
        keys -= set(found["recomputed"]) if found else set()
    reuse.keys = frozenset(keys)
    return reuse


def commit(
    run_dir: Path, reuse: Reuse, files: Mapping[str, Path], unclean: Iterable[str] = ()
) -> None:
    """Record the completed step for the next run (see the module's docstring). `files` maps
    each output's path in the run dir to where it is now (a transformer's staging folder)."""
    sizes = {name: path.stat().st_size for name, path in files.items()}
    record_path(run_dir, reuse.step).parent.mkdir(exist_ok=True)
    write_json(record_path(run_dir, reuse.step), {
        "signature": reuse.signature, "recomputed": sorted(reuse.recomputed),
        "unclean": sorted(set(unclean)), "files": sizes, "summary": reuse.summary(),
    })  # fmt: skip


def step_summary(run_dir: Path, step: str) -> dict[str, Any] | None:
    """What the step reused and recomputed in this run (see Reuse.summary), if it recorded it."""
    record = read_record(run_dir, step)
    return record["summary"] if record else None


def _previous_run(run_dir: Path) -> dict[str, Any] | None:
    """The latest earlier run of the same scope that has fingerprints: a run that stopped at
    the raw files (no step ran) is passed over. Every step of a run reuses the same one."""
    manifest = run_dir / MANIFEST
    if not manifest.exists():
        return None
    runs = run_dir.parent

    def has_fingerprints(candidate: dict[str, Any]) -> bool:
        return (runs / str(candidate["run_id"]) / FINGERPRINTS_FILE).exists()

    return previous_run(runs.parent, read_json(manifest), where=has_fingerprints)


def _unusable(previous: Path, step: str, signature: str) -> str | None:
    """Why the previous run's output of `step` cannot be reused, or None."""
    record = read_record(previous, step)
    if record is None or read_fingerprints(previous) is None:
        return f"the previous run has no reusable {step} output"
    if record["signature"] != signature:
        return "the options or version differ from the previous run's"
    for name, size in record["files"].items():
        path = previous / name
        if not path.exists() or path.stat().st_size != size:
            return f"the previous run's {name} is missing or changed"
    return None


def _signature(step: str, options: dict[str, Any], upstream: dict[str, Any]) -> str:
    upstream_signatures = {name: found and found["signature"] for name, found in upstream.items()}
    text = json.dumps([__version__, step, options, upstream_signatures], sort_keys=True,
                      default=str)  # fmt: skip
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
