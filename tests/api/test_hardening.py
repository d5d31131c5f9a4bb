"""The smaller hardening items: proxy headers trusted only from configured addresses, 422 for
lone surrogates and bad host names, security headers, webhook URLs redacted, no server paths in
errors, sanitised request ids, filters compiled by the source at /start. (The rate limiter's
bounded state is tested in tests/unit/test_api_hardening.py.)"""

from __future__ import annotations

import base64
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from sourcesense.notify import WebhookError, send_webhook
from sourcesense.settings import Settings
from tests.api.conftest import API_TOKEN, AUTH, RUN_ID, Role, recorded
from tests.api.test_flow import start_body
from tests.api.test_security import follow
from tests.ui.conftest import _free_port, _spawn, _stop, _wait_healthy
from tests.workflow.conftest import SECRET_KEY

START = "/workflows/v1/start"


# --- a) X-Forwarded-For is believed only from configured proxies -------------------------------


def serve(tmp_path: Path, address: str, **settings: str) -> Iterator[str]:
    """A real `sourcesense serve` on loopback, on the session's Temporal server."""
    port = _free_port()
    env = {**os.environ, "SOURCESENSE_SECRET_KEY": SECRET_KEY, "SOURCESENSE_API_TOKEN": API_TOKEN,
           "SOURCESENSE_RATE_LIMIT_PER_MINUTE": "3"} | settings  # fmt: skip
    args = ["serve", "--temporal-address", address, "--out", str(tmp_path / "data"),
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    tmp_path.mkdir(parents=True)
    process = _spawn(args, env, tmp_path / "serve.log")
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, process, tmp_path / "serve.log")
        yield url
    finally:
        _stop(process)


def statuses_with_rotating_forwarded_for(url: str) -> list[int]:
    with httpx.Client(base_url=url, headers=AUTH) as client:
        return [
            client.get("/runs", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(5)
        ]


def test_rotating_x_forwarded_for_does_not_bypass_the_rate_limit(
    tmp_path: Path, temporal_env: WorkflowEnvironment
) -> None:
    address = str(temporal_env.client.service_client.config.target_host)
    for url in serve(tmp_path / "direct", address):
        assert statuses_with_rotating_forwarded_for(url) == [200, 200, 200, 429, 429]
    # Behind a configured proxy, each forwarded client has its own window.
    for url in serve(tmp_path / "proxied", address, SOURCESENSE_TRUSTED_PROXIES='["127.0.0.1"]'):
        assert statuses_with_rotating_forwarded_for(url) == [200] * 5


# --- c) 422, not 500 ----------------------------------------------------------------------------


async def test_lone_surrogates_and_empty_dns_labels_answer_422(
    http: httpx.AsyncClient, source_role: Role
) -> None:
    headers = AUTH | {"Content-Type": "application/json"}
    connection = '{"host": "db.example", "user": "u"'
    for body, where in (
        ('{"host": "\\ud800", "user": "u"}', "host"),
        ('{"host": "db.example", "user": "\\udfff"}', "user"),
        ('{"host": "db.example", "user": "u", "password": "x\\ud800"}', "password"),
        ('{"host": "db.example", "user": "u", "database": "\\ud800\\ud800"}', "database"),
    ):
        response = await http.post("/workflows/v1/preflight", content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", where]
    for extra, path in (
        ('"filters": {"include_table": "\\ud800"}', ["filters", "include_table"]),
        ('"options": {"webhook_url": "http://h.example/\\ud800"}', ["options", "webhook_url"]),
        ('"options": {"formats": ["\\ud800"]}', ["options", "formats"]),
    ):
        body = f'{{"connection": {connection}}}, {extra}}}'
        response = await http.post(START, content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", *path]
    body = json.dumps({"connection": {"host": "db..example", "user": "u"}})
    response = await http.post(START, content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith("connection.host: ")
    assert all(r.status < 500 for r in recorded(http))


# --- d) security headers -----------------------------------------------------------------------


async def test_security_headers_on_ui_api_and_error_answers(http: httpx.AsyncClient) -> None:
    answers = [
        await http.get("/ui/"),
        await http.get("/ui/app.js"),
        await http.get("/runs", headers=AUTH),
        await http.get("/runs"),  # 401
        await http.get(f"/runs/{RUN_ID}", headers=AUTH),  # 404
        await http.get("/health"),
    ]
    for response in answers:
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, response.url
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
    assert [r.status_code for r in answers] == [200, 200, 200, 401, 404, 200]
    # The UI page loads nothing inline that this policy would block.
    page = answers[0].text
    assert "<style" not in page and " style=" not in page and "<script>" not in page
    docs = await http.get("/docs")
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


# --- e) webhook URLs redacted everywhere ---------------------------------------------------------


class FlakyReceiver(http.server.BaseHTTPRequestHandler):
    """503 to the first delivery, 200 to the next."""

    calls: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        FlakyReceiver.calls.append((self.path, str(self.headers["Authorization"])))
        self.send_response(503 if len(FlakyReceiver.calls) == 1 else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def flaky_receiver() -> Iterator[int]:
    FlakyReceiver.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


async def test_webhook_urls_are_redacted_wherever_stored_logged_or_returned(
    http: httpx.AsyncClient, worker: None, source_role: Role, sample_db_embedded: str,
    flaky_receiver: int, log_file: Path, api_settings: Settings,
    temporal_env: WorkflowEnvironment,
) -> None:  # fmt: skip
    url = f"http://hookuser:HOOKPASS@127.0.0.1:{flaky_receiver}/hook?token=HOOKTOKEN"
    body = start_body(source_role, sample_db_embedded, webhook_url=url, formats=[],
                      lineage=False)  # fmt: skip
    started = await http.post(START, headers=AUTH, json=body)
    assert started.status_code == 202, started.text
    workflow = started.json()["workflow_id"]
    events = await follow(http, workflow)
    assert events[-1][1]["status"] == "completed"
    # The real URL was called, its user info sent as HTTP Basic credentials.
    basic = "Basic " + base64.b64encode(b"hookuser:HOOKPASS").decode()
    assert FlakyReceiver.calls == [("/hook?token=HOOKTOKEN", basic)] * 2
    run_id = workflow.removeprefix("sourcesense-")
    steps = (await http.get(f"/runs/{run_id}", headers=AUTH)).json()["steps"]
    assert steps["webhook"]["url"] == f"http://127.0.0.1:{flaky_receiver}/hook?****"
    await http.get("/runs", headers=AUTH)
    await http.get(f"/workflows/v1/status/{workflow}", headers=AUTH)
    history = await temporal_env.client.get_workflow_handle(workflow).fetch_history()
    places = {
        "responses": b"".join(r.body for r in recorded(http)),
        "log": log_file.read_bytes(),
        "files": b"".join(p.read_bytes() for p in api_settings.data_dir.rglob("*") if p.is_file()
                          and p.suffix in (".json", ".log", ".csv", ".jsonl")),
        "history": history.to_json().encode(),
    }  # fmt: skip
    assert b"answered 503" in places["log"]  # the failed attempt was logged...
    for place, text in places.items():
        for secret in (b"HOOKPASS", b"HOOKTOKEN", b"hookuser"):
            assert secret not in text, f"{secret!r} in {place}"  # ...without the URL's secrets


def test_webhook_errors_name_the_url_redacted(flaky_receiver: int) -> None:
    url = f"http://u:SECRETPASS@127.0.0.1:{flaky_receiver}/x?sig=SECRETSIG"
    for target in (url, url.replace(str(flaky_receiver), "1")):  # 503, then connection refused
        with pytest.raises(WebhookError) as caught:
            send_webhook(target, {}, "key", timeout_s=5)
        assert "SECRET" not in caught.value.message and "?****" in caught.value.message


# --- f) no absolute paths in API errors; g) request ids -----------------------------------------


async def test_api_errors_show_no_server_paths(
    http: httpx.AsyncClient, api_settings: Settings
) -> None:
    for path in (f"/runs/{RUN_ID}", f"/runs/{RUN_ID}/export", f"/workflows/v1/results/{RUN_ID}"):
        response = await http.get(path, headers=AUTH)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["message"] == f"no run '{RUN_ID}' in the data directory"
    response = await http.delete(f"/runs/{RUN_ID}", headers=AUTH)
    assert response.status_code == 404
    for answer in recorded(http):
        assert str(api_settings.data_dir).encode() not in answer.body
        assert b"/tmp" not in answer.body


async def test_only_safe_request_ids_are_echoed(http: httpx.AsyncClient) -> None:
    safe = "req-1.2:abc_DEF"
    response = await http.get("/runs", headers=AUTH | {"X-Request-ID": safe})
    assert response.headers["x-request-id"] == safe
    for unsafe in ("a\tb", "abc\x7f", "a b", "<script>", "a/b", "x" * 65, "é"):
        raw: Any = unsafe.encode("latin-1")
        response = await http.get("/runs", headers=[*AUTH.items(), ("X-Request-ID", raw)])
        echoed = response.headers["x-request-id"]
        assert echoed != unsafe and len(echoed) == 32 and echoed.isalnum(), echoed


# --- h) filters compiled by the source at /start -----------------------------------------------


async def test_start_refuses_patterns_the_source_cannot_compile(
    http: httpx.AsyncClient, source_role: Role, temporal_env: WorkflowEnvironment
) -> None:
    connection = start_body(source_role, "postgres")["connection"]
    for pattern in ("(", "(?P<name>x)", "[[:nope:]]"):  # the last two are valid in Python
        body = {"connection": connection, "filters": {"include_table": pattern}}
        response = await http.post(START, json=body, headers=AUTH)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["type"] == "InvalidFilterError"
        assert error["message"].startswith("filters.include_table: invalid regular expression")
    # PostgreSQL syntax Python's re rejects (\y: word boundary) is accepted.
    body = {"connection": connection, "filters": {"exclude_schema": r"\ytmp\y"}}
    response = await http.post(START, json=body, headers=AUTH)
    assert response.status_code == 202, response.text
    # No worker serves this test's queue: end the accepted run here.
    await temporal_env.client.get_workflow_handle(response.json()["workflow_id"]).terminate()
