"""Lock-proof extraction: relations that other sessions hold in ACCESS EXCLUSIVE mode (a
migration, VACUUM FULL, ALTER TABLE) cost neither the run nor a row, only the fields whose
functions would wait on them; and the run never waits on them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sourcesense.extract.catalog import QueryOptions, extract_database, query_params
from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.extract.schemas import DATABASE_KINDS
from sourcesense.source import connect, parse_dsn
from sourcesense.store.summary import read_manifest
from tests.helpers import extract, one, rows
from tests.pg import PgServer

SCHEMA = """
CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT 1 CHECK (a > 0), b text);
CREATE INDEX t_expr ON t ((a + 1)) WHERE a > 0;
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg();
CREATE VIEW v AS SELECT id, a FROM t;
CREATE TABLE u (id int PRIMARY KEY, c int DEFAULT 2);
CREATE VIEW w AS SELECT id, c FROM u;
CREATE TABLE p (k int, x int DEFAULT 0) PARTITION BY RANGE (k);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (10) TO (20);
CREATE TABLE free (id int PRIMARY KEY, d int DEFAULT 3);
"""
# What a migration holding these relations does: both take ACCESS EXCLUSIVE on that one only.
LOCK_TABLE_T = "ALTER TABLE t ADD COLUMN added int"
LOCK_VIEW_W = "CREATE OR REPLACE VIEW w AS SELECT id, c FROM u"
PAIRS = ("relations", "columns", "indexes", "constraints", "triggers")


@pytest.fixture(scope="module")
def lock_db(pg: PgServer) -> Iterator[str]:
    with pg.temp_database("sstest_locks") as name:
        with pg.connect(name) as conn:
            conn.execute(SCHEMA)
        yield name


@contextmanager
def held(pg: PgServer, database: str, *statements: str) -> Iterator[psycopg.Connection[Any]]:
    """Another session that runs `statements` and keeps its transaction (and locks) open."""
    with psycopg.connect(pg.conninfo(database)) as conn:
        for statement in statements:
            conn.execute(statement)
        try:
            yield conn
        finally:
            conn.rollback()


def counts(outcome: Any) -> dict[str, int]:
    return {kind: len(rows(outcome, kind)) for kind in DATABASE_KINDS}


def test_locked_table_and_view_cost_only_their_fields(
    pg: PgServer, lock_db: str, tmp_path: Path
) -> None:
    unlocked = extract(pg, lock_db, tmp_path / "a")
    assert unlocked.manifest["status"] == "completed", unlocked.manifest["warnings"]
    started = time.monotonic()
    with held(pg, lock_db, LOCK_TABLE_T, LOCK_VIEW_W):
        locked = extract(pg, lock_db, tmp_path / "b")
    assert time.monotonic() - started < 60
    manifest = locked.manifest
    assert manifest["status"] == "completed_with_warnings" and not manifest["errors"]
    assert counts(locked) == counts(unlocked)
    # The locked table: every field whose function locks it is null ...
    assert one(locked, "relations", table_name="t")["size_bytes"] is None
    assert one(locked, "columns", table_name="t", column_name="a")["column_default"] is None
    index = one(locked, "indexes", index_name="t_expr")
    assert index["columns"] == [None] and index["predicate"] is None
    assert index["definition"] is None
    check = one(locked, "constraints", table_name="t", constraint_type="check")
    assert check["definition"] is None
    assert one(locked, "triggers", trigger_name="t_trg")["definition"] is None
    # ... the view reading it and the locked view lose their definitions ...
    assert one(locked, "relations", table_name="v")["definition"] is None
    assert one(locked, "relations", table_name="w")["definition"] is None
    # ... and nothing else does.
    assert one(locked, "relations", table_name="free")["size_bytes"] is not None
    assert one(locked, "columns", table_name="u", column_name="c")["column_default"] == "2"
    assert one(locked, "indexes", index_name="t_pkey")["size_bytes"] is not None
    listed = {entry["object"]: entry["reason"] for entry in manifest["locked"]}
    assert set(listed) == {f"{lock_db}.public.{name}" for name in ("t", "v", "w")}
    assert "held by pid" in listed[f"{lock_db}.public.t"]
    view = next(e for e in manifest["locked"] if e["object"] == f"{lock_db}.public.v")
    assert view["locked_relation"] == f"{lock_db}.public.t"


def test_a_lock_taken_during_the_run(pg: PgServer, lock_db: str, tmp_path: Path) -> None:
    """Locked after the locks were read: the kinds that meet it are read again without it."""
    unlocked = extract(pg, lock_db, tmp_path / "a")
    locker = psycopg.connect(pg.conninfo(lock_db))

    def lock_after_first_kind(database: str, kind: str, count: int) -> None:
        if kind == DATABASE_KINDS[0]:
            locker.execute("ALTER TABLE p1 ALTER COLUMN x SET DEFAULT 1")

    try:
        request = ExtractRequest(source=parse_dsn(pg.conninfo(lock_db)))
        outcome = run_extraction(request, tmp_path / "b", on_kind_done=lock_after_first_kind)
    finally:
        locker.rollback()
        locker.close()
    assert outcome.manifest["status"] == "completed_with_warnings", outcome.manifest["errors"]
    assert not outcome.manifest["errors"]
    assert counts(outcome) == counts(unlocked)
    partitioned = one(outcome, "relations", table_name="p")
    assert partitioned["partition_count"] is None and partitioned["size_bytes"] is None
    assert one(outcome, "relations", table_name="p1")["partition_bound"] is None
    assert one(outcome, "relations", table_name="p2")["partition_bound"] is not None
    listed = {entry["object"] for entry in outcome.manifest["locked"]}
    assert listed == {f"{lock_db}.public.p1", f"{lock_db}.public.p"}


def test_cli_exit_code_with_a_locked_table(pg: PgServer, lock_db: str, tmp_path: Path) -> None:
    """Through the workflow and the CLI: a warning, not a failure."""
    with held(pg, lock_db, LOCK_TABLE_T):
        done = subprocess.run(
            [sys.executable, "-m", "sourcesense", "extract", "--dsn", pg.url(lock_db,
             password=pg.admin_password()), "--out", str(tmp_path), "--no-progress",
             "--format", "none", "--no-lineage", "--no-quality"],
            check=False, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
            env={**os.environ},
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = next((tmp_path / "runs").iterdir())
    manifest = read_manifest(run)
    assert manifest["status"] == "completed_with_warnings"
    assert {e["object"] for e in manifest["locked"]} == {
        f"{lock_db}.public.t",
        f"{lock_db}.public.v",
    }


class _Discard:
    def write(self, kind: str, batch: Any) -> None:
        pass

    def discard(self, kind: str) -> None:
        pass


def test_each_kind_releases_the_locks_it_took(pg: PgServer, lock_db: str) -> None:
    """Functions such as pg_total_relation_size lock what they read to the end of the
    transaction; each kind gives its locks back when it ends, so a large catalog cannot fill
    the server's lock table and a migration waits at most for one kind."""
    held_after: dict[str, list[str]] = {}
    with connect(parse_dsn(pg.url(lock_db, password=pg.admin_password()))) as conn:
        pid = conn.info.backend_pid

        def after_kind(kind: str, _rows: int) -> None:
            with pg.connect(lock_db) as other:
                held_after[kind] = [str(r[0]) for r in other.execute(
                    "SELECT relation::regclass FROM pg_locks WHERE pid = %s AND relation IS "
                    "NOT NULL AND relation >= 16384", (pid,)).fetchall()]  # fmt: skip

        params = query_params(Filters(), QueryOptions(), lock_db)
        extract_database(conn, params, _Discard(), 1000, after_kind)
    assert set(held_after) >= set(DATABASE_KINDS)
    assert held_after == {kind: [] for kind in held_after}
