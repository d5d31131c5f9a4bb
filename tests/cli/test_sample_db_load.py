"""`sourcesense sample-db load` through the real CLI on the embedded PostgreSQL: it loads the
DSN's database (creating it), says what it did, and never drops what it did not create unless
told to with --replace."""

from __future__ import annotations

import secrets
from pathlib import Path

from psycopg import sql

from sourcesense.sample_db.populate import TABLES
from tests.cli.test_bad_input import assert_one_line_error, run_cli
from tests.pg import PgServer, drop_database


def rows_line(server: PgServer, database: str) -> str:
    """The closing line for what the database holds now."""
    with server.connect(database) as conn:
        counts = [
            conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(*t.split(".")))
            ).fetchall()[0][0]
            for t in TABLES
        ]
    return (
        f"loaded sample_db: {sum(counts):,} rows in {len(TABLES)} tables, schemas analytics, "
        "ecommerce, reporting (replaced; public dropped)"
    )


def tables_of(server: PgServer, database: str) -> set[str]:
    with server.connect(database) as conn:
        rows = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return {str(name) for (name,) in rows}


def test_loads_the_database_of_the_dsn_creating_it(embedded_server: PgServer) -> None:
    other = f"sstest_other_{secrets.token_hex(3)}"
    dsn = embedded_server.url(other, password=embedded_server.admin_password())
    where = dsn.split("@", 1)[1].split("/", 1)[0]
    try:
        first = run_cli("sample-db", "load", "--dsn", dsn)
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines() == [
            f"created database '{other}' at {where}",
            rows_line(embedded_server, other),
        ]
        assert "ecommerce.users" in tables_of(embedded_server, other)
        again = run_cli("sample-db", "load", "--dsn", dsn)
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines()[0] == f"into existing database '{other}' at {where}"
    finally:
        drop_database(embedded_server, other)


def test_refuses_a_database_with_a_user_table_unless_replace(
    embedded_server: PgServer, tmp_path: Path
) -> None:
    with embedded_server.temp_database("sstest_mine") as mine:
        with embedded_server.connect(mine) as conn:
            conn.execute("CREATE TABLE public.customers (id int)")
            conn.execute("INSERT INTO public.customers VALUES (1)")
        # Another database in the DSN, --database names the target.
        dsn = embedded_server.url("postgres", password=embedded_server.admin_password())
        refused = run_cli("sample-db", "load", "--dsn", dsn, "--database", mine)
        assert_one_line_error(
            refused, 2,
            f"error: database '{mine}' holds objects sample_db did not create (public.customers):"
            " choose another database, or pass --replace to drop schemas public, analytics,"
            " ecommerce, reporting with everything in them",
        )  # fmt: skip
        assert tables_of(embedded_server, mine) == {"public.customers"}

        replaced = run_cli("sample-db", "load", "--dsn", dsn, "--database", mine, "--replace")
        assert replaced.returncode == 0, replaced.stderr
        assert replaced.stdout.splitlines()[1:] == [
            "--replace: dropped 1 objects sample_db did not create: public.customers",
            rows_line(embedded_server, mine),
        ]
        assert "public.customers" not in tables_of(embedded_server, mine)
        assert "ecommerce.users" in tables_of(embedded_server, mine)
