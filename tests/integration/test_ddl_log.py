"""The optional DDL log: installed only on request, records DDL with its time, stays out of the
extracted catalog, and uninstalls without a trace."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg import sql

from sourcesense import ddl_log
from sourcesense.errors import PermissionDeniedError
from sourcesense.source import parse_dsn
from tests.helpers import extract, rows
from tests.pg import PgServer

LEFTOVERS = """SELECT (SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'sourcesense%%'),
                      (SELECT count(*) FROM pg_namespace WHERE nspname = 'sourcesense_ddl')"""


def test_install_record_extract_uninstall(pg: PgServer, data_dir: Path) -> None:
    with pg.temp_database("sstest_ddl") as name:
        source = parse_dsn(pg.conninfo(name))
        with pg.connect(name) as conn:
            assert conn.execute(LEFTOVERS).fetchone() == (0, 0), "nothing before install"
        ddl_log.install(source)
        with pg.connect(name) as conn:
            conn.execute("CREATE TABLE public.t (id int)")
            conn.execute("ALTER TABLE public.t ADD COLUMN note text")
            conn.execute("DROP TABLE public.t")
        events = ddl_log.recent_events(source)
        assert [(e["command_tag"], e["object_identity"]) for e in reversed(events)] == [
            ("CREATE TABLE", "public.t"), ("ALTER TABLE", "public.t"), ("DROP TABLE", "public.t")
        ]  # fmt: skip
        assert all(e["occurred_at"] is not None for e in events)
        outcome = extract(pg, name, data_dir)
        assert "sourcesense_ddl" not in {r["schema_name"] for r in rows(outcome, "schemas")}
        ddl_log.uninstall(source)
        with pg.connect(name) as conn:
            assert conn.execute(LEFTOVERS).fetchone() == (0, 0), "uninstall leaves nothing"
        assert ddl_log.recent_events(source) == []


def test_install_needs_a_superuser(embedded_server: PgServer) -> None:
    role, password = "sstest_ddl_role", "Ddl-Pass-9"
    with embedded_server.temp_database("sstest_ddl") as name:
        with embedded_server.connect(name) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)))  # fmt: skip
            conn.execute(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(name), sql.Identifier(role)))  # fmt: skip
        try:
            with pytest.raises(PermissionDeniedError, match="needs a superuser"):
                ddl_log.install(parse_dsn(embedded_server.url(name, role, password)))
            with embedded_server.connect(name) as conn:
                assert conn.execute(LEFTOVERS).fetchone() == (0, 0), "rolled back whole"
        finally:
            with embedded_server.connect(name) as conn:
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
