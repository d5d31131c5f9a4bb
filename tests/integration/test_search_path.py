"""Definitions, type names and lineage do not depend on the session: a database or role that
sets search_path gets the same raw definitions, column types and lineage edges as without.

Without our pinned search_path (sourcesense.source.connect), pg_get_viewdef and friends leave
out the schema of whatever the search_path finds, and `items` (a name in both schemas) would
become ambiguous for the lineage parser."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.lineage import build_lineage, read_edges
from sourcesense.source import parse_dsn
from tests.helpers import rows
from tests.pg import PgServer

SCHEMA = """
CREATE SCHEMA s1;
CREATE SCHEMA s2;
CREATE TYPE s1.mood AS ENUM ('ok', 'bad');
CREATE DOMAIN s2.code AS text CHECK (VALUE <> '');
CREATE FUNCTION s1.doubled(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE s1.items (
    id integer PRIMARY KEY,
    mood s1.mood DEFAULT 'ok'::s1.mood CHECK (mood <> 'bad'::s1.mood),
    attrs jsonb,
    price numeric(8, 2) DEFAULT s1.doubled(1)
);
-- The same name in the other schema: unqualified, `items` means whichever comes first.
CREATE TABLE s2.items (id integer, code s2.code, item_id integer REFERENCES s1.items (id));
CREATE INDEX items_doubled ON s1.items (s1.doubled(price)) WHERE mood = 'ok'::s1.mood;
CREATE VIEW s2.item_view AS
    SELECT i.id, i.mood, s1.doubled(i.price) AS doubled, o.code
    FROM s1.items i JOIN s2.items o ON o.item_id = i.id;
CREATE VIEW s2.attr_view AS
    SELECT i.id, e.key, e.value FROM s1.items i, LATERAL jsonb_each_text(i.attrs) e(key, value);
CREATE MATERIALIZED VIEW s1.summary AS
    SELECT v.mood, count(*) AS n, max(v.doubled) AS top FROM s2.item_view v GROUP BY v.mood;
"""
SEARCH_PATH = "s2, s1"
EDGE_FIELDS = ("edge_kind", "level", "source_schema", "source_table", "source_column",
               "target_schema", "target_table", "target_column", "transformation")  # fmt: skip


@pytest.fixture
def database(pg: PgServer) -> Iterator[tuple[str, str]]:
    """A database with the objects above, and a login role (name, password) that reads it."""
    role, password = f"sstest_sp_{secrets.token_hex(4)}", secrets.token_hex(16)
    with pg.temp_database("sstest_search_path") as name:
        with pg.connect(name) as conn:
            conn.execute(SCHEMA)
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}; GRANT pg_read_all_data TO {}").format(
                    sql.Identifier(role), sql.Literal(password), sql.Identifier(role)
                )
            )
        try:
            yield name, role
        finally:
            with pg.connect() as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE usename = %s", (role,))  # fmt: skip
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def role_dsn(pg: PgServer, database: str, role: str) -> str:
    with pg.connect() as conn:
        password = secrets.token_hex(16)
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
        )
    return pg.conninfo(database, user=role, password=password)


def snapshot(dsn: str, data_dir: Path) -> dict[str, Any]:
    """What must not depend on the session: definitions, types, defaults, lineage edges."""
    request = ExtractRequest(source=parse_dsn(dsn), filters=Filters(include_schema="s[12]"))
    outcome = run_extraction(request, data_dir)
    assert build_lineage(outcome.run_dir) == []
    key = ("schema_name", "table_name")
    edges = read_edges(outcome.run_dir)
    return {
        "definitions": {
            tuple(r[k] for k in key): r["definition"] for r in rows(outcome, "relations")
        },
        "types": {
            (r["table_name"], r["column_name"]): (r["data_type"], r["column_default"])
            for r in rows(outcome, "columns")
        },
        "constraints": sorted(
            (r["constraint_name"], r["definition"]) for r in rows(outcome, "constraints")
        ),
        "indexes": sorted((r["index_name"], r["definition"]) for r in rows(outcome, "indexes")),
        "edges": sorted(tuple(str(e[field]) for field in EDGE_FIELDS) for e in edges),
    }


def viewdef_in_plain_session(dsn: str) -> str:
    """pg_get_viewdef in a session that does not pin search_path: the settings apply there."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_get_viewdef('s2.item_view'::regclass)").fetchone()
    assert row is not None
    return str(row[0])


def test_search_path_settings_change_nothing(
    pg: PgServer, database: tuple[str, str], tmp_path: Path
) -> None:
    name, role = database
    dsn = role_dsn(pg, name, role)
    plain = snapshot(dsn, tmp_path / "plain")
    assert plain["definitions"][("s2", "item_view")] is not None
    assert "s1.items" in plain["definitions"][("s2", "item_view")]
    assert ("items", "mood") in plain["types"] and plain["types"][("items", "mood")][0] == "s1.mood"
    # The LATERAL function's columns come from the column it reads.
    assert {(e[4], e[7]) for e in plain["edges"] if e[6] == "attr_view" and e[1] == "column"} == {
        ("attrs", "key"),
        ("attrs", "value"),
        ("id", "id"),
    }
    default_viewdef = viewdef_in_plain_session(dsn)

    for setting in (
        sql.SQL("ALTER DATABASE {} SET search_path = " + SEARCH_PATH).format(sql.Identifier(name)),
        sql.SQL("ALTER ROLE {} SET search_path = s1, s2").format(sql.Identifier(role)),
    ):
        with pg.connect() as conn:
            conn.execute(setting)
        # The setting does reach an ordinary session: the comparison below can fail.
        assert viewdef_in_plain_session(dsn) != default_viewdef
        assert snapshot(dsn, tmp_path / f"set-{secrets.token_hex(2)}") == plain
