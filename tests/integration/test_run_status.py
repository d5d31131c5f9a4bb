"""A run's manifest status follows its steps: extracting, processing, then a final status only
when the run is closed; closing removes every staging name."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcesense.errors import ConfigError
from sourcesense.extract.run import ExtractRequest, RunPlan, extract_part, finish_run, plan_run
from sourcesense.source import parse_dsn
from sourcesense.store.manifest import close_run, record_step
from sourcesense.store.rundir import MANIFEST, read_json
from tests.pg import PgServer


def status(run_dir: Path) -> str:
    return str(read_json(run_dir / MANIFEST)["status"])


def planned(pg: PgServer, database: str, data_dir: Path) -> tuple[Path, ExtractRequest, RunPlan]:
    request = ExtractRequest(parse_dsn(pg.conninfo(database)))
    plan = plan_run(request, data_dir)
    return Path(plan.run_dir), request, plan


def test_status_follows_the_steps(pg: PgServer, sample_db: str, data_dir: Path) -> None:
    run_dir, request, plan = planned(pg, sample_db, data_dir)
    assert status(run_dir) == "extracting"
    part = extract_part(request, run_dir, plan.databases[0])
    finish_run(run_dir, [part], 1.0)
    assert status(run_dir) == "processing"
    record_step(run_dir, "lineage", ["a warning"])
    assert status(run_dir) == "processing"  # a step is not the end of the run
    (run_dir / "transformed" / ".atlan.staging" / "Table").mkdir(parents=True)
    (run_dir / "raw" / ".columns.parquet.4242.tmp").write_bytes(b"half")
    manifest = close_run(run_dir)
    assert manifest is not None and manifest["status"] == "completed_with_warnings"
    assert [p for p in run_dir.rglob("*") if p.name.startswith(".")] == []
    record_step(run_dir, "webhook", ["webhook: not delivered"])
    assert status(run_dir) == "completed_with_warnings"


def test_cancelled_and_failed_runs(pg: PgServer, sample_db: str, data_dir: Path) -> None:
    run_dir, _, _ = planned(pg, sample_db, data_dir)
    (run_dir / "raw" / ".parts" / "00000").mkdir(parents=True)
    manifest = close_run(run_dir, "cancelled")
    assert manifest is not None and manifest["status"] == "cancelled"
    assert manifest["finished_at"] is not None
    assert not (run_dir / "raw" / ".parts").exists()
    record_step(run_dir, "webhook", ["late"])
    assert status(run_dir) == "cancelled"

    failed_dir, _, _ = planned(pg, sample_db, data_dir)
    manifest = close_run(failed_dir, "failed", "transform: timed out")
    assert manifest is not None and manifest["status"] == "failed"
    assert manifest["errors"] == ["workflow: transform: timed out"]
    # Stopped while being planned: no manifest, nothing of use; the folder goes.
    (data_dir / "runs" / "20260101T000000Z-abcdef" / "raw").mkdir(parents=True)
    assert close_run(data_dir / "runs" / "20260101T000000Z-abcdef", "cancelled") is None
    assert not (data_dir / "runs" / "20260101T000000Z-abcdef").exists()


def test_a_retried_plan_reuses_its_run_dir(pg: PgServer, sample_db: str, data_dir: Path) -> None:
    """A workflow retries plan_run with the same run id: an attempt that died after making the
    run dir must not fail the next one; a run that went further is never planned over."""
    request = ExtractRequest(parse_dsn(pg.conninfo(sample_db)))
    first = plan_run(request, data_dir, "20261202T050000Z-abc123")
    again = plan_run(request, data_dir, "20261202T050000Z-abc123")
    assert again.run_dir == first.run_dir and status(Path(again.run_dir)) == "extracting"
    finish_run(Path(first.run_dir), [], 1.0)
    with pytest.raises(ConfigError, match="cannot create run directory"):
        plan_run(request, data_dir, "20261202T050000Z-abc123")
