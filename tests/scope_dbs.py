"""Two databases that share schema names, for explicit (database, schema) scopes: each has
`public` (orders referencing customers) and `audit` (events, with a comment), so that any row
read from a pair nobody chose shows up by its database and schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql

from tests.pg import PgServer

TABLES = {"public": ("orders", "customers"), "audit": ("events",)}


@contextmanager
def two_databases(server: PgServer, prefix: str = "sstest_scope") -> Iterator[tuple[str, str]]:
    """(db_a, db_b), each with schemas public and audit and their TABLES, dropped afterwards."""
    with server.temp_database(prefix + "_a") as db_a, server.temp_database(prefix + "_b") as db_b:
        for database in (db_a, db_b):
            with server.connect(database) as conn:
                conn.execute("CREATE SCHEMA audit")
                for schema, tables in TABLES.items():
                    for table in tables:
                        name = sql.Identifier(schema, table)
                        conn.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY)").format(name))
                conn.execute("ALTER TABLE public.orders ADD customer_id int REFERENCES customers")
                conn.execute("COMMENT ON TABLE audit.events IS 'Who changed what, and when'")
        yield db_a, db_b


def pairs(relations: list[dict[str, object]]) -> set[tuple[object, object, object]]:
    """(database, schema, table) of relation rows."""
    return {(r["catalog_name"], r["schema_name"], r["table_name"]) for r in relations}


def expected(db_a: str, db_b: str) -> set[tuple[str, str, str]]:
    """What the scope {db_a: [public], db_b: [audit]} reads."""
    return {(db_a, "public", t) for t in TABLES["public"]} | {
        (db_b, "audit", t) for t in TABLES["audit"]
    }
