"""Schemathesis against the app's own OpenAPI spec: no 5xx, no response outside the spec.

Cases are generated (positive and negative) with Hypothesis in a worker thread; each request is
sent on the test's event loop through httpx.ASGITransport, where the app and its Temporal client
live, and checked with Schemathesis' response checks.

Nothing leaves the machine: the app's task queue has no worker (started workflows just sit
queued on the session's dev server), every host a generated request could connect to is set to
127.0.0.1 before it is sent, and psycopg.connect itself refuses any other host during the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from psycopg.conninfo import conninfo_to_dict
from schemathesis import Case as AnyCase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok
from schemathesis.schemas import APIOperation as AnyOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.source import parse_dsn
from sourcesense.store.results import EXTRA, SEARCHABLE
from tests.api.conftest import AUTH, BASE_URL, MakeApp
from tests.pg import PgServer

Case = AnyCase[Any]
APIOperation = AnyOperation[Any, Any, Any, Any]
EXAMPLES = 30  # per operation and generation mode (about 40 operations within the time budget)
MIN_REQUESTS = 500
TIME_BUDGET_S = 55.0
LOCAL_HOST = "127.0.0.1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ENUMERATED = {
    "GET /workflows/v1/results/{workflow}": {"kind": [*SEARCHABLE, *EXTRA]},
    "GET /runs/{run_id}/export": {"format": ["jsonl", "parquet", "csv"]},
}
# The operations that connect to the source given in the request.
CONNECTING = {"POST /workflows/v1/preflight", "GET /workflows/v1/metadata"}
# Path parameters that name a run: filled with real runs' ids in a second, positive pass.
RUN_PARAMETERS = {"run_id", "run_a", "run_b", "workflow"}


@dataclass
class Fuzz:
    """Sends cases from the Hypothesis thread to the app on the event loop; keeps the tally."""

    loop: asyncio.AbstractEventLoop
    http: httpx.AsyncClient
    deadline: float
    closed_port: int
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    titles: Counter[str] = field(default_factory=Counter)
    out_of_time: int = 0

    def send(self, case: Case) -> None:
        if time.monotonic() > self.deadline:
            self.out_of_time += 1
            return
        keep_local(case, self.closed_port)
        kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=AUTH)
        # The spec declares bearer security, so negative cases may leave the token out: the
        # token is tested elsewhere (test_security); here every case reaches the routes.
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **AUTH}
        prepared = requests.Request(
            method=kwargs["method"], url=kwargs["url"], headers=kwargs.get("headers"),
            params=kwargs.get("params"), cookies=kwargs.get("cookies"),
            json=kwargs.get("json"), data=kwargs.get("data"),
        ).prepare()  # fmt: skip
        headers = [
            (name.encode("latin-1"), value.encode("latin-1") if isinstance(value, str) else value)
            for name, value in prepared.headers.items()
            if name.lower() not in {"content-length", "connection"}
        ]
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        assert body is None or isinstance(body, bytes)
        request = self.http.request(
            str(prepared.method), str(prepared.url), headers=headers, content=body
        )
        response = asyncio.run_coroutine_threadsafe(request, self.loop).result(timeout=30)
        self.requests[case.operation.label] += 1
        self.statuses[response.status_code] += 1
        checks = CHECKS
        if source_unreachable(case, response):  # the documented 502, not a bug of the API
            checks = [check for check in CHECKS if check is not not_a_server_error]
        try:
            case.validate_response(response, checks=checks, headers=AUTH)
        except FailureGroup as exc:
            title = f"{case.operation.label} -> {response.status_code}"
            self.failures.append(f"{title}\n{exc}\n{response.text[:500]}")
            self.titles[f"{title}: {', '.join(sorted({f.title for f in exc.exceptions}))}"] += 1

    def run(
        self, operation: APIOperation, mode: GenerationMode, fixed: dict[str, Any], examples: int
    ) -> None:
        strategy = operation.as_strategy(generation_mode=mode, **fixed)

        @settings(
            max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
            suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
        )  # fmt: skip
        @given(strategy)
        def fuzz(case: Case) -> None:
            self.send(case)

        with contextlib.suppress(Unsatisfiable):  # e.g. no negative string path parameter
            fuzz()


def keep_local(case: Case, closed_port: int) -> None:
    """Every `host` a request could connect to becomes 127.0.0.1, and its port (when valid, or
    missing: 5432) a port nobody listens on: the metadata query (FastAPI takes any value, or the
    last of a list, as a string) and the JSON bodies of preflight and of start's `connection`."""
    holders: list[dict[str, Any]] = []
    if isinstance(case.query, dict):
        holders.append(case.query)
    if isinstance(case.body, dict):
        holders += [h for h in (case.body, case.body.get("connection")) if isinstance(h, dict)]
    for holder in holders:
        if "host" in holder:
            holder["host"] = LOCAL_HOST
            if "port" not in holder or valid_port(holder["port"]):
                holder["port"] = closed_port


def valid_port(value: object) -> bool:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return 0 < int(str(value)) < 65536
    except ValueError:
        return False


def source_unreachable(case: Case, response: httpx.Response) -> bool:
    if response.status_code != 502 or case.operation.label not in CONNECTING:
        return False
    body = response.json()
    return isinstance(body, dict) and body.get("error", {}).get("type") == "ConnectionFailedError"


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def local_connections_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """psycopg.connect refuses (and records) any host outside 127.0.0.0/8 during the test."""
    refused: list[str] = []
    connect = psycopg.connect

    def guarded(conninfo: str = "", **kwargs: Any) -> psycopg.Connection[Any]:
        params = {**conninfo_to_dict(conninfo), **kwargs}
        hosts = str(params.get("host") or "").split(",")
        if not all(is_loopback(host) for host in hosts):
            refused.append(str(params.get("host")))
            raise psycopg.OperationalError("refused by the test: not a loopback host")
        return connect(conninfo, **kwargs)

    monkeypatch.setattr(psycopg, "connect", guarded)
    return refused


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound by no listener: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind((LOCAL_HOST, 0))
        yield int(sock.getsockname()[1])


def real_runs(pg: PgServer, database: str, data_dir: Path) -> list[str]:
    """Two completed runs of sample_db in the app's data dir (for the run ids and the diff)."""
    source = parse_dsn(pg.conninfo(database))
    return [run_extraction(ExtractRequest(source), data_dir).run_dir.name for _ in range(2)]


def fixed_run_ids(operation: APIOperation, runs: list[str]) -> dict[str, str] | None:
    names = {p.name for p in operation.path_parameters}
    if not names & RUN_PARAMETERS or operation.method.upper() == "DELETE":
        return None
    values = {"run_id": runs[0], "run_a": runs[0], "run_b": runs[1],
              "workflow": f"sourcesense-{runs[0]}"}  # fmt: skip
    return {name: values[name] for name in names if name in values}


def has_inputs(operation: APIOperation) -> bool:
    """Whether a negative case can exist: a body, or a query or header parameter."""
    return bool(operation.body) or bool(operation.query) or bool(operation.headers)


async def test_api_conforms_to_its_openapi_spec(
    make_app: MakeApp, embedded_server: PgServer, sample_db_embedded: str,
    local_connections_only: list[str], closed_port: int, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # No worker polls this app's task queue: generated runs are started and stay queued.
    app: FastAPI = make_app()
    settings_ = app.state.settings
    runs = await asyncio.to_thread(
        real_runs, embedded_server, sample_db_embedded, settings_.data_dir
    )
    schema = schemathesis.openapi.from_dict(app.openapi())
    results = list(schema.get_all_operations())
    assert not [result.err() for result in results if isinstance(result, Err)]
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 12
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    started = time.monotonic()
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=30) as http:
        fuzz = Fuzz(asyncio.get_running_loop(), http, started + TIME_BUDGET_S, closed_port)

        plan: list[tuple[APIOperation, GenerationMode, dict[str, Any], int]] = []
        for operation in operations:
            plan.append((operation, GenerationMode.POSITIVE, {}, EXAMPLES))
            if has_inputs(operation):
                plan.append((operation, GenerationMode.NEGATIVE, {}, EXAMPLES))
            fixed = fixed_run_ids(operation, runs)
            if fixed:
                real = {"path_parameters": fixed}
                plan.append((operation, GenerationMode.POSITIVE, real, EXAMPLES))
                # The values a string parameter must take to reach the real data.
                for name, values in ENUMERATED.get(operation.label, {}).items():
                    plan += [
                        (operation, GenerationMode.POSITIVE, real | {"query": {name: value}}, 5)
                        for value in values
                    ]

        def run_all() -> None:
            for operation, mode, fixed, examples in plan:
                fuzz.run(operation, mode, fixed, examples)

        await asyncio.to_thread(run_all)
    elapsed = time.monotonic() - started
    summary = json.dumps(
        {"requests": sum(fuzz.requests.values()), "seconds": round(elapsed, 1),
         "statuses": dict(sorted(fuzz.statuses.items())), "per_operation": fuzz.requests},
        indent=1,
    )  # fmt: skip
    print(summary)
    print(json.dumps(fuzz.titles, indent=1))
    assert local_connections_only == [], "a generated request tried to leave the machine"
    assert not fuzz.failures, "\n\n".join(fuzz.failures[:10]) + f"\n\n{summary}"
    assert sum(fuzz.requests.values()) >= MIN_REQUESTS, summary
    assert fuzz.out_of_time == 0, f"{fuzz.out_of_time} cases skipped after the time budget"
    assert set(fuzz.requests) == {op.label for op in operations}, summary
