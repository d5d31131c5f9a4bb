"""The bulk catalog queries of MySQL/MariaDB: one per kind for the whole server, inside one
consistent, read-only snapshot, whatever the number of tables.

Kinds without a MySQL counterpart (sequences, policies, types, extensions, column statistics)
are written empty: the run format stays the one of every engine. View dependencies come from
the views' definitions (views.py), table level.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa
import pymysql
import pymysql.cursors

from sourcesense.engines.mysql.connection import Session
from sourcesense.engines.mysql.views import ViewSources
from sourcesense.extract.catalog import (
    BatchSink,
    CountingForeignKeys,
    DatabaseExtract,
    QueryOptions,
)
from sourcesense.extract.filters import Filters
from sourcesense.extract.schemas import DATABASE_KINDS, SCHEMAS

SERVER_GONE = (2006, 2013)  # "server has gone away", "lost connection"
CATALOG = "def"  # information_schema's TABLE_CATALOG: the one "database" of a MySQL server
SYSTEM_SCHEMAS = ("mysql", "sys", "performance_schema", "information_schema")
KINDS = ("schemas", "relations", "columns", "constraints", "indexes", "routines", "triggers",
         "privileges")  # fmt: skip
# `/*schema_filter t.TABLE_SCHEMA*/`: the shared filter on that column; `/*mariadb*/.../*end*/`
# and `/*mysql*/.../*end*/`: SQL for one flavour only (the other's columns do not exist).
_INCLUDE = re.compile(r"/\*(schema_filter|table_filter) ([\w.]+)\*/")
_FLAVOUR = re.compile(r"/\*(mariadb|mysql)\*/(.*?)/\*end\*/", re.DOTALL)


@cache
def query_text(kind: str, flavour: str) -> str:
    """The SQL of one kind for one flavour (mysql | mariadb), filters substituted in."""
    folder = resources.files("sourcesense.extract") / "queries" / "mysql"
    sql = (folder / f"{kind}.sql").read_text(encoding="utf-8")

    def include(match: re.Match[str]) -> str:
        text = (folder / f"{match.group(1)}.sql").read_text(encoding="utf-8").strip()
        return "(" + text.replace("COL", match.group(2)) + ")"

    sql = _INCLUDE.sub(include, sql)
    return _FLAVOUR.sub(lambda m: m.group(2) if m.group(1) == flavour else "", sql)


def query_params(
    filters: Filters, options: QueryOptions, flavour: str, only_schema: str | None
) -> dict[str, Any]:
    """The bound parameters: patterns as given, scope lists as JSON, a scope's table patterns
    as one alternation (a table matching any of them)."""
    params = filters.as_params(CATALOG)
    for name in ("scope_databases", "scope_schemas"):
        params[name] = json.dumps(params[name]) if params[name] is not None else None
    tables = params["scope_tables"]
    params["scope_tables"] = "|".join(f"(?:{t})" for t in tables) if tables else None
    return {**params, "only_schema": only_schema, "engine": flavour,
            "mariadb": flavour == "mariadb", "exact_sizes": options.exact_sizes}  # fmt: skip


def _value(value: Any, dtype: pa.DataType) -> Any:
    """A driver value as the run format's type: lists arrive as JSON text, booleans as 0/1,
    sums as Decimal, names as bytes on some servers."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if pa.types.is_list(dtype):
        return json.loads(value) if isinstance(value, str) else value
    if pa.types.is_boolean(dtype):
        return bool(value)
    if pa.types.is_integer(dtype):
        return int(value)
    if pa.types.is_floating(dtype):
        return float(value)
    return value if pa.types.is_timestamp(dtype) else str(value)


def to_batch(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    arrays = [
        pa.array([_value(v, f.type) for v in col], type=f.type)
        for col, f in zip(columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def stream_batches(
    session: Session, kind: str, params: dict[str, Any], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """One kind's query, its rows streamed from the server (an unbuffered cursor)."""
    schema = SCHEMAS[kind]
    rows: list[tuple[Any, ...]] = []
    with session.conn.cursor(pymysql.cursors.SSCursor) as cur:
        cur.execute(query_text(kind, session.flavour), params)
        for row in cur.fetchall_unbuffered():
            rows.append(row)
            if len(rows) >= batch_rows:
                yield to_batch(rows, schema)
                rows = []
    if rows:
        yield to_batch(rows, schema)


def extract_catalog(
    session: Session,
    params: dict[str, Any],
    sink: BatchSink,
    batch_rows: int,
    on_kind_done: Callable[[str, int], None] | None = None,
) -> DatabaseExtract:
    """Read every kind in one consistent, read-only snapshot.

    The snapshot is InnoDB's: the statistics of InnoDB tables are read as of its start; the
    data dictionary (MySQL 8) or the table definitions (MariaDB) are read as they are, under
    the metadata locks of each statement, which lock_wait_timeout bounds. A kind whose query
    fails is recorded and its rows dropped; the kinds after it still run.
    """
    result = DatabaseExtract(database=CATALOG)
    views = ViewSources(sink)
    counting = CountingForeignKeys(views)
    with session.conn.cursor() as cur:
        cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        cur.execute("SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')")
        started = cur.fetchone()
    result.snapshot = f"consistent snapshot at {started[0] if started else ''}"
    try:
        for kind in DATABASE_KINDS:
            clock = time.perf_counter()
            if kind == "view_dependencies":
                count = _view_dependencies(views, result, counting)
            else:
                count = _read_kind(session, kind, params, batch_rows, result, counting)
            result.counts[kind] = count
            result.seconds[kind] = round(time.perf_counter() - clock, 4)
            if on_kind_done is not None:
                on_kind_done(kind, count)
                if kind == "constraints":
                    on_kind_done("foreign_keys", counting.foreign_keys)
    finally:
        with contextlib.suppress(pymysql.Error):  # a lost connection ends it anyway
            session.conn.rollback()  # read only: nothing to keep
    return result


def _view_dependencies(views: ViewSources, result: DatabaseExtract, sink: BatchSink) -> int:
    batch, warnings = views.dependencies(CATALOG)
    result.warnings += warnings
    if batch is None:
        return 0
    sink.write("view_dependencies", batch)
    return batch.num_rows


def _read_kind(
    session: Session,
    kind: str,
    params: dict[str, Any],
    batch_rows: int,
    result: DatabaseExtract,
    sink: BatchSink,
) -> int:
    if kind not in KINDS:
        return 0  # no MySQL counterpart: an empty file of the kind's schema
    count = 0
    try:
        for batch in stream_batches(session, kind, params, batch_rows):
            sink.write(kind, batch)
            count += batch.num_rows
    except pymysql.Error as exc:
        if exc.args and exc.args[0] in SERVER_GONE:  # the caller records it (or retries)
            raise
        sink.discard(kind)
        result.errors.append(f"{CATALOG}: {kind}: {exc.args[-1] if exc.args else exc}")
        return 0
    return count
