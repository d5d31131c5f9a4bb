"""store.runs.export_run on a run directory built here: each format's content equals the
whole-table conversion it replaced, over several record batches; staging never exported; a
stopped export leaves no file; temporary zips of a dead server are swept."""

from __future__ import annotations

import csv
import io
import json
import os
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sourcesense.store.rundir import write_json, write_table
from sourcesense.store.runs import (
    EXPORT_BATCH_ROWS,
    ExportCancelledError,
    ExportFormat,
    export_run,
)

ROWS = 2 * EXPORT_BATCH_ROWS + 17  # three record batches, the last one short
STAGING = (
    "transformed/.atlan.4242.tmp/Table/entities.json",
    "raw/.parts/relations-0.parquet",
    "raw/.relations.parquet.4242.tmp",
    "lineage/.openlineage.4242.tmp/events.json",
)


@pytest.fixture
def run(tmp_path: Path) -> Path:
    folder = tmp_path / "runs" / "20261127T083000Z-3f9a1c"
    folder.mkdir(parents=True)
    write_json(folder / "manifest.json", {"run_id": folder.name, "status": "completed"})
    stamp = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    table = pa.table({
        "name": [f"tâble_{i} \"q\",\n" for i in range(ROWS)],
        "size": [None if i % 7 == 0 else i for i in range(ROWS)],
        "columns": [[f"c{i}", "ü"] if i % 3 else [] for i in range(ROWS)],
        "seen_at": [stamp] * ROWS,
    })  # fmt: skip
    write_table(folder / "raw" / "relations.parquet", table)
    write_table(folder / "raw" / "empty.parquet", table.slice(0, 0))
    (folder / "transformed" / "atlan").mkdir(parents=True)
    (folder / "transformed" / "atlan" / "entities.json").write_text("[]")
    # Staging, as an interrupted step leaves it: folders and files named with a leading dot.
    for staged in STAGING:
        (folder / staged).parent.mkdir(parents=True, exist_ok=True)
        (folder / staged).write_bytes((folder / "raw" / "relations.parquet").read_bytes())
    return folder


def whole_table(path: Path, fmt: str) -> str:
    """What the export wrote before it streamed: the whole table converted at once."""
    rows = pq.read_table(path).to_pylist()
    if fmt == "jsonl":
        return "".join(json.dumps(row, default=str, ensure_ascii=False) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=pq.read_schema(path).names)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_each_format_equals_the_whole_table_conversion(
    run: Path, tmp_path: Path, fmt: ExportFormat
) -> None:
    archive = export_run(run, fmt, tmp_path / "exports")
    with zipfile.ZipFile(archive) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names == ["manifest.json", f"raw/empty.{fmt}", f"raw/relations.{fmt}",
                         "transformed/atlan/entities.json"]  # fmt: skip
        for kind in ("empty", "relations"):
            written = zf.read(f"raw/{kind}.{fmt}")
            source = run / "raw" / f"{kind}.parquet"
            if fmt == "parquet":
                assert written == source.read_bytes()
            else:
                assert written.decode() == whole_table(source, fmt)
                assert zf.getinfo(f"raw/{kind}.{fmt}").external_attr == 0o600 << 16


def test_a_stopped_export_leaves_no_file(run: Path, tmp_path: Path) -> None:
    into = tmp_path / "exports"
    asked: list[bool] = []

    def stop_at_the_second_batch() -> bool:
        asked.append(True)
        return len(asked) > 3  # two files' checks, then the first batch of relations

    with pytest.raises(ExportCancelledError):
        export_run(run, "jsonl", into, stop_at_the_second_batch)
    assert len(asked) == 4 and list(into.iterdir()) == []


def test_temporary_zips_left_by_a_dead_server_are_swept(run: Path, tmp_path: Path) -> None:
    into = tmp_path / "exports"
    into.mkdir()
    stale, recent = into / "old-export.zip", into / "under-way.zip"
    stale.write_bytes(b"PK")
    recent.write_bytes(b"PK")
    two_hours_ago = time.time() - 7_200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    archive = export_run(run, "parquet", into)
    assert sorted(into.iterdir()) == sorted([archive, recent])
