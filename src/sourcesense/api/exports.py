"""Run exports over HTTP: a cap on how many run at once, the zip built in a worker thread while
the client is watched, then streamed from its temporary file.

Memory per export stays bounded: the zip is written to disk one record batch at a time
(store.runs.export_run) and sent in 64 KiB chunks. The temporary file is unlinked as soon as it
is opened for sending, so it disappears however the response ends (complete, client gone,
server stopped); its disk space returns when the open file is closed.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from sourcesense.store.runs import ExportCancelledError, ExportFormat, export_run

CHUNK_BYTES = 64 * 1024
EXPORTS_DIR = ".exports"  # under data_dir; the leading dot marks it temporary, as in run dirs
RETRY_AFTER_S = 10


@dataclass
class ExportSlots:
    """How many exports may run at once (building or sending); the event loop is the only
    user, so a counter is enough."""

    limit: int
    taken: int = 0

    def take(self) -> bool:
        if self.taken >= self.limit:
            return False
        self.taken += 1
        return True

    def give_back(self) -> None:
        self.taken -= 1


def export_slots(request: Request, limit: int) -> ExportSlots:
    """The app's slots, made on first use (one per app, so apps under test never share them)."""
    slots = getattr(request.app.state, "export_slots", None)
    if not isinstance(slots, ExportSlots):
        slots = ExportSlots(limit)
        request.app.state.export_slots = slots
    return slots


async def build_export(
    request: Request, folder: Path, fmt: ExportFormat, data_dir: Path
) -> Path | None:
    """The export's temporary zip, built in a worker thread so the event loop stays free; None
    if the client went away meanwhile (the thread then stops at its next batch)."""
    gone = threading.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(request, gone))
    try:
        return await anyio.to_thread.run_sync(
            export_run, folder, fmt, data_dir / EXPORTS_DIR, gone.is_set
        )
    except ExportCancelledError:
        return None
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def _watch_disconnect(request: Request, gone: threading.Event) -> None:
    # A GET has no body: after its one empty request message, receive() waits for the end.
    while (await request.receive())["type"] != "http.disconnect":
        continue
    gone.set()


class ZipStream(StreamingResponse):
    """A built export, sent from its (already unlinked) temporary file; `done` runs once the
    response ends, whether complete, cancelled by a disconnect or failed."""

    def __init__(self, archive: Path, filename: str, done: Callable[[], None]) -> None:
        self.file = archive.open("rb")
        archive.unlink()
        self.done = done
        headers = {
            "Content-Length": str(os.fstat(self.file.fileno()).st_size),
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
        super().__init__(self._chunks(), media_type="application/zip", headers=headers)

    async def _chunks(self) -> AsyncIterator[bytes]:
        while chunk := await anyio.to_thread.run_sync(self.file.read, CHUNK_BYTES):
            yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.file.close()
            self.done()
