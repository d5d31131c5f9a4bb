"""On every server: each planted schema problem is found and nothing else is reported; the
sample database is assessed and profiled without a warning."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from sourcesense.quality import QualityOptions, assess
from sourcesense.source import parse_dsn
from tests.helpers import extract
from tests.pg import PgServer

# Every index not planted as a problem is a primary key, unique, or scanned below.
PLANTED = """
CREATE TABLE public.customers (id integer PRIMARY KEY, name text NOT NULL);
CREATE UNIQUE INDEX customers_id_dup ON public.customers (id);           -- duplicate index
CREATE TABLE public.orders (
    id          integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES public.customers (id)         -- FK, no index
);
CREATE TABLE public.payments (
    id       integer PRIMARY KEY,
    order_id integer NOT NULL REFERENCES public.orders (id),
    amount   numeric(10, 2) NOT NULL
);
CREATE INDEX payments_order_id_idx ON public.payments (order_id);        -- scanned below
CREATE INDEX payments_amount_idx ON public.payments (amount);            -- unused index
ALTER TABLE public.payments
    ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID; -- NOT VALID
CREATE TABLE public.audit_log (at timestamptz NOT NULL, message text);   -- no primary key
CREATE SEQUENCE public.ticket_seq MAXVALUE 100;                          -- 90% used below
CREATE TABLE public.line_items (                                         -- FK covered by the
    order_id integer REFERENCES public.orders (id),                      -- PK's leading
    line     integer,                                                    -- column
    PRIMARY KEY (order_id, line)
);
INSERT INTO public.customers SELECT i, 'c' || i FROM generate_series(1, 20) i;
INSERT INTO public.orders SELECT i, 1 + i % 20 FROM generate_series(1, 40) i;
INSERT INTO public.payments SELECT i, i, 10 FROM generate_series(1, 40) i;
SELECT pg_catalog.setval('public.ticket_seq', 90);
"""
EXPECTED = {
    ("audit_log", "missing_primary_key", "audit_log", "warning"),
    ("orders", "fk_without_index", "orders_customer_id_fkey", "warning"),
    ("payments", "not_valid_constraint", "payments_amount_positive", "warning"),
    ("payments", "unused_index", "payments_amount_idx", "info"),
    ("customers", "duplicate_index", "customers_id_dup", "warning"),
    (None, "sequence_near_max", "ticket_seq", "warning"),
}


def _index_scans(pg: PgServer, database: str, index: str) -> int:
    with pg.connect(database) as conn:
        row = conn.execute(
            "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = %s", (index,)
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.fixture(scope="module")
def planted_db(pg: PgServer) -> Iterator[str]:
    with pg.temp_database("sstest_quality_planted") as name:
        with pg.connect(name) as conn:
            conn.execute(PLANTED)
            conn.execute("SET enable_seqscan = off")
            conn.execute("SELECT count(*) FROM public.payments WHERE order_id = 7")
        # The scan shows once the backend has flushed its statistics (on exit, since PG 15).
        deadline = time.monotonic() + 10
        while _index_scans(pg, name, "payments_order_id_idx") == 0:
            assert time.monotonic() < deadline, "index scan never reached pg_stat"
            time.sleep(0.2)
        yield name


def read(run_dir: Path, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(run_dir / "quality" / name).to_pylist()
    return rows


def test_planted_problems_and_nothing_else(pg: PgServer, planted_db: str, tmp_path: Path) -> None:
    run_dir = extract(pg, planted_db, tmp_path).run_dir
    assert assess(run_dir, None, QualityOptions()) == []
    findings = read(run_dir, "findings.parquet")
    assert {f["catalog_name"] for f in findings} == {planted_db}
    found = {(f["table_name"], f["check"], f["object_name"], f["severity"]) for f in findings}
    assert found == EXPECTED
    assert len(findings) == len(EXPECTED)
    sequence = next(f for f in findings if f["check"] == "sequence_near_max")
    assert "90%" in sequence["message"]
    assert (
        "customers_pkey" in next(f for f in findings if f["check"] == "duplicate_index")["message"]
    )
    assert not (run_dir / "quality" / ".findings.parquet.tmp").exists()
    assert sorted(p.name for p in (run_dir / "quality").iterdir()) == [
        "column_profiles.parquet", "findings.parquet"
    ]  # fmt: skip


def test_sample_db_assessed_without_warnings(pg: PgServer, sample_db: str, tmp_path: Path) -> None:
    run_dir = extract(pg, sample_db, tmp_path).run_dir
    source = parse_dsn(pg.conninfo(sample_db))
    assert assess(run_dir, source, QualityOptions(profile=True)) == []
    rows = read(run_dir, "column_profiles.parquet")
    by_key = {(r["schema_name"], r["table_name"], r["column_name"]): r for r in rows}
    events = by_key[("analytics", "user_events", "event_id")]  # partitioned: read through
    with pg.connect(sample_db) as conn:
        count = conn.execute("SELECT count(*) FROM analytics.user_events").fetchone()
    assert count is not None and events["method"] == "full"
    assert events["scaled_row_count"] == count[0]
    assert not any(r["table_name"] == "user_events_2024_01" for r in rows)  # via the parent
    assert by_key[("ecommerce", "users", "email")]["pii_class"] == "email"
    views = {r["method"] for r in rows if r["table_name"] == "order_summary"}
    assert views == {"statistics"}  # a view is never run
    assert {r["method"] for r in rows} == {"full", "statistics"}
