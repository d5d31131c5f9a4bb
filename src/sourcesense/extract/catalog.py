"""Run the bulk catalog queries of one database inside one read-only snapshot.

One query per entity kind, whatever the number of tables; results stream from the server in
chunks and leave as Arrow record batches, so memory stays bounded on any catalog size.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Protocol

import psycopg
import pyarrow as pa
import pyarrow.compute as pc

from sourcesense.extract.filters import Filters
from sourcesense.extract.names import qualified
from sourcesense.extract.schemas import DATABASE_KINDS, SCHEMAS
from sourcesense.quality.pii import drop_pii_mcvs
from sourcesense.watchdog import WatchedConnection


class BatchSink(Protocol):
    """Where a kind's batches go as they arrive; `discard` drops what a kind wrote so far (its
    query failed midway: a kind is never half written)."""

    def write(self, kind: str, batch: pa.RecordBatch) -> None: ...

    def discard(self, kind: str) -> None: ...


_INCLUDES = ("scoped_relations", "scoped_schemas")
# `/*since 140000*/ ... /*end*/`: SQL kept only from that server_version_num on, for catalog
# columns and functions older servers lack (a CASE cannot hide them: they fail at parse time).
_SINCE = re.compile(r"/\*since (\d{6})\*/(.*?)/\*end\*/", re.DOTALL)


@dataclass(frozen=True)
class QueryOptions:
    exact_sizes: bool = True
    index_definitions: bool = True
    include_mcv: bool = False  # most common values can be personal data
    # With include_mcv, those of PII-named columns too (quality.pii.drop_pii_mcvs).
    include_pii_values: bool = False


@dataclass
class DatabaseExtract:
    """What one database yielded: rows and seconds per kind, and why anything is missing."""

    database: str
    snapshot: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    locked: list[dict[str, Any]] = field(default_factory=list)  # left out for others' locks


@cache
def query_text(kind: str, server_version: int | None = None) -> str:
    """The SQL of one kind, with the shared scope queries substituted in and the parts newer
    than `server_version` (server_version_num; None: the newest server) left out."""
    folder = resources.files("sourcesense.extract") / "queries"
    sql = (folder / f"{kind}.sql").read_text(encoding="utf-8")
    for include in _INCLUDES:
        marker = f"/*{include}*/"
        if marker in sql:
            sql = sql.replace(marker, (folder / f"{include}.sql").read_text(encoding="utf-8"))
    return _SINCE.sub(lambda gate: _gated(gate, server_version), sql)


def _gated(gate: re.Match[str], server_version: int | None) -> str:
    newer = server_version is not None and server_version < int(gate.group(1))
    return "" if newer else gate.group(2)


def query_params(
    filters: Filters, options: QueryOptions, database: str | None = None
) -> dict[str, Any]:
    params = filters.as_params(database)
    return {**params, **vars(options), "only_database": database, "locked": []}


def stream_batches(
    conn: WatchedConnection, kind: str, params: dict[str, Any], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Run one kind's query and yield its rows as record batches of at most `batch_rows`."""
    schema = SCHEMAS[kind]
    # Most common values are personal data in PII columns: left out unless asked for.
    protect = (
        kind == "column_stats"
        and params.get("include_mcv")
        and not params.get("include_pii_values")
    )
    rows: list[tuple[Any, ...]] = []
    with conn.cursor() as cur:
        for row in cur.stream(
            query_text(kind, conn.info.server_version), params, size=min(batch_rows, 5_000)
        ):
            rows.append(row)
            if len(rows) >= batch_rows:
                yield drop_pii_mcvs(to_batch(rows, schema)) if protect else to_batch(rows, schema)
                rows = []
    if rows:
        yield drop_pii_mcvs(to_batch(rows, schema)) if protect else to_batch(rows, schema)


def to_batch(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    arrays = [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def extract_database(
    conn: WatchedConnection,
    params: dict[str, Any],
    sink: BatchSink,
    batch_rows: int,
    on_kind_done: Callable[[str, int], None] | None = None,
) -> DatabaseExtract:
    """Read every per-database kind in one REPEATABLE READ READ ONLY transaction.

    Relations that other sessions lock are read first, and the calls that would wait on them
    are left out (locks.sql). A kind whose query fails is recorded as an error and its rows are
    dropped whole; the kinds after it still run, because the failed query is rolled back to a
    savepoint inside the same snapshot. A lost connection ends the database (the caller
    records it).
    """
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    result = DatabaseExtract(database=conn.info.dbname)
    sink = CountingForeignKeys(sink)
    with conn.transaction():
        snapshot = conn.execute("SELECT pg_catalog.txid_current_snapshot()::text").fetchone()
        result.snapshot = str(snapshot[0]) if snapshot else ""
        params = {**params, "locked": _read_locks(conn, params, result)}
        for kind in DATABASE_KINDS:
            started = time.perf_counter()
            result.counts[kind] = _read_kind(conn, kind, params, batch_rows, result, sink)
            result.seconds[kind] = round(time.perf_counter() - started, 4)
            if on_kind_done is not None:
                on_kind_done(kind, result.counts[kind])
                if kind == "constraints":  # what the progress's "foreign keys" stage counts
                    on_kind_done("foreign_keys", sink.foreign_keys)
    if result.locked:
        result.warnings.append(
            f"{result.database}: {len(result.locked)} relations locked by other sessions or "
            "relations and routines reading locked ones: the fields that need their lock are null "
            "(manifest 'locked')"
        )
    return result


class CountingForeignKeys:
    """Passes batches on, counting the foreign keys among the constraints: what the
    progress's "foreign keys" stage counts."""

    def __init__(self, sink: BatchSink) -> None:
        self.sink, self.foreign_keys = sink, 0

    def write(self, kind: str, batch: pa.RecordBatch) -> None:
        if kind == "constraints":
            mask = pc.equal(batch.column("constraint_type"), pa.scalar("foreign_key"))
            self.foreign_keys += len(pc.indices_nonzero(mask))
        self.sink.write(kind, batch)

    def discard(self, kind: str) -> None:
        if kind == "constraints":
            self.foreign_keys = 0
        self.sink.discard(kind)


def _read_locks(
    conn: WatchedConnection, params: dict[str, Any], result: DatabaseExtract
) -> list[int]:
    """The oids other sessions lock; what that leaves out in scope is added to `result`."""
    locks = query_text("locks", conn.info.server_version)
    rows = conn.execute(locks, {**params, "locked": []}).fetchall()
    known = {(entry["object"], entry["reason"]) for entry in result.locked}
    for locked_oid, schema, name, pid, granted, in_schema, table, reason in rows:
        if in_schema is None:
            continue  # out of scope, but a view in scope may still read it
        entry = {
            "object": qualified(result.database, in_schema, table),
            "reason": _lock_reason(reason, qualified(schema, name), pid, granted),
            "locked_relation": qualified(result.database, schema, name),
            "locked_oid": locked_oid,
        }
        if (entry["object"], entry["reason"]) not in known:
            result.locked.append(entry)
    return sorted({row[0] for row in rows})


_LEFT_OUT = {
    "self": "definitions, defaults, expressions, partition bound and key, and size left out",
    "index": "size left out",
    "source": "view definition left out",
    "partition": "size, row estimate and partition count left out",
    "sequence": "last_value left out",
    "routine": "SQL-standard function body left out",
}


def _lock_reason(reason: str, locked: str, pid: int | None, granted: bool) -> str:
    holder = f"{'held' if granted else 'awaited'} by pid {pid}"
    if pid is None:
        holder = "held by a prepared transaction"
    what = "itself" if reason in ("self", "sequence") else locked
    return f"ACCESS EXCLUSIVE lock on {what} {holder}: {_LEFT_OUT[reason]}"


def _read_kind(
    conn: WatchedConnection,
    kind: str,
    params: dict[str, Any],
    batch_rows: int,
    result: DatabaseExtract,
    sink: BatchSink,
    retried: bool = False,
) -> int:
    """Stream one kind into `sink`; its row count. On failure what it wrote is discarded.

    A lock taken since the locks were read, or the statement timeout, gets one more try: with
    the newly locked relations left out (from then on, in `params`), or with twice the time.
    """
    try:
        # A savepoint, so a failure leaves the snapshot usable; rolled back even on success,
        # which releases the locks the kind's functions took (pg_total_relation_size,
        # pg_get_viewdef, ... each lock what they read until the end of the transaction):
        # held to the snapshot's end they filled the server's lock table on a 50,000-table
        # catalog ("out of shared memory" for every kind after the indexes). The snapshot is
        # the transaction's, and nothing was written, so nothing is lost.
        with conn.transaction(force_rollback=True):
            count = 0
            for batch in stream_batches(conn, kind, params, batch_rows):
                sink.write(kind, batch)
                count += batch.num_rows
            return count
    except psycopg.Error as exc:
        sink.discard(kind)
        if conn.broken or conn.closed:
            raise
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if not retried and isinstance(exc, psycopg.errors.LockNotAvailable):
            # In place: the kinds after this one leave the new lock out too.
            params["locked"] = sorted({*params["locked"], *_read_locks(conn, params, result)})
            return _read_kind(conn, kind, params, batch_rows, result, sink, True)
        if not retried and _statement_timeout(exc):
            result.warnings.append(f"{result.database}: {kind}: {reason}; tried again")
            with conn.longer_statements():
                return _read_kind(conn, kind, params, batch_rows, result, sink, True)
        result.errors.append(f"{result.database}: {kind}: {reason}")
        return 0


def _statement_timeout(exc: psycopg.Error) -> bool:
    return isinstance(exc, psycopg.errors.QueryCanceled) and "statement timeout" in str(exc)
