"""A worker shut down during transformation stops the transformer's thread and waits for it:
when the shutdown returns, nothing writes to the run any more and its staging is gone; another
worker then finishes the run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from sourcesense.settings import Settings
from sourcesense.source import parse_dsn
from sourcesense.store.rundir import new_run_id, read_json
from sourcesense.workflow.activities import ExtractionActivities
from sourcesense.workflow.inputs import ExtractionInput, SourceSpec
from sourcesense.workflow.runtime import new_worker
from sourcesense.workflow.workflows import MetadataExtractionWorkflow
from tests.pg import PgServer, generated_catalog


@pytest.fixture(scope="module")
def catalog(embedded_server: PgServer) -> Iterator[str]:
    with generated_catalog(embedded_server, "sstest_stop", tables=300) as name:
        yield name


def impatient_worker(client: Client, settings: Settings) -> Worker:
    """Our worker, shutting down without a grace period: running activities are cancelled at
    once, so the test sees the stop, not a transformation that happened to finish in time."""
    return Worker(
        client, task_queue=settings.task_queue, workflows=[MetadataExtractionWorkflow],
        activities=ExtractionActivities(settings).all(), graceful_shutdown_timeout=timedelta(0),
        workflow_failure_exception_types=[Exception],
    )  # fmt: skip


async def staging_appears(data_dir: Path, timeout: float = 120) -> Path:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (found := list(data_dir.glob("runs/*/transformed/.atlan.staging"))):
        assert loop.time() < deadline, "the transformation never started"
        await asyncio.sleep(0.02)
    return found[0].parents[1]


async def test_worker_shutdown_stops_the_transformer(
    embedded_server: PgServer, catalog: str, client: Client, wf_settings: Settings
) -> None:
    source = SourceSpec.of(parse_dsn(embedded_server.conninfo(catalog)))
    inp = ExtractionInput(
        source, str(wf_settings.data_dir), new_run_id(),
        transform_options={"atlan_bulk_batch_size": "1"},
    )  # fmt: skip
    worker = impatient_worker(client, wf_settings)
    running = asyncio.ensure_future(worker.run())
    handle = await client.start_workflow(
        MetadataExtractionWorkflow.run, inp, id=f"test-{inp.run_id}",
        task_queue=wf_settings.task_queue,
    )  # fmt: skip
    run_dir = await staging_appears(wf_settings.data_dir)
    assert read_json(run_dir / "manifest.json")["status"] == "processing"
    await worker.shutdown()
    await running
    # The thread has stopped (it removed its own staging) before the shutdown returned.
    assert not (run_dir / "transformed" / ".atlan.staging").exists()
    assert not (run_dir / "transformed" / "atlan").exists()
    assert "transformation" not in read_json(run_dir / "manifest.json")["steps"]

    async with new_worker(client, wf_settings):
        result = await asyncio.wait_for(handle.result(), timeout=120)
    manifest = read_json(run_dir / "manifest.json")
    assert result.status == manifest["status"] == "completed"
    assert manifest["steps"]["transformation"]["formats"]["atlan"]["status"] == "completed"
    assert [p for p in run_dir.rglob("*") if p.name.startswith(".")] == []
