"""The run directory layout and its atomic writers.

Every file is written under a temporary name in its final folder and renamed when complete,
so a crash never leaves a half file that looks whole.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.errors import ConfigError

MANIFEST = "manifest.json"


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by time, unique across processes: 20261127T083000Z-3f9a1c."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def create_run_dir(data_dir: Path, run_id: str, reuse: bool = False) -> Path:
    """A new run directory; `reuse` accepts one an earlier attempt of the same plan made."""
    run_dir = data_dir / "runs" / run_id
    try:
        (run_dir / "raw").mkdir(parents=True, exist_ok=reuse)
    except OSError as exc:
        raise ConfigError(f"cannot create run directory {run_dir}: {exc.strerror}") from None
    return run_dir


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def read_json(path: Path) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return payload


def write_json(path: Path, payload: dict[str, Any]) -> None:
    tmp = _temporary(path)
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_table(path: Path, table: pa.Table) -> None:
    """One Parquet file, written under a temporary name in its folder and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class ParquetSink:
    """One Parquet writer per kind under a folder, each file renamed into place on close."""

    def __init__(self, folder: Path, schemas: dict[str, pa.Schema]) -> None:
        self.folder = folder
        self.schemas = schemas
        self._writers: dict[str, pq.ParquetWriter] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, kind: str, batch: pa.RecordBatch) -> None:
        writer = self._writers.get(kind)
        if writer is None:
            path = _temporary(self.folder / f"{kind}.parquet")
            writer = pq.ParquetWriter(path, self.schemas[kind], compression="zstd")
            self._writers[kind] = writer
        writer.write_batch(batch)

    def close(self, kinds: list[str]) -> None:
        """Finish the files of `kinds` (an empty file for a kind with no rows) and rename them."""
        for kind in kinds:
            final = self.folder / f"{kind}.parquet"
            writer = self._writers.pop(kind, None)
            if writer is None:
                pq.write_table(self.schemas[kind].empty_table(), _temporary(final))
            else:
                writer.close()
            os.replace(_temporary(final), final)

    def discard(self, kind: str) -> None:
        """Drop what `kind` wrote so far; closing it then gives an empty file."""
        writer = self._writers.pop(kind, None)
        if writer is not None:
            writer.close()
            _temporary(self.folder / f"{kind}.parquet").unlink(missing_ok=True)

    def abort(self) -> None:
        for kind in list(self._writers):
            self.discard(kind)


def merge_parts(parts: list[Path], folder: Path, schemas: dict[str, pa.Schema]) -> None:
    """Concatenate each kind's part files, in order, into folder/<kind>.parquet; drop the parts.

    One part (a single database) is simply renamed into place.
    """
    for kind, schema in schemas.items():
        final = folder / f"{kind}.parquet"
        files = [part / f"{kind}.parquet" for part in parts if (part / f"{kind}.parquet").exists()]
        if len(files) == 1:
            os.replace(files[0], final)
            continue
        tmp = _temporary(final)
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for file in files:
                writer.write_table(pq.read_table(file, schema=schema))
        os.replace(tmp, final)
    for part in parts:
        shutil.rmtree(part, ignore_errors=True)
    shutil.rmtree(folder / ".parts", ignore_errors=True)
