"""The API while Temporal cannot be reached (its server killed): 503 with a JSON error for
everything that needs Temporal, never a 500 or a 404 that says an existing run is missing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RetryConfig

from sourcesense.api.main import create_app
from sourcesense.workflow.codec import data_converter
from sourcesense.workflow.runtime import sdk_runtime
from tests.api.conftest import AUTH, MakeSettings, logging_to, recording_client
from tests.dev_server import dev_server

# The client gives up after a few quick retries (by default it retries for about 10 s, so that
# a restarted embedded server goes unnoticed); what matters here is the answer after that.
QUICK = RetryConfig(initial_interval_millis=50, max_retries=2, max_elapsed_time_millis=1000)
UNAVAILABLE = {"type": "TemporalUnavailableError",
               "message": "lost the connection to Temporal (tcp connect error): check that the "
                          "Temporal server is running, then try again"}  # fmt: skip


async def test_requests_needing_temporal_answer_503_once_it_is_gone(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings()
    with dev_server(tmp_path / "temporal") as server, logging_to(settings.data_dir) as log:
        client = await Client.connect(
            server.address, data_converter=data_converter(settings), runtime=sdk_runtime(),
            retry_config=QUICK,
        )  # fmt: skip
        start = {"connection": {"host": "127.0.0.1", "port": 1, "user": "nobody"}}
        async with recording_client(create_app(settings, client)) as http:
            # No worker serves the task queue: the run stays queued, and exists.
            started = await http.post("/workflows/v1/start", json=start, headers=AUTH)
            assert started.status_code == 202, started.text
            status = f"/workflows/v1/status/{started.json()['workflow_id']}"
            assert (await http.get(status, headers=AUTH)).status_code == 200
            missing = await http.get("/workflows/v1/status/sourcesense-missing", headers=AUTH)
            assert missing.status_code == 404, missing.text  # a missing run, Temporal up

            server.kill()
            answers = await asyncio.gather(
                http.post("/workflows/v1/start", json=start, headers=AUTH),
                http.get(status, headers=AUTH),
                http.get(f"{status}/stream", headers=AUTH),
                http.get("/workflows/v1/status/sourcesense-missing", headers=AUTH),
            )
            for answer in answers:
                assert answer.status_code == 503, (answer.request.url, answer.text)
                assert answer.json() == {"error": UNAVAILABLE}
                assert answer.headers["Retry-After"] == "5"
            ready = await http.get("/ready", headers=AUTH)
            assert ready.status_code == 503
            assert ready.json()["checks"]["temporal"] is False
        assert "Traceback" not in log.read_text()
