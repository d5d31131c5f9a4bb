"""Connections described through the API use the caller's credentials and reach TCP hosts only:
the server's ~/.pgpass, PGPASSWORD and other PG* variables are never used for them, and a
socket path, a control character or a host outside the allow-list answers 422."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sourcesense.extract.filters import Filters
from sourcesense.extract.preflight import preflight
from sourcesense.source import Source
from tests.api.conftest import AUTH, MakeApp, Role, recording_client

PREFLIGHT = "/workflows/v1/preflight"
AUTH_ERRORS = {"AuthenticationError", "PasswordRequiredError"}


def connection(role: Role, **overrides: Any) -> dict[str, Any]:
    return {"host": role.host, "port": role.port, "user": role.name, "database": "postgres"} | (
        overrides
    )


def cli_source(role: Role) -> Source:
    """The same connection as the CLI describes it (no password: the environment may give it)."""
    return Source(host=role.host, port=role.port, user=role.name, database="postgres")


@pytest.fixture
def server_pgpass(tmp_path: Path, role: Role, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The server process holds a password file with the right password for the role."""
    path = tmp_path / "pgpass"
    path.write_text(f"{role.host}:{role.port}:*:{role.name}:{role.password}\n")
    path.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(path))
    return path


@pytest.fixture
def role(source_role: Role) -> Role:
    return source_role


async def test_preflight_never_uses_the_servers_pgpass(
    make_app: MakeApp, role: Role, server_pgpass: Path
) -> None:
    # The file works: the CLI's way of connecting logs in with it (else this test proves nothing).
    facts = await asyncio.to_thread(preflight, cli_source(role), Filters())
    assert facts.user == role.name
    async with recording_client(make_app()) as http:
        response = await http.post(PREFLIGHT, json=connection(role), headers=AUTH)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["ok"] is False and report["error"]["type"] in AUTH_ERRORS, report
        assert "pgpass" not in report["error"]["message"]  # the hint fits an API caller
        # With the password given by the caller, the same request succeeds.
        given = connection(role, password=role.password)
        response = await http.post(PREFLIGHT, json=given, headers=AUTH)
        assert response.json()["ok"] is True, response.text


async def test_preflight_and_metadata_never_use_the_servers_pg_environment(
    make_app: MakeApp, role: Role, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PGPASSWORD", role.password)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    facts = await asyncio.to_thread(preflight, cli_source(role), Filters())
    assert facts.user == role.name  # the CLI keeps PGPASSWORD, as the README says
    # A PGOPTIONS the server would apply to every session: an isolated one never sees it.
    monkeypatch.setenv("PGOPTIONS", "-c no_such_setting_at_all=1")
    async with recording_client(make_app()) as http:
        response = await http.post(PREFLIGHT, json=connection(role), headers=AUTH)
        report = response.json()
        assert report["ok"] is False and report["error"]["type"] in AUTH_ERRORS, report
        params: dict[str, str | int] = {"host": role.host, "port": role.port, "user": role.name}
        response = await http.get("/workflows/v1/metadata", params=params, headers=AUTH)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["type"] in AUTH_ERRORS
        headers = AUTH | {"X-Source-Password": role.password}
        response = await http.get("/workflows/v1/metadata", params=params, headers=headers)
        assert response.status_code == 200, response.text


async def test_a_run_started_through_the_api_connects_with_the_callers_credentials_only(
    make_app: MakeApp, role: Role, server_pgpass: Path, worker: None, api_settings: Any
) -> None:
    """The mark travels to the worker: its activities do not log in with the server's pgpass."""
    async with recording_client(make_app(api_settings)) as http:
        body = {"connection": connection(role), "options": {"lineage": False}}
        response = await http.post("/workflows/v1/start", json=body, headers=AUTH)
        assert response.status_code == 202, response.text
        workflow = response.json()["workflow_id"]
        status = await _finished(http, workflow)
    assert status["status"] == "failed", status
    assert "password" in (status["error"] or "").lower(), status


async def _finished(http: httpx.AsyncClient, workflow: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = await http.get(f"/workflows/v1/status/{workflow}", headers=AUTH)
        status: dict[str, Any] = response.json()
        if status["status"] != "running":
            return status
        await asyncio.sleep(0.3)
    raise AssertionError(f"{workflow} still running after 60 s")


BAD_HOSTS = [
    ("/var/run/postgresql", "Unix socket"),
    ("/run/postgresql", "Unix socket"),
    ("db\x00port=1", "control character"),
    ("a..b", "not a valid host name"),
    ("db\nhost=/tmp", "control character"),
    ("h1,h2", "one host name"),
]


@pytest.mark.parametrize(("host", "reason"), BAD_HOSTS)
async def test_bad_hosts_answer_422_naming_the_field(
    make_app: MakeApp, role: Role, host: str, reason: str
) -> None:
    async with recording_client(make_app()) as http:
        body = connection(role, host=host)
        for url, payload, field in (
            (PREFLIGHT, body, "connection.host"),
            ("/workflows/v1/start", {"connection": body}, "connection.host"),
        ):
            response = await http.post(url, json=payload, headers=AUTH)
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["type"] == "InvalidHostError"
            assert error["message"].startswith(f"{field}: ") and reason in error["message"]
        params = {"host": host, "user": role.name}
        response = await http.get("/workflows/v1/metadata", params=params, headers=AUTH)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["message"].startswith("host: ")


async def test_the_allow_list_limits_hosts_and_ports(make_app: MakeApp, role: Role) -> None:
    allowed = [f"127.0.0.0/8:{role.port}", "db.example.com"]
    async with recording_client(make_app(allowed_sources=allowed)) as http:
        ok = connection(role, password=role.password)
        response = await http.post(PREFLIGHT, json=ok, headers=AUTH)
        assert response.json()["ok"] is True, response.text
        for outside in (
            connection(role, password=role.password, port=role.port + 1),
            connection(role, password=role.password, host="10.1.2.3"),
            connection(role, password=role.password, host="localhost"),
        ):
            response = await http.post(PREFLIGHT, json=outside, headers=AUTH)
            assert response.status_code == 422, response.text
            message = response.json()["error"]["message"]
            assert message.startswith("connection.host: ") and "allow-list" in message


async def test_sockets_only_when_allowed(make_app: MakeApp, role: Role) -> None:
    body = connection(role, host="/nonexistent-socket-dir")
    async with recording_client(make_app(api_allow_sockets=True)) as http:
        response = await http.post(PREFLIGHT, json=body, headers=AUTH)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["ok"] is False and report["error"]["type"] == "ConnectionFailedError"


async def test_control_characters_in_other_connection_fields_answer_422(
    make_app: MakeApp, role: Role
) -> None:
    """libpq reads a connection string up to a NUL: a NUL in the user name would cut off the
    host after it (and connect through a socket), so every field refuses control characters."""
    async with recording_client(make_app()) as http:
        for field in ("user", "database", "password"):
            body = connection(role, **{field: "x\x00host=/run/postgresql"})
            response = await http.post(PREFLIGHT, json=body, headers=AUTH)
            assert response.status_code == 422, response.text
            assert response.json()["detail"][0]["loc"] == ["body", field]
        params = {"host": role.host, "user": "x\x00y"}
        response = await http.get("/workflows/v1/metadata", params=params, headers=AUTH)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", "user"]
