"""MetadataExtractionWorkflow on a real Temporal dev server and real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError

from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.settings import Settings
from sourcesense.source import parse_dsn
from sourcesense.store.rundir import new_run_id
from sourcesense.workflow.inputs import ExtractionInput, RunResult, SourceSpec
from sourcesense.workflow.runtime import new_worker
from sourcesense.workflow.workflows import MetadataExtractionWorkflow
from tests.helpers import run_contents
from tests.pg import PgServer, generated_catalog
from tests.workflow.conftest import WorkerProcesses
from tests.workflow.helpers import activity_attempts, paused_extraction


@pytest.fixture(scope="module")
def catalog(embedded_server: PgServer) -> Iterator[str]:
    with generated_catalog(embedded_server, "sstest_wf", tables=400) as name:
        yield name


def extraction(pg: PgServer, database: str, settings: Settings) -> ExtractionInput:
    source = SourceSpec.of(parse_dsn(pg.conninfo(database)))
    return ExtractionInput(source, str(settings.data_dir), new_run_id())


def core_contents(
    pg: PgServer, database: str, tmp_path: Path
) -> dict[str, list[dict[str, object]]]:
    outcome = run_extraction(ExtractRequest(parse_dsn(pg.conninfo(database))), tmp_path / "core")
    return run_contents(outcome.run_dir)


async def start(
    client: Client, inp: ExtractionInput, settings: Settings
) -> WorkflowHandle[MetadataExtractionWorkflow, RunResult]:
    return await client.start_workflow(
        MetadataExtractionWorkflow.run, inp, id=f"test-{inp.run_id}", task_queue=settings.task_queue
    )


async def test_worker_killed_mid_activity_resumes(
    embedded_server: PgServer, catalog: str, client: Client, wf_settings: Settings,
    workers: WorkerProcesses, tmp_path: Path,
) -> None:  # fmt: skip
    workers.start("first")
    handle = await start(client, extraction(embedded_server, catalog, wf_settings), wf_settings)
    async with paused_extraction(embedded_server, catalog):
        workers.kill("first")  # SIGKILL while extract_database is running
    workers.start("second")
    result = await asyncio.wait_for(handle.result(), timeout=120)
    assert result.status == "completed"
    # History keeps the started event of an activity's last attempt only.
    extract = [a for a in await activity_attempts(handle) if a.activity == "extract_database"]
    assert [(a.identity, a.attempt) for a in extract] == [("second", 2)]
    assert run_contents(Path(result.run_dir)) == core_contents(embedded_server, catalog, tmp_path)


async def test_terminated_connection_is_retried(
    embedded_server: PgServer, catalog: str, client: Client, wf_settings: Settings
) -> None:
    async with new_worker(client, wf_settings):
        handle = await start(client, extraction(embedded_server, catalog, wf_settings), wf_settings)
        async with paused_extraction(embedded_server, catalog):
            pass  # terminated on leaving
        result = await asyncio.wait_for(handle.result(), timeout=60)
    assert result.status == "completed"
    attempts = [
        a.attempt for a in await activity_attempts(handle) if a.activity == "extract_database"
    ]
    assert attempts == [2]


@pytest.fixture(scope="module")
def password_role(embedded_server: PgServer) -> Iterator[tuple[str, str]]:
    role, password = "sstest_wf_role", "Wf-Secret-Value-8841"
    with embedded_server.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))  # fmt: skip
    yield role, password
    with embedded_server.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


async def test_wrong_password_fails_fast_without_retries(
    embedded_server: PgServer, catalog: str, client: Client, wf_settings: Settings,
    password_role: tuple[str, str],
) -> None:  # fmt: skip
    role, _ = password_role
    url = embedded_server.url(catalog, role, "not-the-password")
    inp = ExtractionInput(SourceSpec.of(parse_dsn(url)), str(wf_settings.data_dir), new_run_id())
    async with new_worker(client, wf_settings):
        handle = await start(client, inp, wf_settings)
        loop = asyncio.get_running_loop()
        began = loop.time()
        with pytest.raises(WorkflowFailureError) as caught:
            await asyncio.wait_for(handle.result(), timeout=30)
        elapsed = loop.time() - began
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "AuthenticationError"
    assert (
        cause.message
        == f"authentication failed for user '{role}' at 127.0.0.1:"
        + (url.rsplit(":", 1)[1].split("/")[0])
        + ": check the password"
    )
    assert [a.activity for a in await activity_attempts(handle)] == ["preflight"]
    assert elapsed < 5, elapsed


async def test_progress_counts_entities_written_and_whole_run_time(
    embedded_server: PgServer, catalog: str, client: Client, wf_settings: Settings
) -> None:
    """The transformation stage's progress counts the entities each format wrote (what its
    output holds, line for line), and the whole run's time is the manifest's."""
    async with new_worker(client, wf_settings):
        handle = await start(client, extraction(embedded_server, catalog, wf_settings), wf_settings)
        result = await asyncio.wait_for(handle.result(), timeout=120)
        progress = await handle.query(MetadataExtractionWorkflow.progress)
    run_dir = Path(result.run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    written = {
        name: sum(len(path.read_bytes().splitlines()) for path in files)
        for name, files in (
            ("atlan", (run_dir / "transformed" / "atlan").glob("*/entities.json")),
            ("openlineage", (run_dir / "transformed" / "openlineage").glob("*.jsonl")),
        )
    }  # fmt: skip
    counts = progress.stages["transformation"].counts
    assert counts == written
    assert counts["atlan"] > 400 and counts["openlineage"] >= 400  # every table, its columns
    formats = manifest["steps"]["transformation"]["formats"]
    assert counts == {name: entry["entities"] for name, entry in formats.items()}
    assert progress.elapsed_seconds == manifest["elapsed_seconds"]
    assert progress.started_at is not None
