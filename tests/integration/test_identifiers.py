"""Odd identifiers survive extraction byte for byte: quotes, spaces, dots, unicode, reserved
words and 63-byte names (PostgreSQL's limit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from sourcesense.extract.filters import Filters
from tests.helpers import extract, one, rows
from tests.pg import PgServer

SCHEMA = 'we "quote" & space.dot'
TABLE = "Ünïcødé táble ✓"
LONG = "t" * 63
COLUMNS = ["select", 'col "q"', "with space", "a.b", "ñandú", "x" * 63]


@pytest.fixture(scope="module")
def odd_db(pg: PgServer) -> Iterator[str]:
    with pg.temp_database("sstest_odd") as name, pg.connect(name) as conn:
        ident = sql.Identifier
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident(SCHEMA)))
        cols = sql.SQL(", ").join(sql.SQL("{} int").format(ident(c)) for c in COLUMNS)
        conn.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(ident(SCHEMA), ident(TABLE), cols))
        conn.execute(
            sql.SQL("CREATE TABLE {}.{} (id int PRIMARY KEY)").format(ident(SCHEMA), ident(LONG))
        )
        conn.execute(sql.SQL("CREATE TABLE public.{} (id int)").format(ident("order")))
        conn.execute(
            sql.SQL("COMMENT ON COLUMN {}.{}.{} IS {}").format(
                ident(SCHEMA), ident(TABLE), ident("ñandú"), sql.Literal("it's a bird; -- really")
            )
        )
        yield name


def test_odd_names_are_extracted_exactly(pg: PgServer, odd_db: str, data_dir: Path) -> None:
    outcome = extract(pg, odd_db, data_dir)
    tables = {(r["schema_name"], r["table_name"]) for r in rows(outcome, "relations")}
    assert {(SCHEMA, TABLE), (SCHEMA, LONG), ("public", "order")} <= tables
    cols = [r["column_name"] for r in rows(outcome, "columns") if r["table_name"] == TABLE]
    assert cols == COLUMNS
    assert one(outcome, "columns", column_name="ñandú")["comment"] == "it's a bird; -- really"
    assert one(outcome, "constraints", table_name=LONG)["columns"] == ["id"]


def test_filters_match_odd_names(pg: PgServer, odd_db: str, data_dir: Path) -> None:
    outcome = extract(
        pg, odd_db, data_dir, Filters(include_schema='^we "quote"', include_table="✓$")
    )
    assert [(r["schema_name"], r["table_name"]) for r in rows(outcome, "relations")] == [
        (SCHEMA, TABLE)
    ]


def test_odd_database_name(pg: PgServer, data_dir: Path) -> None:
    with pg.temp_database('sstest "odd" db ü') as name:
        with pg.connect(name) as conn:
            conn.execute("CREATE TABLE t (id int)")  # an empty scope completes with a warning
        outcome = extract(pg, name, data_dir)
        assert rows(outcome, "databases")[0]["catalog_name"] == name
        assert outcome.manifest["status"] == "completed"
