"""The run store: the runs under <data_dir>/runs, read from their manifests; exports; deletion."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Literal

import pyarrow.parquet as pq

from sourcesense.errors import ConfigError, SourceSenseError
from sourcesense.incremental.fingerprints import FINGERPRINTS_FILE
from sourcesense.store.rundir import MANIFEST, read_json

RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
ExportFormat = Literal["jsonl", "parquet", "csv"]


class RunNotFoundError(SourceSenseError):
    exit_code = 6
    http_status = 404


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


def export_run(folder: Path, fmt: ExportFormat) -> Path:
    """A zip of the manifest and every Parquet file, converted to `fmt`; the caller removes it."""
    handle, name = tempfile.mkstemp(prefix=f"{folder.name}-", suffix=".zip")
    with open(handle, "wb") as raw_file, zipfile.ZipFile(raw_file, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(folder / MANIFEST, MANIFEST)
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if path.name.startswith(".") or not path.is_file() or relative == MANIFEST:
                continue
            if _bookkeeping(relative):
                continue
            if path.suffix != ".parquet":
                zf.write(path, relative)
            else:
                _write_table(zf, path, relative, fmt)
    return Path(name)


def _bookkeeping(relative: str) -> bool:
    """What a run keeps for the next run's reuse only: not part of an export."""
    return relative.startswith("incremental/") and relative != FINGERPRINTS_FILE.as_posix()


def _write_table(zf: zipfile.ZipFile, path: Path, relative: str, fmt: ExportFormat) -> None:
    if fmt == "parquet":
        zf.write(path, relative)
        return
    rows = pq.read_table(path).to_pylist()
    target = relative.removesuffix(".parquet") + f".{fmt}"
    if fmt == "jsonl":
        text = "".join(json.dumps(row, default=str, ensure_ascii=False) + "\n" for row in rows)
    else:
        text = _csv(rows, pq.read_schema(path).names)
    zf.writestr(target, text)


def _csv(rows: list[dict[str, Any]], names: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue()


def check_format(fmt: str) -> ExportFormat:
    if fmt not in ("jsonl", "parquet", "csv"):
        raise ConfigError(f"export format must be jsonl, parquet or csv, not '{fmt[:20]}'")
    return fmt  # type: ignore[return-value]
