"""The workflow as users deploy it: the CLI on an embedded server, workers on a cluster, and
the password kept out of every place Temporal and SourceSense write to."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.make_catalog import make_catalog
from psycopg import sql
from temporalio.client import Client

from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.settings import Settings
from sourcesense.source import parse_dsn
from sourcesense.store.rundir import new_run_id
from sourcesense.workflow.inputs import ExtractionInput, SourceSpec
from sourcesense.workflow.runtime import temporal_binary
from sourcesense.workflow.workflows import MetadataExtractionWorkflow
from tests.helpers import run_contents
from tests.pg import PgServer, drop_database
from tests.workflow.conftest import WorkerProcesses
from tests.workflow.helpers import activity_attempts


def temporal_cli(*args: str) -> str:
    done = subprocess.run(
        [str(temporal_binary()), *args], check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout


def test_cli_extract_runs_as_a_visible_workflow(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path: Path
) -> None:
    out = tmp_path / "data"
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable, "-m", "sourcesense", "extract", "--dsn",
         embedded_server.conninfo(sample_db_embedded), "--out", str(out), "--no-progress"],
        check=False, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.rsplit("output: ", 1)[1].strip())
    core = run_extraction(ExtractRequest(parse_dsn(embedded_server.conninfo(sample_db_embedded))),
                          tmp_path / "core")  # fmt: skip
    assert run_contents(run_dir) == run_contents(core.run_dir)
    # The embedded server kept its state: start it again on the same file and look.
    port = "17233"
    server = subprocess.Popen(
        [str(temporal_binary()), "server", "start-dev", "--db-filename", str(out / "temporal.db"),
         "--ip", "127.0.0.1", "--port", port, "--headless", "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        listed = _list_workflows(f"127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert {"id": f"sourcesense-{run_dir.name}", "status": "Completed"} in listed


def _list_workflows(address: str) -> list[dict[str, str]]:
    for _ in range(100):
        try:
            text = temporal_cli("workflow", "list", "--address", address, "--output", "jsonl")
        except subprocess.CalledProcessError:
            time.sleep(0.2)
            continue
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [{"id": r["execution"]["workflowId"], "status": _status(r["status"])} for r in rows]
    raise AssertionError("the Temporal server did not answer")


def _status(value: str | int) -> str:
    completed = ("2", "WORKFLOW_EXECUTION_STATUS_COMPLETED", "Completed")
    return "Completed" if str(value) in completed else str(value)


@pytest.fixture(scope="module")
def scale_dbs(embedded_server: PgServer) -> Iterator[str]:
    prefix = f"sstest_scale_{uuid.uuid4().hex[:4]}"
    names = [f"{prefix}_{i}" for i in range(4)]
    for name in names:
        make_catalog(embedded_server.admin, name, tables=150, schemas=2, columns=8)
    yield prefix
    for name in names:
        drop_database(embedded_server, name)


async def test_two_workers_share_a_multi_database_run(
    embedded_server: PgServer, scale_dbs: str, client: Client, wf_settings: Settings,
    workers: WorkerProcesses,
) -> None:  # fmt: skip
    for identity in ("alpha", "beta"):
        workers.start(identity, SOURCESENSE_MAX_CONCURRENT_ACTIVITIES="1")
    source = SourceSpec.of(parse_dsn(embedded_server.conninfo("postgres")))
    inp = ExtractionInput(
        source, str(wf_settings.data_dir), new_run_id(), {"include_database": f"^{scale_dbs}_"},
        all_databases=True,
    )  # fmt: skip
    handle = await client.start_workflow(
        MetadataExtractionWorkflow.run, inp, id=f"test-{inp.run_id}",
        task_queue=wf_settings.task_queue,
    )  # fmt: skip
    result = await asyncio.wait_for(handle.result(), timeout=120)
    assert result.status == "completed" and result.counts["databases"] == 4
    extract = [a for a in await activity_attempts(handle) if a.activity == "extract_database"]
    assert len(extract) == 4
    assert {a.identity for a in extract} == {"alpha", "beta"}
    core = run_extraction(
        ExtractRequest(parse_dsn(embedded_server.conninfo("postgres")),
                       Filters(include_database=f"^{scale_dbs}_"), all_databases=True),
        wf_settings.data_dir / "core",
    )  # fmt: skip
    assert run_contents(Path(result.run_dir)) == run_contents(core.run_dir)


@pytest.fixture(scope="module")
def secret_db(embedded_server: PgServer) -> Iterator[tuple[str, str, str]]:
    role, password = "sstest_secret_role", f"Pw-{uuid.uuid4().hex}"
    with embedded_server.temp_database("sstest_secret") as name:
        with embedded_server.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)))  # fmt: skip
        with embedded_server.connect(name) as conn:
            conn.execute("CREATE TABLE public.t (id int PRIMARY KEY)")
        yield name, role, password
    with embedded_server.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


async def test_password_appears_nowhere(
    embedded_server: PgServer, secret_db: tuple[str, str, str], client: Client,
    wf_settings: Settings, workers: WorkerProcesses, temporal_db: Path, temporal_address: str,
) -> None:  # fmt: skip
    database, role, password = secret_db
    workers.start("secretive")
    url = embedded_server.url(database, role, password)
    inp = ExtractionInput(SourceSpec.of(parse_dsn(url)), str(wf_settings.data_dir), new_run_id())
    handle = await client.start_workflow(
        MetadataExtractionWorkflow.run, inp, id=f"test-{inp.run_id}",
        task_queue=wf_settings.task_queue,
    )  # fmt: skip
    result = await asyncio.wait_for(handle.result(), timeout=60)
    assert result.status == "completed"
    secret = password.encode()
    shown = temporal_cli("workflow", "show", "--workflow-id", handle.id, "--address",
                         temporal_address, "--output", "json")  # fmt: skip
    assert '"eventType"' in shown or "EVENT_TYPE" in shown or "WorkflowExecutionStarted" in shown
    assert password not in shown
    server_files = [p for p in temporal_db.parent.glob(temporal_db.name + "*") if p.is_file()]
    assert server_files
    for file in server_files:
        assert secret not in file.read_bytes(), file
    logs = list((wf_settings.data_dir / "logs").glob("*.log"))
    assert logs and any(log.stat().st_size > 0 for log in logs)
    for file in wf_settings.data_dir.rglob("*"):  # logs and the run directory
        if file.is_file():
            assert secret not in file.read_bytes(), file
