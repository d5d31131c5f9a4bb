"""The REST API on the session's real Temporal dev server: the app, an in-process worker, an
httpx client that keeps every response it receives, and a password-protected source role."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from sourcesense.api.main import create_app
from sourcesense.logs import configure_logging
from sourcesense.settings import Settings
from sourcesense.workflow.runtime import new_worker
from tests.pg import PgServer

# The session's Temporal dev server, with our encrypted data converter. Importing the fixture
# functions registers them here too (tests/workflow/conftest.py is not visible from tests/api).
from tests.workflow.conftest import SECRET_KEY, temporal_db, temporal_env

__all__ = ["temporal_db", "temporal_env"]

API_TOKEN = f"api-test-{secrets.token_urlsafe(24)}"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
ALLOWED_ORIGIN = "http://allowed.example"
BASE_URL = "http://test"
RUN_ID = "20261127T083000Z-3f9a1c"
WORKFLOW_ID = f"sourcesense-{RUN_ID}"

MakeSettings = Callable[..., Settings]
MakeApp = Callable[..., FastAPI]


@pytest.fixture
def make_settings(tmp_path: Path) -> MakeSettings:
    """Settings of an API under test: a known token, a fresh task queue and data dir."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / f"data-{uuid.uuid4().hex[:8]}",
            "api_token": SecretStr(API_TOKEN),
            "secret_key": SecretStr(SECRET_KEY),
            "task_queue": f"api-test-{uuid.uuid4()}",
            "cors_origins": [ALLOWED_ORIGIN],
            "rate_limit_per_minute": 1_000_000,
            "connect_timeout_s": 1,
        }
        return Settings(**(values | overrides))

    return make


@pytest.fixture
def api_settings(make_settings: MakeSettings) -> Settings:
    return make_settings()


@pytest.fixture
def log_file(api_settings: Settings) -> Iterator[Path]:
    """The app process logs under data_dir/logs, as `sourcesense serve` configures it."""
    with logging_to(api_settings.data_dir) as path:
        yield path


@pytest.fixture
def make_app(temporal_env: WorkflowEnvironment, make_settings: MakeSettings) -> MakeApp:
    def make(settings: Settings | None = None, **overrides: Any) -> FastAPI:
        return create_app(settings or make_settings(**overrides), temporal_env.client)

    return make


@pytest.fixture
def app(make_app: MakeApp, api_settings: Settings, log_file: Path) -> FastAPI:
    return make_app(api_settings)


@pytest_asyncio.fixture
async def worker(temporal_env: WorkflowEnvironment, api_settings: Settings) -> AsyncIterator[None]:
    """A worker in this process on the app's task queue, for tests that start runs."""
    async with new_worker(temporal_env.client, api_settings):
        yield


@dataclass(frozen=True)
class Recorded:
    method: str
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class RecordingTransport(httpx.AsyncBaseTransport):
    """The ASGI app in process; every response is kept (status, headers, whole body)."""

    inner: httpx.AsyncBaseTransport
    responses: list[Recorded] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        headers = list(response.headers.multi_items())
        body = httpx.Response(response.status_code, headers=headers, content=raw).read()
        self.responses.append(  # the body as the client reads it (gzip decoded)
            Recorded(request.method, str(request.url), response.status_code, headers, body)
        )
        return httpx.Response(
            response.status_code, headers=headers, stream=httpx.ByteStream(raw),
            request=request, extensions=response.extensions,
        )  # fmt: skip

    async def aclose(self) -> None:
        await self.inner.aclose()


def recording_client(app: FastAPI, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=RecordingTransport(transport), base_url=BASE_URL)


def recorded(client: httpx.AsyncClient) -> list[Recorded]:
    transport = client._transport
    assert isinstance(transport, RecordingTransport)
    return transport.responses


@pytest_asyncio.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` without credentials: tests send AUTH where they mean to."""
    async with recording_client(app) as client:
        yield client


@dataclass(frozen=True)
class Role:
    name: str
    password: str
    host: str
    port: int


@pytest.fixture
def source_role(embedded_server: PgServer) -> Iterator[Role]:
    """A login role with a random password and no privileges beyond PUBLIC's (it can read the
    catalog); dropped afterwards."""
    params = conninfo_to_dict(embedded_server.admin)
    role = Role(
        f"sstest_api_{secrets.token_hex(4)}", f"pw{secrets.token_hex(16)}",
        str(params["host"]), int(str(params["port"])),
    )  # fmt: skip
    with embedded_server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role.name), sql.Literal(role.password)
            )
        )
    try:
        yield role
    finally:
        with embedded_server.connect() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role.name,),
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role.name)))


@contextmanager
def logging_to(folder: Path) -> Iterator[Path]:
    """configure_logging(folder) for the block; the root logger is given back afterwards."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    path = configure_logging(folder)
    ours = list(root.handlers)
    try:
        yield path
    finally:
        for handler in ours:
            root.removeHandler(handler)
            handler.close()
        # pytest removes its own capture handlers at the end of each phase; put back the rest.
        for handler in saved:
            if not type(handler).__module__.startswith("_pytest"):
                root.addHandler(handler)
        root.setLevel(level)
