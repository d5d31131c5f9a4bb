"""Sampled profiling across the run's databases, table by table, within a time budget.

Each database gets one read-only connection (sourcesense.source.connect). A table that
cannot be profiled (no SELECT privilege, time limit, lock wait, error) keeps its statistics
profile and adds one warning; profiling never stops the assessment.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from sourcesense.errors import SourceSenseError, StopRequested, check_stop
from sourcesense.quality.options import QualityOptions
from sourcesense.quality.sampling import TableSample, choose_plan, run_profile
from sourcesense.quality.statistics import TableInfo, TableKey, group_by_catalog
from sourcesense.settings import Settings
from sourcesense.source import Source, connect

SAMPLED_KINDS = ("table", "partitioned_table", "materialized_view")

# relpages per relation (summed over partitions) from pg_class: no lock, no table data.
_PAGES = """
WITH RECURSIVE tree(root, relid) AS (
    SELECT c.oid, c.oid FROM pg_catalog.pg_class c WHERE c.oid = ANY(%s::pg_catalog.oid[])
    UNION ALL
    SELECT t.root, i.inhrelid
    FROM tree t
    JOIN pg_catalog.pg_class p ON p.oid = t.relid AND p.relkind = 'p'
    JOIN pg_catalog.pg_inherits i ON i.inhparent = t.relid
)
SELECT t.root::bigint, sum(c.relpages)::bigint
FROM tree t JOIN pg_catalog.pg_class c ON c.oid = t.relid
GROUP BY t.root
"""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def sampleable(table: TableInfo, warnings: list[str]) -> bool:
    """Tables, partitioned tables and populated materialized views the role can read.
    Views and foreign tables are not read: that would run their query or the remote one."""
    rel = table.relation
    if rel["kind"] not in SAMPLED_KINDS or not table.columns:
        return False
    if rel["kind"] == "materialized_view" and rel["is_populated"] is False:
        return False
    if rel["readable"] is False:
        warnings.append(f"quality: {table.label}: not profiled: the role cannot SELECT it")
        return False
    return True


def _relpages(conn: psycopg.Connection[Any], tables: list[TableInfo]) -> dict[int, int]:
    oids = [int(table.relation["oid"]) for table in tables]
    rows = conn.execute(_PAGES, (oids,)).fetchall()
    return {int(oid): int(pages) for oid, pages in rows if pages is not None}


def _remaining_ms(deadline: float) -> int:
    return int((deadline - time.monotonic()) * 1000)


def _timeout_ms(options: QualityOptions, deadline: float) -> int:
    """The table's query may run for the smallest of: the per-query limit, the per-table
    budget and what is left of the overall budget."""
    per_table = int(options.budget_seconds * 1000)
    return min(options.statement_timeout_ms, per_table, _remaining_ms(deadline))


def _profile_one(
    conn: psycopg.Connection[Any],
    table: TableInfo,
    pages: int | None,
    options: QualityOptions,
    timeout_ms: int,
    warnings: list[str],
) -> TableSample | None:
    plan = choose_plan(table.relation["row_estimate"], pages, options)
    started = time.perf_counter()
    try:
        return run_profile(conn, table, plan, options, timeout_ms)
    except psycopg.errors.QueryCanceled:
        took = time.perf_counter() - started
        warnings.append(
            f"quality: {table.label}: profiling stopped by its {timeout_ms} ms limit after "
            f"{took:.1f} s; statistics only (lower sample_percent or row_cap)"
        )
    except psycopg.Error as exc:
        if conn.broken or conn.closed:
            raise
        warnings.append(f"quality: {table.label}: not profiled: {_first_line(exc)}")
    return None


def _profile_database(
    source: Source,
    catalog: str,
    tables: list[TableInfo],
    options: QualityOptions,
    settings: Settings,
    deadline: float,
    warnings: list[str],
    stop: threading.Event | None = None,
) -> tuple[dict[TableKey, TableSample], int]:
    """Samples of one database's tables, and how many were left out for lack of budget."""
    samples: dict[TableKey, TableSample] = {}
    with connect(source, database=catalog, settings=settings) as conn:
        conn.read_only = True  # every transaction opens READ ONLY, whatever the server default
        pages = _relpages(conn, tables)
        for done, table in enumerate(tables):
            check_stop(stop)
            timeout_ms = _timeout_ms(options, deadline)
            if timeout_ms <= 0:
                return samples, len(tables) - done
            sample = _profile_one(
                conn, table, pages.get(int(table.relation["oid"])), options, timeout_ms, warnings
            )
            if sample is not None:
                samples[table.key] = sample
    return samples, 0


def profile_tables(
    source: Source,
    tables: list[TableInfo],
    options: QualityOptions,
    settings: Settings,
    warnings: list[str],
    stop: threading.Event | None = None,
) -> dict[TableKey, TableSample]:
    """Profile every sampleable table, database by database, until the budget is spent."""
    deadline = time.monotonic() + options.total_budget_seconds
    pending = [table for table in tables if sampleable(table, warnings)]
    samples: dict[TableKey, TableSample] = {}
    left_out = 0
    for catalog, group in group_by_catalog(pending).items():
        if left_out or _remaining_ms(deadline) <= 0:
            left_out += len(group)
            continue
        try:
            found, missed = _profile_database(
                source, catalog, group, options, settings, deadline, warnings, stop
            )
        except StopRequested:
            raise
        except SourceSenseError as exc:
            warnings.append(f"quality: {catalog}: not profiled: {exc.message}")
            continue
        except psycopg.Error as exc:
            warnings.append(f"quality: {catalog}: profiling stopped: {_first_line(exc)}")
            continue
        samples.update(found)
        left_out += missed
    if left_out:
        warnings.append(
            f"quality: profiling budget of {options.total_budget_seconds:g} s spent: {left_out} "
            "table(s) not profiled (statistics only)"
        )
    return samples
