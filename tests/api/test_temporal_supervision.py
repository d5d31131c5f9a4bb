"""`sourcesense serve` supervises its embedded Temporal server: SIGKILLed mid-run, the server
is restarted on the same port, the run resumes from its SQLite state and completes, and
/ready answers 503 while Temporal is down, then 200 again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.api.conftest import API_TOKEN, AUTH, Role
from tests.dev_server import free_port

START_S, RECOVER_S, COMPLETE_S = 60.0, 60.0, 120.0


@dataclass(frozen=True)
class Serve:
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    output: Path

    def temporal(self) -> psutil.Process:
        """The embedded Temporal dev server: serve's child process."""
        found = [child for child in psutil.Process(self.process.pid).children()
                 if child.name() == "temporal"]  # fmt: skip
        assert len(found) == 1, found
        return found[0]

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, headers=AUTH, timeout=30)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """A real `sourcesense serve` with its embedded Temporal server and worker."""
    data_dir, output, port = tmp_path / "data", tmp_path / "serve.out", free_port()
    env = {**os.environ, "SOURCESENSE_API_TOKEN": API_TOKEN}
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sourcesense", "serve", "--out", str(data_dir),
             "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Serve(process, f"http://127.0.0.1:{port}", data_dir, output)
    children: list[psutil.Process] = []
    try:
        _wait_ready(server)
        children = psutil.Process(process.pid).children(recursive=True)
        yield server
    finally:
        _stop(server, children)


def test_serve_restarts_a_killed_temporal_and_the_run_completes(
    serve: Serve, source_role: Role, sample_db_embedded: str
) -> None:
    connection = {"host": source_role.host, "port": source_role.port, "user": source_role.name,
                  "password": source_role.password, "database": sample_db_embedded}  # fmt: skip
    started = httpx.post(serve.url + "/workflows/v1/start", json={"connection": connection},
                         headers=AUTH, timeout=30)  # fmt: skip
    assert started.status_code == 202, started.text
    workflow = started.json()["workflow_id"]
    _wait_until_under_way(serve, workflow)
    killed = serve.temporal()
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)

    readiness = _readiness_until_ready(serve)
    down = [body for status, body in readiness if status == 503]
    assert down, readiness  # seen unready while Temporal was down
    assert down[0] == {"ready": False, "checks": {"temporal": False, "data_dir": True}}
    assert readiness[-1][0] == 200
    assert serve.temporal().pid != killed.pid

    final = _status_when_finished(serve, workflow)
    assert final["status"] == "completed", final
    assert final["result"]["status"] in {"completed", "completed_with_warnings"}, final
    log = (serve.data_dir / "logs" / "sourcesense.log").read_text()
    assert "the embedded Temporal server exited (code -9); restarting it in 0 s" in log
    assert "the embedded Temporal server runs again on port" in log
    output = serve.output.read_text()
    assert "sdk_core" not in output and "Traceback" not in output, output


def _wait_until_under_way(serve: Serve, workflow: str) -> None:
    """Until the worker has begun the run's steps (and not finished them)."""
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        body = serve.get(f"/workflows/v1/status/{workflow}").json()
        assert body["status"] == "running", body
        if any(stage["status"] != "pending" for stage in body["stages"].values()):
            return
        time.sleep(0.05)
    raise AssertionError(f"the run did not begin within {START_S} s")


def _readiness_until_ready(serve: Serve) -> list[tuple[int, Any]]:
    seen: list[tuple[int, Any]] = []
    deadline = time.monotonic() + RECOVER_S
    while time.monotonic() < deadline:
        response = serve.get("/ready")
        seen.append((response.status_code, response.json()))
        if response.status_code == 200:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"/ready did not recover within {RECOVER_S} s: {seen[-3:]}")


def _status_when_finished(serve: Serve, workflow: str) -> dict[str, Any]:
    deadline = time.monotonic() + COMPLETE_S
    while time.monotonic() < deadline:
        response = serve.get(f"/workflows/v1/status/{workflow}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] != "running":
            return body
        time.sleep(0.5)
    raise AssertionError(f"the run did not finish within {COMPLETE_S} s")


def _wait_ready(serve: Serve) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        assert serve.process.poll() is None, serve.output.read_text()
        try:
            if serve.get("/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve not ready within {START_S} s: {serve.output.read_text()}")


def _stop(serve: Serve, children: list[psutil.Process]) -> None:
    if serve.process.poll() is None:
        os.killpg(serve.process.pid, signal.SIGTERM)
        try:
            serve.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(serve.process.pid, signal.SIGKILL)
            serve.process.wait()
    # Whatever Temporal server serve left (it stops its own on SIGTERM; this is a safety net).
    for child in [*children, *_temporal_processes(serve.data_dir)]:
        if child.is_running():
            child.kill()


def _temporal_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "temporal" and str(data_dir) in " ".join(
            process.info["cmdline"] or []
        ):
            found.append(process)
    return found
