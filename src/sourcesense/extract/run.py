"""One extraction run: every database in scope, each in its own snapshot, into a run directory.

This is the core entry point that the CLI, the workflow activities and the benchmark call.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pyarrow as pa

from sourcesense.errors import SourceSenseError, UnsupportedServerError
from sourcesense.extract.catalog import (
    DatabaseExtract,
    QueryOptions,
    extract_database,
    query_params,
    stream_batches,
)
from sourcesense.extract.filters import Filters, check_shape, validate_on_server
from sourcesense.extract.schemas import DATABASE_KINDS, SCHEMAS
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source, connect
from sourcesense.store.rundir import MANIFEST, ParquetSink, create_run_dir, new_run_id, write_json

MIN_SERVER_VERSION = 120000
MAX_LISTED_UNREADABLE = 200


class Progress(Protocol):
    def database_started(self, database: str, index: int, total: int) -> None: ...
    def kind_done(self, database: str, kind: str, rows: int) -> None: ...


@dataclass
class ExtractRequest:
    source: Source
    filters: Filters = field(default_factory=Filters)
    all_databases: bool = False
    options: QueryOptions = field(default_factory=QueryOptions)


@dataclass
class RunOutcome:
    run_dir: Path
    manifest: dict[str, Any]


def run_extraction(
    request: ExtractRequest,
    data_dir: Path,
    progress: Progress | None = None,
    settings: Settings | None = None,
    run_id: str | None = None,
) -> RunOutcome:
    """Extract every database in scope. Raises only when nothing can be extracted at all."""
    cfg = settings or get_settings()
    check_shape(request.filters)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    with connect(request.source, settings=cfg) as first:
        validate_on_server(first, request.filters)
        version = first.info.server_version
        if version < MIN_SERVER_VERSION:
            raise UnsupportedServerError(
                f"PostgreSQL {first.info.parameter_status('server_version')} is not supported: "
                "SourceSense needs PostgreSQL 12 or newer"
            )
        only = None if request.all_databases else first.info.dbname
        params = query_params(request.filters, request.options, only)
        databases = pa.Table.from_batches(
            list(stream_batches(first, "databases", params, cfg.batch_rows)),
            schema=SCHEMAS["databases"],
        )
        run_dir = create_run_dir(data_dir, run_id or new_run_id(started))
        manifest = _new_manifest(run_dir.name, request, first, started)
        write_json(run_dir / MANIFEST, manifest)
        sink = ParquetSink(run_dir / "raw", SCHEMAS)
        try:
            for batch in databases.to_batches():
                sink.write("databases", batch)
            rows = databases.to_pylist()
            for index, row in enumerate(rows):
                if progress is not None:
                    progress.database_started(row["catalog_name"], index, len(rows))
                _extract_one(request, row, first, params, sink, manifest, progress, cfg)
        except BaseException:
            sink.abort()
            manifest |= {"status": "failed", "finished_at": datetime.now(UTC).isoformat()}
            manifest["errors"].append("run interrupted before it finished")
            write_json(run_dir / MANIFEST, manifest)
            raise
    sink.close(["databases", *DATABASE_KINDS])
    _finish_manifest(manifest, time.perf_counter() - clock)
    write_json(run_dir / MANIFEST, manifest)
    return RunOutcome(run_dir=run_dir, manifest=manifest)


def _extract_one(
    request: ExtractRequest,
    row: dict[str, Any],
    first: psycopg.Connection[Any],
    params: dict[str, Any],
    sink: ParquetSink,
    manifest: dict[str, Any],
    progress: Progress | None,
    cfg: Settings,
) -> None:
    name = row["catalog_name"]
    entry: dict[str, Any] = {"name": name, "status": "failed", "error": None}
    manifest["databases"].append(entry)
    if not row["can_connect"]:
        entry["status"] = "skipped"
        manifest["skipped"].append({"object": name, "reason": "no CONNECT privilege"})
        return
    unreadable: list[str] = []

    def write(kind: str, batch: pa.RecordBatch) -> None:
        if kind == "relations":
            unreadable.extend(_unreadable(batch))
        sink.write(kind, batch)

    def kind_done(kind: str, count: int) -> None:
        if progress is not None:
            progress.kind_done(name, kind, count)

    try:
        if name == first.info.dbname:
            result = extract_database(first, params, write, cfg.batch_rows, kind_done)
        else:
            with connect(request.source, database=name, settings=cfg) as conn:
                result = extract_database(conn, params, write, cfg.batch_rows, kind_done)
    except (SourceSenseError, psycopg.Error) as exc:
        message = exc.message if isinstance(exc, SourceSenseError) else str(exc).strip()
        entry["error"] = message.splitlines()[0] if message else type(exc).__name__
        manifest["errors"].append(f"{name}: {entry['error']}")
        return
    _record(entry, manifest, result, unreadable)


def _unreadable(batch: pa.RecordBatch) -> list[str]:
    data = batch.select(["schema_name", "table_name", "readable"]).to_pylist()
    return [f"{r['schema_name']}.{r['table_name']}" for r in data if r["readable"] is False]


def _record(
    entry: dict[str, Any], manifest: dict[str, Any], result: DatabaseExtract, unreadable: list[str]
) -> None:
    entry |= {"status": "failed" if result.errors else "completed", "snapshot": result.snapshot}
    entry |= {"counts": result.counts, "seconds": result.seconds}
    manifest["warnings"].extend(result.warnings)
    manifest["errors"].extend(result.errors)
    reason = "no SELECT privilege: catalog metadata extracted, table data not readable"
    for qualified in unreadable[:MAX_LISTED_UNREADABLE]:
        manifest["skipped"].append({"object": f"{result.database}.{qualified}", "reason": reason})
    if len(unreadable) > MAX_LISTED_UNREADABLE:
        more = len(unreadable) - MAX_LISTED_UNREADABLE
        manifest["warnings"].append(f"{result.database}: {more} more tables without SELECT")


def _new_manifest(
    run_id: str, request: ExtractRequest, conn: psycopg.Connection[Any], started: datetime
) -> dict[str, Any]:
    src = request.source
    return {
        "manifest_version": 1,
        "run_id": run_id,
        "status": "running",
        "started_at": started.isoformat(),
        "finished_at": None,
        "elapsed_seconds": None,
        "source": {
            "url": src.redacted_url(),
            "host": src.host,
            "port": src.port,
            "user": conn.info.user,
            "database": conn.info.dbname,
        },
        "server_version": conn.info.parameter_status("server_version"),
        "server_version_num": conn.info.server_version,
        "all_databases": request.all_databases,
        "filters": request.filters.patterns(),
        "options": asdict(request.options),
        "databases": [],
        "counts": {},
        "timings": {},
        "warnings": [],
        "errors": [],
        "skipped": [],
    }


def _finish_manifest(manifest: dict[str, Any], elapsed: float) -> None:
    entries = manifest["databases"]
    if not entries:
        manifest["warnings"].append("no database matched the database filters")
    counts = {"databases": len(entries)}
    timings: dict[str, float] = {}
    for entry in entries:
        for kind, count in entry.get("counts", {}).items():
            counts[kind] = counts.get(kind, 0) + count
        for kind, seconds in entry.get("seconds", {}).items():
            timings[kind] = round(timings.get(kind, 0.0) + seconds, 4)
    extracted = [e for e in entries if e["status"] == "completed"]
    if not extracted and any(e["status"] == "failed" for e in entries):
        status = "failed"
    elif manifest["errors"] or manifest["warnings"] or len(extracted) < len(entries):
        status = "completed_with_warnings"
    else:
        status = "completed"
    manifest |= {"status": status, "counts": counts, "timings": timings}
    manifest["finished_at"] = datetime.now(UTC).isoformat()
    manifest["elapsed_seconds"] = round(elapsed, 3)
