"""The web UI in real headless Chromium against a real `sourcesense serve` and worker.

The server and the worker are subprocesses sharing the session's Temporal dev server; the
source is sample_db on the embedded PostgreSQL, read by a role with a password over TCP.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    sync_playwright,
)
from psycopg import sql
from temporalio.testing import WorkflowEnvironment

from tests.pg import PgServer
from tests.workflow import conftest as workflow_fixtures
from tests.workflow.conftest import SECRET_KEY

# The Temporal dev server fixtures of tests/workflow (one more server when both directories
# run in one session; hoisting them to tests/conftest.py would share it).
temporal_db = workflow_fixtures.temporal_db
temporal_env = workflow_fixtures.temporal_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
API_TOKEN = "ui-test-token-" + secrets.token_hex(8)
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class UiServer:
    url: str
    token: str
    data_dir: Path


@dataclass(frozen=True)
class Credentials:
    host: str
    port: int
    database: str
    user: str
    password: str


@dataclass
class BrowserLog:
    """What went wrong in the page: console errors, uncaught exceptions, failed responses."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_responses: list[tuple[str, str, int]] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_response(self, response: Response) -> None:
        path = "/" + response.url.split("://", 1)[-1].split("/", 1)[-1].split("?")[0]
        self.requested.append(path)
        if response.status >= 400:
            self.failed_responses.append((response.request.method, path, response.status))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def ui_credentials(embedded_server: PgServer, sample_db_embedded: str) -> Iterator[Credentials]:
    """A password role that may read sample_db's data (for sampled profiling) and statistics."""
    role, password = f"sstest_ui_{secrets.token_hex(3)}", "Ui-Secret-" + secrets.token_hex(6)
    ident = sql.Identifier(role)
    with embedded_server.connect() as conn:
        create = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}")
        conn.execute(create.format(ident, sql.Literal(password)))
        conn.execute(sql.SQL("GRANT pg_read_all_data, pg_read_all_stats TO {}").format(ident))
    host, port = _host_port(embedded_server)
    yield Credentials(host, port, sample_db_embedded, role, password)
    with embedded_server.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


def _host_port(server: PgServer) -> tuple[str, int]:
    url = server.url("postgres")  # postgresql://user@host:port/postgres
    host, port = url.split("@", 1)[1].split("/", 1)[0].rsplit(":", 1)
    return host, int(port)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def ui_server(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[UiServer]:
    """`sourcesense serve` (API + UI) and `sourcesense worker` on the session's Temporal."""
    with serving(temporal_env, tmp_path_factory.mktemp("ui")) as server:
        yield server


@contextmanager
def serving(temporal_env: WorkflowEnvironment, root: Path) -> Iterator[UiServer]:
    """A server and worker of their own: modules that make many API calls use one, so that
    the rate limit's window of the shared server is not theirs to use up."""
    data_dir = root / "data"
    address = str(temporal_env.client.service_client.config.target_host)
    port = _free_port()
    env = {
        **os.environ,
        "SOURCESENSE_SECRET_KEY": SECRET_KEY,
        "SOURCESENSE_TASK_QUEUE": f"ui-test-{secrets.token_hex(4)}",
        "SOURCESENSE_API_TOKEN": API_TOKEN,
        "SOURCESENSE_DATA_DIR": str(data_dir),
    }
    commands = {
        "serve": ["serve", "--temporal-address", address, "--out", str(data_dir),
                  "--host", "127.0.0.1", "--port", str(port)],
        "worker": ["worker", "--temporal-address", address, "--identity", "ui-test-worker"],
    }  # fmt: skip
    processes = {name: _spawn(args, env, root / f"{name}.log") for name, args in commands.items()}
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, processes["serve"], root / "serve.log")
        yield UiServer(url, API_TOKEN, data_dir)
    finally:
        for process in processes.values():
            _stop(process)


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "sourcesense", *args], env=env, stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sourcesense serve exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"sourcesense serve not healthy after {STARTUP_SECONDS} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def browser(ui_server: UiServer) -> Iterator[Browser]:
    """Chromium for one module. Playwright's sync API keeps an event loop marked running while
    it lives, so the server (and the asyncio fixtures under it) start first, and the browser
    is gone before any later module's asyncio test runs."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


PageFactory = Callable[[int, int], tuple[Page, BrowserLog]]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageFactory]:
    """Make a page of a given viewport in a fresh context (own sessionStorage), its errors
    collected in a BrowserLog."""
    contexts: list[BrowserContext] = []

    def make(width: int, height: int) -> tuple[Page, BrowserLog]:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        log = BrowserLog()
        page.on("console", log.on_console)
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        page.on("response", log.on_response)
        return page, log

    yield make
    for context in contexts:
        context.close()
