"""Retention's planning rules on hand-made run lists; `prune` on a run store of bare manifests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sourcesense.errors import ConfigError
from sourcesense.incremental.fingerprints import FINGERPRINTS_FILE
from sourcesense.settings import Settings
from sourcesense.store.retention import (
    PRUNE_LOG,
    Decision,
    Policy,
    RunRecord,
    plan_prune,
    prune,
    prune_after_run,
    scope_of,
)
from sourcesense.store.rundir import write_json
from sourcesense.store.runs import list_runs

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
A, B = "postgresql://u@a:5432/db", "postgresql://u@b:5432/db"


def run(
    days_ago: float, status: str = "completed", scope: str = A, fingerprints: bool = True
) -> RunRecord:
    started = NOW - timedelta(days=days_ago)
    run_id = started.strftime("%Y%m%dT%H%M%SZ") + f"-{int(days_ago * 1000) % 16**6:06x}"
    return RunRecord(run_id, scope, status, started, fingerprints)


def deleted(decisions: list[Decision]) -> set[str]:
    return {d.run.run_id for d in decisions if d.delete}


def kept(decisions: list[Decision]) -> dict[str, str]:
    return {d.run.run_id: d.reason for d in decisions if not d.delete}


def test_keep_last_counts_per_scope() -> None:
    a = [run(days) for days in (1, 2, 3, 4)]
    b = [run(days, scope=B) for days in (1.5, 2.5)]
    decisions = plan_prune(a + b, Policy(keep_last=2), NOW)
    assert deleted(decisions) == {a[2].run_id, a[3].run_id}
    assert len(decisions) == 6


def test_keep_days() -> None:
    runs = [run(days) for days in (0.5, 6.9, 7.1, 30)]
    decisions = plan_prune(runs, Policy(keep_days=7), NOW)
    assert deleted(decisions) == {runs[2].run_id, runs[3].run_id}
    assert kept(decisions)[runs[1].run_id] == "newer than 7 days"


def test_either_rule_keeps_a_run() -> None:
    runs = [run(days) for days in (1, 2, 3, 40)]
    decisions = plan_prune(runs, Policy(keep_last=1, keep_days=10), NOW)
    assert deleted(decisions) == {runs[3].run_id}
    reason = next(d.reason for d in decisions if d.delete)
    assert reason == "not one of the last 1 runs of its scope and older than 10 days"


def test_no_policy_keeps_everything() -> None:
    runs = [run(days) for days in (1, 100, 1000)]
    assert deleted(plan_prune(runs, Policy(), NOW)) == set()


def test_last_successful_run_is_kept_however_old() -> None:
    good = run(400)
    failed = [run(days, status) for days, status in ((1, "failed"), (2, "cancelled"))]
    decisions = plan_prune([*failed, good], Policy(keep_last=1, keep_days=1), NOW)
    assert deleted(decisions) == {failed[1].run_id}
    assert kept(decisions)[good.run_id] == "last successful run of its scope"


def test_reused_run_without_being_the_last_successful_is_kept() -> None:
    # The newest successful run has no fingerprints (no step ran): the next incremental run
    # copies from the one before it.
    newest, base, old = run(1, fingerprints=False), run(2), run(3)
    decisions = plan_prune([newest, base, old], Policy(keep_last=0), NOW)
    assert deleted(decisions) == {old.run_id}
    assert kept(decisions) == {
        newest.run_id: "last successful run of its scope",
        base.run_id: "the next incremental run of its scope reuses it",
    }


def test_runs_under_way_and_what_they_reuse_are_kept() -> None:
    latest = run(1)
    under_way = run(5, "processing")
    base, older = run(6), run(7)
    decisions = plan_prune([latest, under_way, base, older], Policy(keep_last=1), NOW)
    assert deleted(decisions) == {older.run_id}
    assert kept(decisions)[under_way.run_id] == "under way"
    assert kept(decisions)[base.run_id] == f"run {under_way.run_id}, under way, reuses it"


def test_scope_is_source_filters_and_database_selection() -> None:
    manifest = {"source": {"url": A}, "filters": {}, "all_databases": False}
    other = manifest | {"filters": {"include_schema": "sales"}}
    everything = manifest | {"all_databases": True}
    assert len({scope_of(manifest), scope_of(other), scope_of(everything)}) == 3
    assert scope_of(manifest) == A


def test_negative_policy_is_refused() -> None:
    with pytest.raises(ConfigError, match="--keep-last"):
        Policy(keep_last=-1)


def fake_store(data_dir: Path, runs: list[RunRecord]) -> None:
    """Run folders with a manifest each (and fingerprints when the record says so)."""
    for record in runs:
        folder = data_dir / "runs" / record.run_id
        folder.mkdir(parents=True)
        write_json(folder / "manifest.json", {
            "run_id": record.run_id, "status": record.status,
            "started_at": record.started_at.isoformat(), "source": {"url": record.scope},
            "filters": {}, "all_databases": False,
        })  # fmt: skip
        if record.has_fingerprints:
            (folder / FINGERPRINTS_FILE).parent.mkdir()
            (folder / FINGERPRINTS_FILE).write_bytes(b"")


def test_dry_run_deletes_nothing_and_logs_nothing(tmp_path: Path) -> None:
    runs = [run(days) for days in (1, 2, 3)]
    fake_store(tmp_path, runs)
    decisions = prune(tmp_path, Policy(keep_last=1), dry_run=True, now=NOW)
    assert deleted(decisions) == {runs[1].run_id, runs[2].run_id}
    assert len(list_runs(tmp_path)) == 3
    assert not (tmp_path / PRUNE_LOG).exists()


def test_prune_deletes_and_logs_each_run(tmp_path: Path) -> None:
    runs = [run(days) for days in (1, 2, 3)]
    fake_store(tmp_path, runs)
    prune(tmp_path, Policy(keep_last=1), now=NOW)
    assert [r["run_id"] for r in list_runs(tmp_path)] == [runs[0].run_id]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [runs[0].run_id]
    lines = [json.loads(line) for line in (tmp_path / PRUNE_LOG).read_text().splitlines()]
    assert [line["run_id"] for line in lines] == [runs[1].run_id, runs[2].run_id]
    assert {line["scope"] for line in lines} == {A}
    assert {line["time"] for line in lines} == {NOW.isoformat()}
    assert lines[0]["reason"] == "not one of the last 1 runs of its scope"


def test_prune_after_run_follows_the_settings(tmp_path: Path) -> None:
    runs = [run(days) for days in (1, 2, 3)]
    fake_store(tmp_path, runs)
    assert prune_after_run(tmp_path, Settings(data_dir=tmp_path)) == []
    assert len(list_runs(tmp_path)) == 3
    gone = prune_after_run(tmp_path, Settings(data_dir=tmp_path, retention_keep_last=2))
    assert [d.run.run_id for d in gone] == [runs[2].run_id]
    assert len(list_runs(tmp_path)) == 2


@pytest.mark.parametrize("days", [-1.0, float("nan"), float("inf"), 1e300])
def test_keep_days_out_of_range_is_refused(days: float) -> None:
    with pytest.raises(ConfigError, match="--keep-days must be 0 to 100000"):
        Policy(keep_days=days)
