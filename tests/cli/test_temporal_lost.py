"""The CLI losing its Temporal server: one clear line on stderr and exit code 11, no traceback,
and nothing of the Temporal SDK (its Rust core logs coloured warnings by default) on stdout or
stderr: those lines go to the log file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from temporalio.client import Client

from tests.dev_server import dev_server
from tests.pg import PgServer
from tests.workflow.conftest import SECRET_KEY

EXIT_TEMPORAL_UNAVAILABLE = 11
WAIT_S = 60


def extract(server: PgServer, address: str, out: Path) -> subprocess.Popen[str]:
    url = server.url("postgres", password=server.admin_password())
    env = {**os.environ, "SOURCESENSE_SECRET_KEY": SECRET_KEY,
           "SOURCESENSE_TASK_QUEUE": f"lost-{out.name}"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "sourcesense", "extract", "--dsn", url, "--out", str(out),
         "--temporal-address", address, "--no-progress"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def assert_reported(process: subprocess.Popen[str], out: Path, text: str) -> None:
    stdout, stderr = process.communicate(timeout=WAIT_S)
    assert process.returncode == EXIT_TEMPORAL_UNAVAILABLE, (process.returncode, stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: {text}"), lines[0]
    assert "Traceback" not in stdout + stderr and "internal error" not in stderr
    for noise in ("sdk_core", "temporalio", "WARN", "\x1b["):
        assert noise not in stdout + stderr, (noise, stdout, stderr)
    assert stdout == ""


async def test_temporal_killed_while_the_cli_follows_a_run(
    embedded_server: PgServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with dev_server(tmp_path / "temporal") as server:
        # No worker serves the run's task queue: the CLI waits on its run, deterministically.
        process = extract(embedded_server, server.address, out)
        try:
            client = await Client.connect(server.address)
            await _wait_for_a_workflow(client, process)
            server.kill()
            assert_reported(process, out, "lost the connection to Temporal (")
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    log = (out / "logs" / "sourcesense.log").read_text()
    assert "sdk_core" in log  # the SDK's retry warnings went to the log file instead


async def test_temporal_gone_before_the_cli_starts(
    embedded_server: PgServer, tmp_path: Path
) -> None:
    with dev_server(tmp_path / "temporal") as server:
        address = server.address
    process = extract(embedded_server, address, tmp_path / "out")
    assert_reported(process, tmp_path / "out", f"cannot reach Temporal at {address}: ")


async def _wait_for_a_workflow(client: Client, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        async for _ in client.list_workflows():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the CLI started no workflow")
