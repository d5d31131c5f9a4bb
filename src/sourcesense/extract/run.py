"""One extraction run in three steps, each a plain function that the CLI, the workflow
activities and the benchmark share:

  plan_run          connect, validate filters, list the databases in scope, create the run dir
  extract_part      one database, one snapshot, into raw/.parts/<index>/ (idempotent on retry)
  finish_run        merge the parts into raw/<kind>.parquet and write the final manifest
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa

from sourcesense.engines import get_engine
from sourcesense.errors import (
    ExtractionError,
    SourceSenseError,
    TransientError,
)
from sourcesense.extract.catalog import (
    DatabaseExtract,
    QueryOptions,
    extract_database,
    query_params,
    stream_batches,
)
from sourcesense.extract.filters import Filters, check_shape, validate_on_server
from sourcesense.extract.names import qualified
from sourcesense.extract.preflight import check_server_version
from sourcesense.extract.schemas import DATABASE_KINDS, SCHEMAS
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source, connect
from sourcesense.store.manifest import EXTRACTING, close_run, finish_manifest, new_manifest
from sourcesense.store.rundir import (
    MANIFEST,
    ParquetSink,
    create_run_dir,
    merge_parts,
    new_run_id,
    read_json,
    write_json,
)
from sourcesense.watchdog import ServerSilentError

MAX_LISTED_UNREADABLE = 200

# Called with (database, kind, rows) as each kind lands.
KindDone = Callable[[str, str, int], None]


@dataclass
class ExtractRequest:
    source: Source
    filters: Filters = field(default_factory=Filters)
    all_databases: bool = False
    options: QueryOptions = field(default_factory=QueryOptions)


@dataclass
class DatabaseTarget:
    name: str
    index: int
    can_connect: bool


@dataclass
class RunPlan:
    run_id: str
    run_dir: str
    server_version: str
    databases: list[DatabaseTarget]


@dataclass
class DatabasePart:
    """What one database yielded; its rows are in raw/.parts/<index>/."""

    name: str
    index: int
    status: str = "failed"  # completed | failed | skipped
    error: str | None = None
    snapshot: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    locked: list[dict[str, Any]] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)  # what earlier attempts failed on


@dataclass
class RunOutcome:
    run_dir: Path
    manifest: dict[str, Any]


def run_extraction(
    request: ExtractRequest,
    data_dir: Path,
    on_kind_done: KindDone | None = None,
    settings: Settings | None = None,
    run_id: str | None = None,
) -> RunOutcome:
    """The whole run in this process, database after database."""
    clock = time.perf_counter()
    plan = plan_run(request, data_dir, run_id, settings)
    parts = [
        _extract_or_fail(request, Path(plan.run_dir), target, on_kind_done, settings)
        for target in plan.databases
    ]
    finish_run(Path(plan.run_dir), parts, time.perf_counter() - clock)
    manifest = close_run(Path(plan.run_dir))  # no steps here: the raw files are the run
    assert manifest is not None
    return RunOutcome(run_dir=Path(plan.run_dir), manifest=manifest)


def _extract_or_fail(
    request: ExtractRequest,
    run_dir: Path,
    target: DatabaseTarget,
    on_kind_done: KindDone | None,
    settings: Settings | None,
) -> DatabasePart:
    """In-process runs have no retries: a transient failure fails that database only."""
    try:
        return extract_part(request, run_dir, target, on_kind_done, settings)
    except SourceSenseError as exc:
        return failed_part(target, exc.message)


def failed_part(target: DatabaseTarget, message: str) -> DatabasePart:
    return DatabasePart(
        target.name, target.index, error=message, errors=[f"{target.name}: {message}"]
    )


def plan_run(
    request: ExtractRequest,
    data_dir: Path,
    run_id: str | None = None,
    settings: Settings | None = None,
) -> RunPlan:
    """Check the source and the filters, list the databases in scope, create the run dir:
    done by the source's engine (sourcesense.engines)."""
    return get_engine(request.source.engine).plan_run(request, data_dir, run_id, settings)


def plan_postgresql_run(
    request: ExtractRequest,
    data_dir: Path,
    run_id: str | None = None,
    settings: Settings | None = None,
) -> RunPlan:
    """plan_run of PostgreSQL."""
    cfg = settings or get_settings()
    check_shape(request.filters)
    started = datetime.now(UTC)
    try:
        with connect(request.source, settings=cfg) as conn:
            validate_on_server(conn, request.filters)
            check_server_version(conn)
            # A scope names its databases: the connected one is not implied.
            scoped = request.all_databases or bool(request.filters.scope)
            only = None if scoped else conn.info.dbname
            params = query_params(request.filters, request.options, only)
            databases = list(stream_batches(conn, "databases", params, cfg.batch_rows))
            # A workflow's retry of this plan (same run id) reuses what an attempt that died
            # after this point made, unless the run went further.
            reuse = run_id is not None and not went_further(data_dir / "runs" / run_id)
            run_dir = create_run_dir(data_dir, run_id or new_run_id(started), reuse)
            manifest = new_manifest(run_dir.name, request, conn, started)
    except psycopg.Error as exc:
        raise as_sourcesense_error(exc) from None
    return record_plan(run_dir, manifest, databases, request)


def record_plan(
    run_dir: Path, manifest: dict[str, Any], databases: list[pa.RecordBatch],
    request: ExtractRequest,
) -> RunPlan:  # fmt: skip
    """Write the run's databases file and first manifest (any engine); the plan of its parts.
    A database whose engine cannot tell CONNECT (null) is tried."""
    sink = ParquetSink(run_dir / "raw", SCHEMAS)
    for batch in databases:
        sink.write("databases", batch)
    sink.close(["databases"])
    rows = pa.Table.from_batches(databases, schema=SCHEMAS["databases"]).to_pylist()
    manifest["warnings"].extend(request.filters.unmatched({row["catalog_name"] for row in rows}))
    write_json(run_dir / MANIFEST, manifest)
    targets = [
        DatabaseTarget(row["catalog_name"], index, row["can_connect"] is not False)
        for index, row in enumerate(rows)
    ]
    return RunPlan(run_dir.name, str(run_dir), manifest["server_version"], targets)


def went_further(run_dir: Path) -> bool:
    path = run_dir / MANIFEST
    return path.exists() and read_json(path).get("status") != EXTRACTING


def extract_part(
    request: ExtractRequest,
    run_dir: Path,
    target: DatabaseTarget,
    on_kind_done: KindDone | None = None,
    settings: Settings | None = None,
) -> DatabasePart:
    """Extract one database into its part folder, by the source's engine. Re-running replaces
    the part whole."""
    engine = get_engine(request.source.engine)
    return engine.extract_part(request, run_dir, target, on_kind_done, settings)


def extract_postgresql_part(
    request: ExtractRequest,
    run_dir: Path,
    target: DatabaseTarget,
    on_kind_done: KindDone | None = None,
    settings: Settings | None = None,
) -> DatabasePart:
    """extract_part of PostgreSQL."""
    cfg = settings or get_settings()
    part = DatabasePart(name=target.name, index=target.index)
    if not target.can_connect:
        part.status = "skipped"
        part.skipped.append({"object": qualified(target.name), "reason": "no CONNECT privilege"})
        return part
    sink = PartSink(part_dir(run_dir, target.index))

    def kind_done(kind: str, count: int) -> None:
        if on_kind_done is not None:
            on_kind_done(target.name, kind, count)

    params = query_params(request.filters, request.options, target.name)
    try:
        with connect(request.source, database=target.name, settings=cfg) as conn:
            result = extract_database(conn, params, sink, cfg.batch_rows, kind_done)
    except (SourceSenseError, psycopg.Error) as exc:
        sink.abort()
        failure = as_sourcesense_error(exc)
        if failure.retryable:
            _remember_attempt(run_dir, target.index, failure.message)
            raise failure from None
        part.error = failure.message
        part.errors.append(f"{target.name}: {failure.message}")
        return part
    sink.close(list(DATABASE_KINDS))
    record_part(part, result, sink.unreadable)
    part.retried = _earlier_attempts(run_dir, target.index)
    return part


def _attempts_file(run_dir: Path, index: int) -> Path:
    return part_dir(run_dir, index) / ".failed-attempts"


def _remember_attempt(run_dir: Path, index: int, message: str) -> None:
    """A retried database reports what its earlier attempts met (a hang, a lost server)."""
    path = _attempts_file(run_dir, index)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(message.replace("\n", " ") + "\n")


def _earlier_attempts(run_dir: Path, index: int) -> list[str]:
    path = _attempts_file(run_dir, index)
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


_TRANSIENT_STATES = {None, "57P01", "57P02", "57P03", "08000", "08003", "08006", "40001", "53300"}


def as_sourcesense_error(exc: SourceSenseError | psycopg.Error) -> SourceSenseError:
    """Our error for a failure mid-extraction; lost connections and restarts are transient."""
    if isinstance(exc, SourceSenseError):
        return exc
    if isinstance(exc, ServerSilentError):
        return TransientError(str(exc))
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else type(exc).__name__
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate in _TRANSIENT_STATES:
        return TransientError(f"connection lost during extraction: {message}")
    return ExtractionError(message)


def part_dir(run_dir: Path, index: int) -> Path:
    return run_dir / "raw" / ".parts" / f"{index:05d}"


def finish_run(run_dir: Path, parts: list[DatabasePart], elapsed: float) -> dict[str, Any]:
    """Merge the parts in database order and write the final manifest."""
    ordered = sorted(parts, key=lambda part: part.index)
    merge_parts(
        [part_dir(run_dir, part.index) for part in ordered if part.status != "skipped"],
        run_dir / "raw",
        {kind: SCHEMAS[kind] for kind in DATABASE_KINDS},
    )
    manifest = read_json(run_dir / MANIFEST)
    finish_manifest(manifest, [asdict(part) for part in ordered], elapsed)
    write_json(run_dir / MANIFEST, manifest)
    return manifest


class PartSink(ParquetSink):
    """A part's files, noting the tables without SELECT as relations pass by."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, SCHEMAS)
        self.unreadable: list[tuple[str, str]] = []

    def write(self, kind: str, batch: pa.RecordBatch) -> None:
        if kind == "relations":
            self.unreadable.extend(_unreadable(batch))
        super().write(kind, batch)

    def discard(self, kind: str) -> None:
        if kind == "relations":
            self.unreadable.clear()
        super().discard(kind)


def _unreadable(batch: pa.RecordBatch) -> list[tuple[str, str]]:
    data = batch.select(["schema_name", "table_name", "readable"]).to_pylist()
    return [(r["schema_name"], r["table_name"]) for r in data if r["readable"] is False]


def record_part(
    part: DatabasePart, result: DatabaseExtract, unreadable: list[tuple[str, str]]
) -> None:
    part.status = "failed" if result.errors else "completed"
    part.snapshot, part.counts, part.seconds = result.snapshot, result.counts, result.seconds
    part.warnings, part.errors, part.locked = result.warnings, result.errors, result.locked
    reason = "no SELECT privilege: catalog metadata extracted, table data not readable"
    for schema, table in unreadable[:MAX_LISTED_UNREADABLE]:
        part.skipped.append({"object": qualified(part.name, schema, table), "reason": reason})
    if len(unreadable) > MAX_LISTED_UNREADABLE:
        more = len(unreadable) - MAX_LISTED_UNREADABLE
        part.warnings.append(f"{part.name}: {more} more tables without SELECT")
