"""The API end to end: start an extraction of sample_db, follow its SSE stream to the end, page
through results, export a zip and check its contents; and the run's webhook, signed, retried."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

from sourcesense.notify import SIGNATURE_HEADER
from tests.api.conftest import API_TOKEN, AUTH, Role
from tests.api.test_security import follow


def start_body(role: Role, database: str, **options: Any) -> dict[str, Any]:
    connection = {"host": role.host, "port": role.port, "user": role.name,
                  "password": role.password, "database": database}  # fmt: skip
    return {"connection": connection, "options": options}


async def test_extraction_end_to_end(
    http: httpx.AsyncClient, worker: None, source_role: Role, sample_db_embedded: str
) -> None:
    started = await http.post("/workflows/v1/start", headers=AUTH,
                              json=start_body(source_role, sample_db_embedded))  # fmt: skip
    assert started.status_code == 202, started.text
    workflow = started.json()["workflow_id"]
    events = await follow(http, workflow)
    names = [name for name, _ in events]
    assert names[-1] == "done" and names.count("done") == 1 and "progress" in names
    final = events[-1][1]
    assert final["status"] == "completed" and final["result"]["status"] == "completed"
    assert all(stage["status"] in ("done", "skipped") for stage in final["stages"].values())

    # Page through every column, 40 at a time: each once, in a stable order.
    seen: list[tuple[str, str, str]] = []
    offset, total = 0, None
    while total is None or offset < total:
        params: dict[str, str | int] = {"kind": "columns", "offset": offset, "limit": 40}
        page = (
            await http.get(f"/workflows/v1/results/{workflow}", headers=AUTH, params=params)
        ).json()
        total = page["entities"]["total"]
        seen += [
            (c["schema_name"], c["table_name"], c["column_name"]) for c in page["entities"]["items"]
        ]
        offset += 40
    assert len(seen) == len(set(seen)) == total == page["manifest"]["counts"]["columns"]
    params = {"kind": "columns", "q": "EMAIL", "schema": "ecommerce", "offset": 0}
    search = (
        await http.get(f"/workflows/v1/results/{workflow}", headers=AUTH, params=params)
    ).json()
    assert {(c["table_name"], c["column_name"]) for c in search["entities"]["items"]} == {
        ("users", "email")
    }

    run_id = started.json()["run_id"]
    export = await http.get(f"/runs/{run_id}/export", headers=AUTH, params={"format": "csv"})
    assert export.status_code == 200 and export.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        names_in_zip = set(archive.namelist())
        assert {"manifest.json", "raw/relations.csv", "raw/columns.csv", "lineage/edges.csv",
                "transformed/atlan/Table/entities.json", "incremental/fingerprints.csv",
                } <= names_in_zip  # fmt: skip
        # What a run keeps only for the next run's reuse is not exported.
        assert not {"incremental/lineage.json", "incremental/atlan.lines.csv"} & names_in_zip
        manifest = json.loads(archive.read("manifest.json"))
        columns_csv = archive.read("raw/columns.csv").decode().splitlines()
    assert manifest["run_id"] == run_id
    # The stream's last word on the transformation: the entities each format wrote.
    formats = manifest["steps"]["transformation"]["formats"]
    assert final["stages"]["transformation"]["counts"] == {
        name: entry["entities"] for name, entry in formats.items()
    }
    assert all(entry["entities"] > 0 for entry in formats.values())
    assert len(columns_csv) == total + 1  # header + one line per column
    assert (await http.get("/runs", headers=AUTH)).json()[0]["run_id"] == run_id


class Receiver(http.server.BaseHTTPRequestHandler):
    """Fails the first delivery with 503, accepts the next: the retry must happen."""

    calls: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append((str(self.headers[SIGNATURE_HEADER]), body))
        self.send_response(503 if len(Receiver.calls) == 1 else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


async def test_webhook_is_signed_and_retried(
    http: httpx.AsyncClient, worker: None, source_role: Role, sample_db_embedded: str,
    receiver: str,
) -> None:  # fmt: skip
    body = start_body(source_role, sample_db_embedded, webhook_url=receiver, formats=[])
    workflow = (await http.post("/workflows/v1/start", headers=AUTH, json=body)).json()[
        "workflow_id"
    ]
    events = await follow(http, workflow)
    assert events[-1][1]["status"] == "completed"
    assert len(Receiver.calls) == 2, "one failed delivery, then one retry"
    for signature, payload in Receiver.calls:
        expected = "sha256=" + hmac.new(API_TOKEN.encode(), payload, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected)
        event = json.loads(payload)
        assert (event["event"], event["status"]) == ("run.finished", "completed")
        assert event["workflow_id"] == workflow
    run_id = workflow.removeprefix("sourcesense-")
    steps = (await http.get(f"/runs/{run_id}", headers=AUTH)).json()["steps"]
    assert steps["webhook"].pop("seconds") >= 1.0  # both attempts and the 1 s backoff between
    assert steps["webhook"] == {"status": "completed", "error": None, "url": receiver,
                                "http_status": 200, "attempts": 2}  # fmt: skip
