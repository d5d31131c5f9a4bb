"""An explicit scope of (database, schemas) pairs is read exactly: choosing db_a.public and
db_b.audit reads neither db_a.audit nor db_b.public, though both databases have both schemas.
In process (every kind, on each server) and through `sourcesense extract --scope`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sourcesense.errors import InvalidFilterError
from sourcesense.extract.filters import Filters, ScopeEntry, check_shape, parse_scope
from tests.helpers import extract, rows
from tests.pg import PgServer
from tests.scope_dbs import expected, pairs, two_databases


@pytest.fixture(scope="module")
def databases(pg: PgServer) -> Iterator[tuple[str, str]]:
    with two_databases(pg) as names:
        yield names


def test_scope_reads_exactly_the_chosen_pairs(
    pg: PgServer, databases: tuple[str, str], data_dir: Path
) -> None:
    db_a, db_b = databases
    missing = ScopeEntry("sstest_scope_no_such_database", ("public",))
    scope = (ScopeEntry(db_a, ("public",)), ScopeEntry(db_b, ("audit",)), missing)
    outcome = extract(pg, "postgres", data_dir, Filters(scope=scope))
    assert pairs(rows(outcome, "relations")) == expected(db_a, db_b)
    assert {r["catalog_name"] for r in rows(outcome, "databases")} == {db_a, db_b}
    schemas = {(r["catalog_name"], r["schema_name"]) for r in rows(outcome, "schemas")}
    assert schemas == {(db_a, "public"), (db_b, "audit")}
    columns = {(r["catalog_name"], r["schema_name"]) for r in rows(outcome, "columns")}
    assert columns == schemas
    assert outcome.manifest["filters"]["scope"] == [
        {"database": db_a, "schemas": ["public"], "tables": []},
        {"database": db_b, "schemas": ["audit"], "tables": []},
        {"database": missing.database, "schemas": ["public"], "tables": []},
    ]
    assert any(missing.database in warning for warning in outcome.manifest["warnings"])


def test_scope_table_patterns_and_whole_database(
    pg: PgServer, databases: tuple[str, str], data_dir: Path
) -> None:
    db_a, db_b = databases
    scope = (ScopeEntry(db_a, ("public", "audit"), ("^cust", "^ev")), ScopeEntry(db_b))
    outcome = extract(pg, "postgres", data_dir, Filters(exclude_table="^orders$", scope=scope))
    assert pairs(rows(outcome, "relations")) == {
        (db_a, "public", "customers"), (db_a, "audit", "events"),
        (db_b, "public", "customers"), (db_b, "audit", "events"),
    }  # fmt: skip


def test_scope_refuses_what_it_cannot_mean() -> None:
    assert parse_scope(["a:public,audit:^t", "b"]) == (
        ScopeEntry("a", ("public", "audit"), ("^t",)), ScopeEntry("b"),
    )  # fmt: skip
    with pytest.raises(InvalidFilterError, match="given twice"):
        check_shape(Filters(scope=(ScopeEntry("a"), ScopeEntry("a", ("x",)))))
    with pytest.raises(InvalidFilterError, match="--scope"):
        parse_scope([":public"])


def test_cli_scope(embedded_server: PgServer, tmp_path: Path) -> None:
    with two_databases(embedded_server, "sstest_scope_cli") as (db_a, db_b):
        done = subprocess.run(
            [sys.executable, "-m", "sourcesense", "extract", "--out", str(tmp_path),
             "--dsn", embedded_server.conninfo("postgres"), "--no-progress",
             "--scope", f"{db_a}:public", "--scope", f"{db_b}:audit", "--format", "none",
             "--no-lineage", "--no-quality"],
            check=False, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.rsplit("output: ", 1)[1].strip())
    relations = pq.read_table(run_dir / "raw" / "relations.parquet").to_pylist()
    assert pairs(relations) == expected(db_a, db_b)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [entry["database"] for entry in manifest["filters"]["scope"]] == [db_a, db_b]
