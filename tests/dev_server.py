"""A Temporal dev server process a test owns, to kill it: `temporal server start-dev`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sourcesense.workflow.runtime import temporal_binary

START_S = 30.0


@dataclass(frozen=True)
class DevServer:
    address: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would end it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def dev_server(folder: Path) -> Iterator[DevServer]:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = ["server", "start-dev", "--db-filename", str(folder / "temporal.db"), "--headless",
            "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(free_port()),
            "--log-level", "error"]  # fmt: skip
    process = subprocess.Popen(
        [str(temporal_binary()), *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    server = DevServer(f"127.0.0.1:{port}", process)
    try:
        _wait_for_port(port, process)
        yield server
    finally:
        server.kill()


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "the Temporal dev server exited at start"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the Temporal dev server did not open port {port}")
