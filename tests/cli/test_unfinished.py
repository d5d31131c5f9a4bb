"""A `sourcesense extract` killed with its embedded Temporal server during transformation, then
another extraction on the same data dir: the unfinished run is announced, resumed to its end
(or cancelled), and nothing is left running or half written."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus

from sourcesense.settings import Settings
from sourcesense.store.runs import export_run
from sourcesense.workflow.runtime import EMBEDDED_READY_S, connect_client, embedded_temporal
from tests.pg import PgServer, generated_catalog

STAGING = Path("transformed") / ".atlan.staging"


@pytest.fixture(scope="module")
def catalog(embedded_server: PgServer) -> Iterator[str]:
    """Enough relations that the Atlan output (one bulk file per entity) takes seconds."""
    with generated_catalog(embedded_server, "sstest_unf", tables=300) as name:
        yield name


def sourcesense(*args: str) -> list[str]:
    return [sys.executable, "-m", "sourcesense", *args]


def kill_during_transformation(dsn: str, data_dir: Path, log: Path) -> Path:
    """Start an extraction, SIGKILL it and its Temporal server once the Atlan output is being
    staged; the run dir."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            sourcesense("extract", "--dsn", dsn, "--out", str(data_dir), "--no-progress",
                        "--atlan-bulk-batch", "1"),
            stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 180
    try:
        while not (found := list(data_dir.glob(f"runs/*/{STAGING}"))):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the transformation never started"
            time.sleep(0.02)
        servers = _descendants(process.pid)  # the Temporal server runs in its own session
        os.killpg(process.pid, signal.SIGKILL)
        for pid in servers:
            os.kill(pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    for pid in servers:
        _wait_gone(pid)
    return found[0].parents[1]


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} survived SIGKILL")


def extract(dsn: str, data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        sourcesense("extract", "--dsn", dsn, "--out", str(data_dir), "--no-progress", *extra),
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def workflows(data_dir: Path) -> dict[str, WorkflowExecutionStatus | None]:
    """Every workflow in the data dir's embedded Temporal state, through a Temporal client."""

    async def listed() -> dict[str, WorkflowExecutionStatus | None]:
        async with embedded_temporal(data_dir) as server:
            settings = Settings(data_dir=data_dir)
            client = await connect_client(settings, server.address, wait_s=EMBEDDED_READY_S)
            return {w.id: w.status async for w in client.list_workflows()}

    return asyncio.run(listed())


def staging_left(data_dir: Path) -> list[Path]:
    return [path for path in (data_dir / "runs").rglob("*") if path.name.startswith(".")]


def manifest(run_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text())
    return loaded


def test_killed_run_is_announced_and_resumed(
    embedded_server: PgServer, catalog: str, sample_db_embedded: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    run_dir = kill_during_transformation(
        embedded_server.conninfo(catalog), data_dir, tmp_path / "first.log"
    )
    assert manifest(run_dir)["status"] == "processing"
    run_id = run_dir.name

    done = extract(embedded_server.conninfo(sample_db_embedded), data_dir)
    assert f"unfinished run {run_id} of postgresql://" in done.stderr
    assert f"/{catalog}, started " in done.stderr and ": resuming it" in done.stderr
    assert f"run {run_id}: completed" in done.stderr
    assert done.stdout.count("output: ") == 1  # the new run's summary

    states = workflows(data_dir)
    assert WorkflowExecutionStatus.RUNNING not in states.values(), states
    assert states[f"sourcesense-{run_id}"] == WorkflowExecutionStatus.COMPLETED
    assert staging_left(data_dir) == []
    resumed = manifest(run_dir)
    assert resumed["status"] in ("completed", "completed_with_warnings"), resumed["errors"]
    steps = resumed["steps"]
    for name in ("lineage", "data_quality", "transformation"):
        assert steps[name]["status"] == "completed", name
    assert steps["transformation"]["formats"]["atlan"]["entities"] > 3000
    export = export_run(run_dir, "jsonl", tmp_path / "exports")
    try:
        names = zipfile.ZipFile(export).namelist()
    finally:
        export.unlink()
    assert any(name.startswith("transformed/atlan/bulk/") for name in names)
    assert [name for name in names if any(part.startswith(".") for part in name.split("/"))] == []


def test_killed_run_is_cancelled_on_request(
    embedded_server: PgServer, catalog: str, sample_db_embedded: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    run_dir = kill_during_transformation(
        embedded_server.conninfo(catalog), data_dir, tmp_path / "first.log"
    )
    run_id = run_dir.name

    done = extract(embedded_server.conninfo(sample_db_embedded), data_dir, "--unfinished", "cancel")
    assert f"unfinished run {run_id} of postgresql://" in done.stderr
    assert ": cancelling it" in done.stderr and f"run {run_id}: cancelled" in done.stderr

    states = workflows(data_dir)
    assert WorkflowExecutionStatus.RUNNING not in states.values(), states
    assert states[f"sourcesense-{run_id}"] == WorkflowExecutionStatus.CANCELED
    assert staging_left(data_dir) == []
    cancelled = manifest(run_dir)
    assert cancelled["status"] == "cancelled"
    assert "transformation" not in cancelled.get("steps", {})
    new_run = Path(done.stdout.rsplit("output: ", 1)[1].strip())
    assert manifest(new_run)["status"] == "completed"
