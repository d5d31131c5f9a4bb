"""The run store: the runs under <data_dir>/runs, read from their manifests; exports; deletion."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pyarrow.parquet as pq

from sourcesense.errors import ConfigError, RunNotFoundError, SourceSenseError
from sourcesense.incremental.fingerprints import FINGERPRINTS_FILE
from sourcesense.store.rundir import MANIFEST, read_json

RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
ExportFormat = Literal["jsonl", "parquet", "csv"]


def run_dir(data_dir: Path, run_id: str) -> Path:
    """The folder of a run; the id is checked first, so it can never name another path."""
    if not RUN_ID.match(run_id):
        raise RunNotFoundError(f"no run '{run_id[:40]}': run ids look like 20261127T083000Z-3f9a1c")
    folder = data_dir / "runs" / run_id
    if not (folder / MANIFEST).exists():
        raise RunNotFoundError(f"no run '{run_id}' in {data_dir}")
    return folder


def manifests(data_dir: Path) -> list[dict[str, Any]]:
    """Every run's manifest, newest first; each file read once."""
    found = [
        read_json(folder / MANIFEST)
        for folder in (data_dir / "runs").glob("*")
        if RUN_ID.match(folder.name) and (folder / MANIFEST).exists()
    ]
    return sorted(found, key=lambda manifest: str(manifest["started_at"]), reverse=True)


SUMMARY_KEYS = (
    "run_id", "status", "started_at", "finished_at", "source", "server_version", "counts",
)  # fmt: skip


def summary(manifest: dict[str, Any]) -> dict[str, Any]:
    return {key: manifest.get(key) for key in SUMMARY_KEYS}


def list_runs(data_dir: Path) -> list[dict[str, Any]]:
    """Newest first: id, status, source, times and counts of every run."""
    return [summary(manifest) for manifest in manifests(data_dir)]


def delete_run(data_dir: Path, run_id: str) -> None:
    shutil.rmtree(run_dir(data_dir, run_id))


class ExportCancelledError(SourceSenseError):
    """The client of an export went away before its zip was complete."""


EXPORT_BATCH_ROWS = 2_048  # rows converted at a time: an export's memory stays a few MB
STALE_EXPORT_S = 3_600  # a temporary zip untouched this long belongs to no export under way


def _never() -> bool:
    return False


def export_run(
    folder: Path, fmt: ExportFormat, into: Path, stop: Callable[[], bool] = _never
) -> Path:
    """A zip of the manifest and every Parquet file, converted to `fmt` one record batch at a
    time, in a new temporary file in `into`; the caller removes it. `stop` is asked between
    batches: true removes the file and raises ExportCancelledError."""
    into.mkdir(parents=True, exist_ok=True)
    _remove_stale(into)
    handle, name = tempfile.mkstemp(prefix=f"{folder.name}-", suffix=".zip", dir=into)
    try:
        with open(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(folder / MANIFEST, MANIFEST)
            for path, relative in exported_files(folder):
                _check(stop, folder)
                if path.suffix != ".parquet":
                    zf.write(path, relative)
                else:
                    _write_table(zf, path, relative, fmt, stop)
    except FileNotFoundError:
        Path(name).unlink(missing_ok=True)
        raise RunNotFoundError(f"run '{folder.name}' was deleted during its export") from None
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _check(stop: Callable[[], bool], where: Path) -> None:
    if stop():
        raise ExportCancelledError(f"export cancelled at {where.name}: its client went away")


def exported_files(folder: Path) -> list[tuple[Path, str]]:
    """The files of a run an export holds, in path order, with their paths in the zip: not the
    manifest, not bookkeeping, and nothing staged: a file or folder whose name starts with '.'
    is temporary (rundir's convention), so nothing under it is walked or exported."""
    found: list[Path] = []
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [Path(root, name) for name in files if not name.startswith(".")]
    exported = []
    for path in sorted(found):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != MANIFEST and not _bookkeeping(relative):
            exported.append((path, relative))
    return exported


def _remove_stale(into: Path) -> None:
    """Temporary zips left by a server that died mid-export (an export under way writes to its
    file all the time, and a finished one is unlinked as soon as it is opened for sending)."""
    for path in into.glob("*.zip"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < time.time() - STALE_EXPORT_S:
                path.unlink()


def _bookkeeping(relative: str) -> bool:
    """What a run keeps for the next run's reuse only: not part of an export."""
    return relative.startswith("incremental/") and relative != FINGERPRINTS_FILE.as_posix()


def _write_table(
    zf: zipfile.ZipFile, path: Path, relative: str, fmt: ExportFormat, stop: Callable[[], bool]
) -> None:
    if fmt == "parquet":
        zf.write(path, relative)
        return
    entry = zipfile.ZipInfo(relative.removesuffix(".parquet") + f".{fmt}", time.localtime()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o600 << 16  # what ZipFile.writestr gives its entries
    # zip64 because the converted size is unknown until the end and may pass 4 GB.
    with pq.ParquetFile(path) as parquet, zf.open(entry, "w", force_zip64=True) as out:
        names = parquet.schema_arrow.names
        if fmt == "csv":
            out.write(_csv([], names, header=True).encode())
        for batch in parquet.iter_batches(batch_size=EXPORT_BATCH_ROWS):
            _check(stop, path)
            rows = batch.to_pylist()
            out.write((_jsonl(rows) if fmt == "jsonl" else _csv(rows, names)).encode())


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, default=str, ensure_ascii=False) + "\n" for row in rows)


def _csv(rows: list[dict[str, Any]], names: list[str], header: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names)
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue()


def check_format(fmt: str) -> ExportFormat:
    if fmt not in ("jsonl", "parquet", "csv"):
        raise ConfigError(f"export format must be jsonl, parquet or csv, not '{fmt[:20]}'")
    return fmt  # type: ignore[return-value]
