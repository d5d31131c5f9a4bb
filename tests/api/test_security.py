"""The API is secure by default: token on every route, no password anywhere it should not be,
rate limit, body limit, CORS allow-list, validation errors, no stack traces, redacted logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI

from sourcesense.logs import remember_secret
from sourcesense.settings import Settings
from tests.api.conftest import (
    ALLOWED_ORIGIN,
    API_TOKEN,
    AUTH,
    RUN_ID,
    WORKFLOW_ID,
    MakeApp,
    Recorded,
    Role,
    logging_to,
    recorded,
    recording_client,
)

METHODS = {"get", "post", "put", "patch", "delete"}
PATH_VALUES = {
    "run_id": RUN_ID,
    "run_a": RUN_ID,
    "run_b": "20261128T090000Z-0a1b2c",
    "workflow": WORKFLOW_ID,
}
RUN_TIMEOUT_S = 120


def protected_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation in the app's own spec but GET /health."""
    routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if method in METHODS
    ]
    return [route for route in routes if route != ("GET", "/health")]


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m[1], "some-value"), path)


def error_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    return str(body["error"]["type"])


# --- Authentication ------------------------------------------------------------------------


async def test_every_protected_route_refuses_a_missing_or_wrong_token(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    routes = protected_routes(app)
    assert ("POST", "/workflows/v1/start") in routes
    assert ("GET", "/runs/{run_id}/export") in routes
    assert len(routes) >= 10
    bad_credentials: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {API_TOKEN}x"},
        {"Authorization": API_TOKEN},  # no scheme
        {"Authorization": f"Basic {API_TOKEN}"},
        {"Authorization": "Bearer "},
    ]
    failures = []
    for method, template in routes:
        url = fill(template)
        body: Any = {} if method in {"POST", "PUT", "PATCH"} else None
        for headers in bad_credentials:
            response = await http.request(method, url, headers=headers, json=body)
            if (
                response.status_code != 401
                or error_type(response) != "Unauthorized"
                or response.headers.get("www-authenticate") != "Bearer"
            ):
                failures.append(f"{method} {url} {headers}: {response.status_code} {response.text}")
        # The right token gets past authentication (so the 401s above are about the token).
        response = await http.request(method, url, headers=AUTH, json=body)
        if response.status_code == 401:
            failures.append(f"{method} {url} with the token: 401 {response.text}")
    assert failures == []
    assert (await http.get("/health")).status_code == 200  # the one open route


# --- No password anywhere -------------------------------------------------------------------


async def follow(http: httpx.AsyncClient, workflow: str) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events of the status stream, up to and including `done`."""
    events: list[tuple[str, dict[str, Any]]] = []
    url = f"/workflows/v1/status/{workflow}/stream"
    async with asyncio.timeout(RUN_TIMEOUT_S), http.stream("GET", url, headers=AUTH) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        name = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
                if name == "done":
                    break
    return events


def texts_of(response: Recorded) -> list[bytes]:
    """The bytes to search in a response: headers, body, and each member of a zip body."""
    texts = [f"{k}: {v}".encode() for k, v in response.headers] + [response.body]
    texts.append(response.url.encode())
    if response.body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
            texts += [archive.read(name) for name in archive.namelist()]
    return texts


def texts_of_file(path: Path) -> list[bytes]:
    """A file's bytes, plus its rows as text when it is Parquet (pages may be compressed)."""
    data = path.read_bytes()
    texts = [data]
    if path.suffix == ".parquet":
        texts.append(json.dumps(pq.read_table(path).to_pylist(), default=str).encode())
    return texts


async def test_source_password_appears_in_no_response_log_or_file(
    app: FastAPI, http: httpx.AsyncClient, worker: None, source_role: Role,
    sample_db_embedded: str, api_settings: Settings, log_file: Path,
) -> None:  # fmt: skip
    password = source_role.password.encode()
    connection = {
        "host": source_role.host, "port": source_role.port, "user": source_role.name,
        "password": source_role.password, "database": sample_db_embedded,
    }  # fmt: skip
    request_id = uuid.uuid4().hex

    # Preflight and metadata with the right password, then with a wrong one that contains it.
    response = await http.post("/workflows/v1/preflight", json=connection, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["ok"] is True and response.json()["user"] == source_role.name
    headers = {**AUTH, "X-Source-Password": source_role.password}
    query: dict[str, str | int] = {
        "host": source_role.host, "port": source_role.port, "user": source_role.name,
        "database": sample_db_embedded,
    }  # fmt: skip
    response = await http.get("/workflows/v1/metadata", params=query, headers=headers)
    assert response.status_code == 200, response.text
    assert {"catalog_name": sample_db_embedded, "schema_name": "ecommerce"} in response.json()
    wrong = {**connection, "password": source_role.password + "-wrong"}
    response = await http.post("/workflows/v1/preflight", json=wrong, headers=AUTH)
    assert response.status_code == 200 and response.json()["ok"] is False
    assert response.json()["error"]["type"] == "AuthenticationError"

    # A run, started and followed to the end over SSE.
    body = {"connection": connection, "options": {"formats": ["atlan", "openlineage"]}}
    started = await http.post(
        "/workflows/v1/start", json=body, headers={**AUTH, "X-Request-ID": request_id}
    )
    assert started.status_code == 202, started.text
    assert started.headers["x-request-id"] == request_id
    workflow, run_id = started.json()["workflow_id"], started.json()["run_id"]
    events = await follow(http, workflow)
    assert events and events[-1][0] == "done"
    done = events[-1][1]
    assert done["status"] == "completed", done
    assert done["result"]["status"] in {"completed", "completed_with_warnings"}, done
    for url in (
        f"/workflows/v1/status/{workflow}", f"/runs/{run_id}", "/runs", "/metrics",
        f"/workflows/v1/results/{workflow}", f"/runs/{run_id}/export?format=csv",
        f"/runs/{run_id}/export?format=jsonl",
    ):  # fmt: skip
        response = await http.get(url, headers=AUTH)
        assert response.status_code == 200, f"{url}: {response.text}"

    # Every response of the test: headers and bodies (zip members too).
    responses = recorded(http)
    assert len(responses) >= 12
    for kept in responses:
        for text in texts_of(kept):
            assert password not in text, f"{kept.method} {kept.url}"

    # Every file under the data dir: the run's files and the logs.
    run_folder = api_settings.data_dir / "runs" / run_id
    run_files = [p for p in run_folder.rglob("*") if p.is_file()]
    assert (run_folder / "manifest.json") in run_files and len(run_files) > 5
    for path in (p for p in api_settings.data_dir.rglob("*") if p.is_file()):
        for text in texts_of_file(path):
            assert password not in text, path

    # The log was written by this run (connection details included), and line by line clean.
    log_files = sorted((api_settings.data_dir / "logs").glob("*"))
    assert log_file in log_files
    lines = [line for path in log_files for line in path.read_text("utf-8").splitlines()]
    assert not [line for line in lines if source_role.password in line]
    written = [line for line in lines if source_role.name in line and workflow in line]
    assert written, lines[-20:]


# --- Rate limit, body limit, CORS ------------------------------------------------------------


async def test_rate_limit_answers_429_with_retry_after(make_app: MakeApp) -> None:
    async with recording_client(make_app(rate_limit_per_minute=5)) as http:
        statuses = [(await http.get("/runs", headers=AUTH)).status_code for _ in range(5)]
        assert statuses == [200] * 5
        response = await http.get("/runs", headers=AUTH)
        assert response.status_code == 429
        assert error_type(response) == "TooManyRequests"
        retry_after = response.headers["retry-after"]
        assert retry_after.isdigit() and 1 <= int(retry_after) <= 61
        assert (await http.get("/health")).status_code == 200  # liveness is never limited


async def test_oversized_bodies_answer_413(http: httpx.AsyncClient, api_settings: Settings) -> None:
    limit = api_settings.max_body_bytes
    url = "/workflows/v1/start"
    headers = {**AUTH, "Content-Type": "application/json"}

    # Just under the limit: read and refused as invalid JSON, not as too large.
    response = await http.post(url, content=b" " * (limit - 10) + b"{", headers=headers)
    assert response.status_code == 422, response.text

    # Declared with Content-Length.
    response = await http.post(url, content=b"x" * (limit + 1), headers=headers)
    assert response.request.headers["content-length"] == str(limit + 1)
    assert response.status_code == 413, response.text
    assert error_type(response) == "PayloadTooLarge"

    # Streamed without Content-Length (chunked).
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    response = await http.post(url, content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413, response.text
    assert error_type(response) == "PayloadTooLarge"


async def test_cors_preflight_allows_only_listed_origins(http: httpx.AsyncClient) -> None:
    def preflight_headers(origin: str) -> dict[str, str]:
        return {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }

    evil = await http.options(
        "/workflows/v1/start", headers=preflight_headers("http://evil.example")
    )
    assert "access-control-allow-origin" not in evil.headers
    allowed = await http.options("/workflows/v1/start", headers=preflight_headers(ALLOWED_ORIGIN))
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]
    # A simple cross-origin request from elsewhere gets no CORS grant either.
    response = await http.get("/runs", headers={**AUTH, "Origin": "http://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


# --- Validation and errors -------------------------------------------------------------------


async def test_invalid_start_body_answers_422_naming_the_fields(http: httpx.AsyncClient) -> None:
    body = {"connection": {"host": "", "port": 70000, "user": "u", "bogus": 1}, "extra": True}
    response = await http.post("/workflows/v1/start", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    locations = {tuple(item["loc"]) for item in response.json()["detail"]}
    assert {
        ("body", "connection", "host"),
        ("body", "connection", "port"),
        ("body", "connection", "bogus"),
        ("body", "extra"),
    } <= locations
    response = await http.post("/workflows/v1/start", json={}, headers=AUTH)
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["body", "connection"]]


NASTY_IDS = [
    "not-a-run-id",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "%00",
    "20261127T083000Z-3f9a1c%00",
    "20261127T083000Z-3f9a1c",
    "sourcesense-..%2F..%2Fetc%2Fpasswd",
    "sourcesense-%00",
    "sourcesense-" + "9" * 100,
    "%F0%9F%92%A5",
    "a" * 2000,
    "%27%3B%20DROP%20TABLE%20x%3B--",
]
NASTY_ROUTES = [
    ("GET", "/runs/{}"),
    ("GET", "/runs/{}/export"),
    ("DELETE", "/runs/{}"),
    ("GET", "/workflows/v1/status/{}"),
    ("GET", "/workflows/v1/status/{}/stream"),
    ("GET", "/workflows/v1/results/{}"),
]


async def test_unknown_or_malicious_ids_answer_404_json_without_traceback(
    http: httpx.AsyncClient,
) -> None:
    failures = []
    for method, template in NASTY_ROUTES:
        for run_id in NASTY_IDS:
            url = template.format(run_id)
            response = await http.request(method, url, headers=AUTH)
            text = response.text
            if (
                response.status_code != 404
                or not response.headers["content-type"].startswith("application/json")
                or "Traceback" in text
                or 'File "' in text
            ):
                failures.append(f"{method} {url[:80]}: {response.status_code} {text[:300]}")
            elif "error" in response.json():
                assert error_type(response) == "RunNotFoundError"
    assert failures == []
    # Straight traversal is normalised away by the URL and never reaches a route.
    response = await http.get("/runs/../../etc/passwd", headers=AUTH)
    assert response.status_code == 404 and "root:" not in response.text


async def test_unexpected_errors_answer_500_without_details(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(_: object) -> None:
        raise RuntimeError("boom at /very/secret/path with password=hunter2")

    monkeypatch.setattr("sourcesense.api.routes.runs.list_runs", boom)
    async with recording_client(make_app(), raise_app_exceptions=False) as http:
        response = await http.get("/runs", headers=AUTH)
    assert response.status_code == 500
    assert error_type(response) == "InternalError"
    for leak in ("Traceback", "boom", "secret", "hunter2", 'File "'):
        assert leak not in response.text


# --- Logging filter --------------------------------------------------------------------------


def test_log_lines_are_redacted(tmp_path: Path) -> None:
    registered = f"registered-{uuid.uuid4().hex}"
    remember_secret(registered)
    with logging_to(tmp_path) as path:
        logger = logging.getLogger("sourcesense.test")
        logger.info(
            "connecting with %s to postgresql://alice:url-secret-1@db.example:5432/sales "
            "as host=h password=kv-secret-2 user=bob",
            registered,
        )
        logger.info('body {"password": "json secret 5"} and password=\'quoted secret 6\'')
        try:
            raise ValueError(f"failed with {registered}")
        except ValueError:
            logger.exception("oops postgresql://u:exc-secret-4@h/db")
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == 3
    text = "\n".join(lines)
    for secret in (registered, "url-secret-1", "kv-secret-2", "exc-secret-4", "json secret 5",
                   "secret 5", "quoted secret 6", "secret 6"):  # fmt: skip
        assert secret not in text
    entry = json.loads(lines[0])
    assert entry["level"] == "INFO" and entry["logger"] == "sourcesense.test"
    assert "postgresql://alice:****@db.example:5432/sales" in entry["message"]
    assert "password=****" in entry["message"] and "user=bob" in entry["message"]
    assert "ValueError" in json.loads(lines[2])["exception"]
