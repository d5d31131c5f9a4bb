"""Exports over HTTP on a real extraction of sample_db: staging folders of the run are never in
the zip; beyond max_concurrent_exports a request gets 429 with Retry-After; a slot and the
temporary file are given back when the response ends, also when the client hangs up."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.types import Message

from sourcesense.api.exports import EXPORTS_DIR
from sourcesense.settings import Settings
from tests.api.conftest import API_TOKEN, AUTH, MakeApp, MakeSettings, recording_client
from tests.helpers import extract
from tests.pg import PgServer

STAGING = (
    "transformed/.atlan.4242.tmp/Table/entities.json",
    "raw/.parts/columns-0.parquet",
    "raw/.columns.parquet.4242.tmp",
    "lineage/.openlineage.4242.tmp/events.json",
)


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    return make_settings(max_concurrent_exports=1)


@pytest.fixture
def run_id(settings: Settings, embedded_server: PgServer, sample_db_embedded: str) -> str:
    """A real run of sample_db in the app's data dir, with the staging folders and files an
    interrupted step leaves behind."""
    outcome = extract(embedded_server, sample_db_embedded, settings.data_dir)
    for staged in STAGING:
        (outcome.run_dir / staged).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(outcome.run_dir / "raw" / "columns.parquet", outcome.run_dir / staged)
    return outcome.run_dir.name


@pytest.fixture
def app(make_app: MakeApp, settings: Settings) -> FastAPI:
    return make_app(settings)


def temporary_zips(settings: Settings) -> list[Path]:
    return list((settings.data_dir / EXPORTS_DIR).glob("*"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
async def test_exports_leave_staging_files_out(
    app: FastAPI, settings: Settings, run_id: str, fmt: str
) -> None:
    async with recording_client(app) as http:
        export = await http.get(f"/runs/{run_id}/export", headers=AUTH, params={"format": fmt})
    assert export.status_code == 200, export.text
    assert export.headers["content-disposition"] == (
        f'attachment; filename="sourcesense-{run_id}-{fmt}.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
    assert {"manifest.json", f"raw/columns.{fmt}", f"raw/relations.{fmt}"} <= set(names)
    assert [name for name in names if any(part.startswith(".") for part in name.split("/"))] == []
    assert not any(name.startswith("lineage/") for name in names)  # only staging was there
    assert temporary_zips(settings) == []


@dataclass
class SlowClient:
    """An HTTP client driven by hand: it takes the response body only once `reading` is set,
    and hangs up on the first body chunk when `hang_up` says how: "drop" (as uvicorn does, what
    is sent after a disconnect is dropped) or "raise" (the server's send fails)."""

    hang_up: str = ""
    reading: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    status: int = 0
    body: bytearray = field(default_factory=bytearray)
    asked: bool = False

    async def receive(self) -> Message:
        if not self.asked:
            self.asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.started.set()
            await self.reading.wait()
        elif message["type"] == "http.response.body":
            if self.hang_up:
                self.gone.set()
                if self.hang_up == "raise":
                    raise OSError("connection reset by peer")
                return
            self.body += message.get("body", b"")

    async def export(self, app: FastAPI, run_id: str) -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": f"/runs/{run_id}/export", "raw_path": f"/runs/{run_id}/export".encode(),
            "root_path": "", "query_string": b"format=jsonl", "client": ("127.0.0.1", 50000),
            "server": ("test", 80), "headers": [(b"host", b"test"),
                                                (b"authorization", f"Bearer {API_TOKEN}".encode())],
        }  # fmt: skip
        await app(scope, self.receive, self.send)


async def test_beyond_the_cap_exports_get_429_until_a_slot_is_free(
    app: FastAPI, settings: Settings, run_id: str
) -> None:
    slow = SlowClient()
    first = asyncio.create_task(slow.export(app, run_id))
    await asyncio.wait_for(slow.started.wait(), 60)  # built, and held: its client reads nothing
    async with recording_client(app) as http:
        refused = await http.get(f"/runs/{run_id}/export", headers=AUTH)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["error"]["type"] == "TooManyRequests"
        assert "retry later" in refused.json()["error"]["message"]
        slow.reading.set()
        await asyncio.wait_for(first, 60)
        assert slow.status == 200
        with zipfile.ZipFile(io.BytesIO(bytes(slow.body))) as archive:
            assert "raw/columns.jsonl" in archive.namelist()
        assert temporary_zips(settings) == []
        assert (await http.get(f"/runs/{run_id}/export", headers=AUTH)).status_code == 200


@pytest.mark.parametrize("hang_up", ["drop", "raise"])
async def test_a_client_hanging_up_gives_back_its_slot_and_file(
    app: FastAPI, settings: Settings, run_id: str, hang_up: str
) -> None:
    slow = SlowClient(hang_up=hang_up)
    slow.reading.set()
    with contextlib.suppress(OSError):
        await asyncio.wait_for(slow.export(app, run_id), 60)
    assert slow.status == 200 and slow.gone.is_set()
    assert temporary_zips(settings) == []
    async with recording_client(app) as http:
        assert (await http.get(f"/runs/{run_id}/export", headers=AUTH)).status_code == 200
