"""The self-check (tests/selfcheck.py) on three databases and both servers: the regression
database (tests/fixtures/regression*.sql), sample_db and a generated catalog of 2,000 tables.
Every extracted attribute must equal what PostgreSQL itself says."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from psycopg import sql

from sourcesense.extract.run import RunOutcome
from tests.helpers import extract
from tests.pg import PgServer
from tests.selfcheck import (
    KEYS,
    OTHER_ENGINES,
    SKIPPED,
    Difference,
    compare,
    selfcheck,
    split_identifiers,
    summary,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"

# Fields the regression database cannot give a value: a tablespace needs a directory on the
# server's host; vacuum times and most common values come only from autovacuum or on request.
NEVER_SET = {
    ("relations", "tablespace"),
    ("relations", "last_vacuum"),
    ("relations", "last_autovacuum"),
    ("relations", "last_autoanalyze"),
    ("column_stats", "most_common_values"),
    ("column_stats", "most_common_freqs"),
    # MySQL/MariaDB's fields of the one run format: null on PostgreSQL (selfcheck.OTHER_ENGINES).
    *(
        (kind, name)
        for kind, fields in OTHER_ENGINES.items()
        for name, value in fields.items()
        if value is None
    ),
}


@pytest.fixture(scope="module")
def regression_db(pg: PgServer) -> Iterator[str]:
    with pg.temp_database("sstest_selfcheck") as name, odd_role(pg, name) as role:
        with pg.connect(name) as conn:
            conn.execute((FIXTURES / "regression.sql").read_text(encoding="utf-8"))
            if conn.info.server_version >= 180000:
                conn.execute((FIXTURES / "regression_pg18.sql").read_text(encoding="utf-8"))
            grant_to(conn, role)
        yield name


@contextmanager
def odd_role(pg: PgServer, database: str) -> Iterator[str]:
    """A role with an odd name (roles are cluster-wide, so a unique one), dropped afterwards."""
    role = f'sstest "role" {secrets.token_hex(3)}'
    with pg.connect() as conn:
        conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    try:
        yield role
    finally:
        with pg.connect(database) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with pg.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def grant_to(conn: psycopg.Connection[Any], role: str) -> None:
    """Grants and a policy naming the odd role, and a table it owns."""
    who = sql.Identifier(role)
    for statement in (
        "GRANT UPDATE (code), SELECT ON rg.items TO {}",
        "CREATE POLICY odd_role_policy ON rg.secrets AS RESTRICTIVE TO {}, pg_monitor USING (true)",
        "CREATE TABLE rg.owned_by_odd_role (id int)",
        "ALTER TABLE rg.owned_by_odd_role OWNER TO {}",
    ):
        conn.execute(sql.SQL(statement).format(who))


@pytest.fixture(scope="module")
def regression_run(
    pg: PgServer, regression_db: str, tmp_path_factory: pytest.TempPathFactory
) -> RunOutcome:
    return extract(pg, regression_db, tmp_path_factory.mktemp("selfcheck") / "data")


def test_regression_database_matches_postgresql(
    pg: PgServer, regression_db: str, regression_run: RunOutcome
) -> None:
    differences = selfcheck(pg.conninfo(regression_db), regression_run.run_dir)
    assert differences == [], summary(differences)


def test_regression_database_exercises_every_kind_and_field(regression_run: RunOutcome) -> None:
    empty = []
    for kind in KEYS:
        file = regression_run.run_dir / "raw" / f"{kind}.parquet"
        if not file.exists():
            continue  # a kind newer than this branch
        table = pq.read_table(file)
        empty += [
            (kind, name)
            for name in table.column_names
            if table.column(name).null_count == table.num_rows and (kind, name) not in NEVER_SET
        ]
    assert empty == []


def test_selfcheck_reports_a_changed_value_and_a_missing_row(
    pg: PgServer, regression_db: str, regression_run: RunOutcome, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for file in (regression_run.run_dir / "raw").glob("*.parquet"):
        (raw / file.name).write_bytes(file.read_bytes())
    columns = pq.read_table(raw / "columns.parquet").to_pylist()
    label = next(r for r in columns if r["column_name"] == "label")
    label["data_type"] = "text"
    dropped = next(r for r in columns if r["column_name"] == "span")
    columns.remove(dropped)
    schema = pq.read_schema(raw / "columns.parquet")
    pq.write_table(pa.Table.from_pylist(columns, schema=schema), raw / "columns.parquet")
    found = [d for d in selfcheck(pg.conninfo(regression_db), tmp_path) if d.kind == "columns"]
    assert (
        Difference("columns", ("rg", "items", "label"), "data_type", "text", "rg.short_text")
        in found
    )
    assert Difference("columns", ("rg", "items", "span"), "<missing>", None, "row") in found


def test_a_field_without_a_check_is_reported() -> None:
    ours = [{"schema_name": "s", "oid": 1, "new_fact": "x"}]
    theirs = [{"schema_name": "s", "oid": 1}]
    found = compare("schemas", ("schema_name",), ["oid", "new_fact"], ours, theirs)
    assert found == [Difference("schemas", (), "new_fact", "<unchecked>", None)]


def test_skipped_fields_are_documented() -> None:
    assert all(reason for fields in SKIPPED.values() for reason in fields.values())


def test_split_identifiers_reads_quoted_names() -> None:
    assert split_identifiers('a, "b ""c"", d", "E"') == ["a", 'b "c", d', "E"]


def test_sample_db_matches_postgresql(pg: PgServer, sample_db: str, tmp_path: Path) -> None:
    outcome = extract(pg, sample_db, tmp_path / "data")
    differences = selfcheck(pg.conninfo(sample_db), outcome.run_dir)
    assert differences == [], summary(differences)


def test_generated_catalog_of_2000_tables_matches_postgresql(
    pg: PgServer, catalog_2000: str, tmp_path: Path
) -> None:
    outcome = extract(pg, catalog_2000, tmp_path / "data")
    differences = selfcheck(pg.conninfo(catalog_2000), outcome.run_dir)
    assert differences == [], summary(differences)
