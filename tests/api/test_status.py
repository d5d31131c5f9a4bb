"""Status of a run no worker has picked up yet (workers down or busy): answered, not a 404."""

from __future__ import annotations

import time

import httpx
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import AUTH


async def test_status_of_a_queued_run_answers_running_without_a_worker(
    http: httpx.AsyncClient, temporal_env: WorkflowEnvironment
) -> None:
    # No worker polls the app's task queue: the run is accepted and stays queued.
    body = {"connection": {"host": "127.0.0.1", "port": 1, "user": "nobody"}}
    started = await http.post("/workflows/v1/start", json=body, headers=AUTH)
    assert started.status_code == 202, started.text
    workflow = started.json()["workflow_id"]
    handle = temporal_env.client.get_workflow_handle(workflow)
    try:
        clock = time.monotonic()
        response = await http.get(f"/workflows/v1/status/{workflow}", headers=AUTH)
        elapsed = time.monotonic() - clock
        assert response.status_code == 200, response.text
        status = response.json()
        assert status["workflow_id"] == workflow and status["status"] == "running"
        assert status["stages"]["preflight"]["status"] == "pending"
        assert elapsed < 15, f"status took {elapsed:.1f} s"
    finally:
        await handle.terminate("test over")
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED
