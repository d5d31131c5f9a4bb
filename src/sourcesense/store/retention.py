"""Retention: which runs of a data dir to delete, and deleting them with a log line each.

Runs are grouped by scope (what `history` and incremental reuse compare: the source URL, the
filters and the database selection). Within a scope a run is kept when it is one of the last
`keep_last` runs or is newer than `keep_days` days (either suffices), and always when:
- it is under way (`extracting` or `processing`): its workflow still writes to it;
- it is the scope's last successful run: the baseline of the next run's changes in `history`;
- it is the scope's last successful run with fingerprints: the run the next incremental run
  copies unchanged relations from (usually the same run);
- a run under way may be copying from it (the run its steps reuse). A finished run copied what
  it reused into its own folder, so it needs no earlier run any more.

`plan_prune` is a pure function of run records; `prune` reads the data dir and applies it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sourcesense.errors import ConfigError
from sourcesense.incremental.fingerprints import FINGERPRINTS_FILE
from sourcesense.store.manifest import SUCCEEDED, UNFINISHED
from sourcesense.store.runs import manifests

if TYPE_CHECKING:
    from sourcesense.settings import Settings

PRUNE_LOG = "prune.log"
MAX_KEEP_DAYS = 100_000
TRASH_PREFIX = ".pruning-"  # a run being deleted: a dot name is invisible to the run store


@dataclass(frozen=True)
class Policy:
    """None keeps every run on that count; with both None nothing is deleted."""

    keep_last: int | None = None
    keep_days: float | None = None

    def __post_init__(self) -> None:
        if self.keep_last is not None and self.keep_last < 0:
            raise ConfigError(f"--keep-last must be 0 or more, not {self.keep_last}")
        # Written so that NaN fails too; the bound keeps the date arithmetic in range.
        if self.keep_days is not None and not 0 <= self.keep_days <= MAX_KEEP_DAYS:
            raise ConfigError(f"--keep-days must be 0 to {MAX_KEEP_DAYS}, not {self.keep_days}")

    @property
    def keeps_all(self) -> bool:
        return self.keep_last is None and self.keep_days is None


@dataclass(frozen=True)
class RunRecord:
    """What retention needs of a run: read from its manifest and folder by `run_record`."""

    run_id: str
    scope: str
    status: str
    started_at: datetime
    has_fingerprints: bool

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCEEDED

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED


@dataclass(frozen=True)
class Decision:
    run: RunRecord
    delete: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run.run_id, "scope": self.run.scope, "status": self.run.status,
            "started_at": self.run.started_at.isoformat(), "delete": self.delete,
            "reason": self.reason,
        }  # fmt: skip


def scope_of(manifest: dict[str, Any]) -> str:
    """The scope as one readable string: equal exactly when history.comparable() says so."""
    scope = str(manifest["source"]["url"])
    if manifest.get("all_databases"):
        scope += " (all databases)"
    if manifest.get("filters"):
        scope += " " + json.dumps(manifest["filters"], sort_keys=True)
    return scope


def run_record(manifest: dict[str, Any], run_folder: Path) -> RunRecord:
    return RunRecord(
        run_id=str(manifest["run_id"]),
        scope=scope_of(manifest),
        status=str(manifest["status"]),
        started_at=datetime.fromisoformat(str(manifest["started_at"])),
        has_fingerprints=(run_folder / FINGERPRINTS_FILE).exists(),
    )


def plan_prune(runs: Iterable[RunRecord], policy: Policy, now: datetime) -> list[Decision]:
    """A decision for every run, newest first within each scope, scopes in name order."""
    scopes: dict[str, list[RunRecord]] = {}
    for run in runs:
        scopes.setdefault(run.scope, []).append(run)
    decisions: list[Decision] = []
    for scope in sorted(scopes):
        newest_first = sorted(scopes[scope], key=lambda run: run.started_at, reverse=True)
        decisions += _plan_scope(newest_first, policy, now)
    return decisions


def _plan_scope(runs: Sequence[RunRecord], policy: Policy, now: datetime) -> list[Decision]:
    protected = _protected(runs)
    decisions = []
    for rank, run in enumerate(runs):
        reason = protected.get(run.run_id) or _kept_by_policy(run, rank, policy, now)
        if reason is not None:
            decisions.append(Decision(run, False, reason))
        else:
            decisions.append(Decision(run, True, _deleted_because(policy)))
    return decisions


def _protected(runs: Sequence[RunRecord]) -> dict[str, str]:
    """The runs of one scope (newest first) no policy deletes, with why."""
    reasons: dict[str, str] = {}
    for run in runs:
        if run.unfinished:
            reasons[run.run_id] = "under way"
            base = _reuse_base(runs, before=run.started_at)
            if base is not None:
                reasons.setdefault(base.run_id, f"run {run.run_id}, under way, reuses it")
    last = next((run for run in runs if run.succeeded), None)
    if last is not None:
        reasons.setdefault(last.run_id, "last successful run of its scope")
    base = _reuse_base(runs)
    if base is not None:
        reasons.setdefault(base.run_id, "the next incremental run of its scope reuses it")
    return reasons


def _reuse_base(runs: Sequence[RunRecord], before: datetime | None = None) -> RunRecord | None:
    """The run a run started at `before` (else now) copies from: incremental.reuse's rule."""
    for run in runs:
        earlier = before is None or run.started_at < before
        if earlier and run.succeeded and run.has_fingerprints:
            return run
    return None


def _kept_by_policy(run: RunRecord, rank: int, policy: Policy, now: datetime) -> str | None:
    if policy.keeps_all:
        return "no retention policy"
    if policy.keep_last is not None and rank < policy.keep_last:
        return f"one of the last {policy.keep_last} runs of its scope"
    if policy.keep_days is not None and run.started_at > now - timedelta(days=policy.keep_days):
        return f"newer than {policy.keep_days:g} days"
    return None


def _deleted_because(policy: Policy) -> str:
    why = []
    if policy.keep_last is not None:
        why.append(f"not one of the last {policy.keep_last} runs of its scope")
    if policy.keep_days is not None:
        why.append(f"older than {policy.keep_days:g} days")
    return " and ".join(why)


def read_runs(data_dir: Path) -> list[RunRecord]:
    runs = data_dir / "runs"
    return [
        run_record(manifest, runs / str(manifest["run_id"])) for manifest in manifests(data_dir)
    ]


def prune(
    data_dir: Path, policy: Policy, dry_run: bool = False, now: datetime | None = None
) -> list[Decision]:
    """Plan retention over the data dir's runs and, unless `dry_run`, delete what it says,
    one line in data_dir/prune.log per run deleted. Returns every decision; a run another
    prune deleted meanwhile is left out."""
    now = now or datetime.now(UTC)
    decisions = plan_prune(read_runs(data_dir), policy, now)
    if dry_run:
        return decisions
    _empty_trash(data_dir)
    return [d for d in decisions if not d.delete or _delete(data_dir, d, now)]


def prune_after_run(data_dir: Path, settings: Settings) -> list[Decision]:
    """Retention by the settings (retention_keep_last, retention_keep_days), e.g. after a
    scheduled run; nothing when neither is set. Returns the runs deleted."""
    policy = Policy(settings.retention_keep_last, settings.retention_keep_days)
    if policy.keeps_all:
        return []
    return [decision for decision in prune(data_dir, policy) if decision.delete]


def _delete(data_dir: Path, decision: Decision, now: datetime) -> bool:
    """Rename the run out of sight first (one atomic step: no reader sees half a run), log it,
    then remove its files. False when it is gone already (a concurrent prune)."""
    folder = data_dir / "runs" / decision.run.run_id
    trash = folder.with_name(TRASH_PREFIX + folder.name)
    try:
        os.rename(folder, trash)
    except FileNotFoundError:
        return False
    entry = {"time": now.isoformat(), **decision.as_dict()}
    entry.pop("delete")
    with (data_dir / PRUNE_LOG).open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")
    shutil.rmtree(trash, ignore_errors=True)
    return True


def _empty_trash(data_dir: Path) -> None:
    """What a prune that was killed mid-removal left (logged already)."""
    for trash in (data_dir / "runs").glob(TRASH_PREFIX + "*"):
        shutil.rmtree(trash, ignore_errors=True)
