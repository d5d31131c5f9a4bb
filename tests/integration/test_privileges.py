"""A role with few privileges: unreadable tables still appear, databases it may not connect to
are skipped and listed, and what it can read is kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.source import parse_dsn
from tests.helpers import one, rows
from tests.pg import PgServer

ROLE, PASSWORD = "sstest_limited", "Limited-Pass-3e1"


@pytest.fixture(scope="module")
def two_dbs(embedded_server: PgServer) -> Iterator[tuple[str, str]]:
    pg, ident = embedded_server, sql.Identifier
    with pg.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident(ROLE)))
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident(ROLE), sql.Literal(PASSWORD))
        )
    with (
        pg.temp_database("sstest_priv_open") as open_db,
        pg.temp_database("sstest_priv_shut") as shut_db,
    ):
        with pg.connect() as conn:
            conn.execute(
                sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(ident(shut_db))
            )
        with pg.connect(open_db) as conn:
            conn.execute("CREATE TABLE public.secret (id int PRIMARY KEY, ssn text)")
            conn.execute("CREATE TABLE public.visible (id int)")
            conn.execute(sql.SQL("GRANT SELECT ON public.visible TO {}").format(ident(ROLE)))
            conn.execute(sql.SQL("GRANT SELECT (id) ON public.secret TO {}").format(ident(ROLE)))
        yield open_db, shut_db
    with pg.connect() as conn:  # the databases holding its grants are gone now
        conn.execute(sql.SQL("DROP ROLE {}").format(ident(ROLE)))


def test_limited_role(embedded_server: PgServer, two_dbs: tuple[str, str], tmp_path: Path) -> None:
    open_db, shut_db = two_dbs
    source = parse_dsn(embedded_server.url(open_db, ROLE, PASSWORD))
    request = ExtractRequest(source, Filters(include_database="^sstest_priv_"), all_databases=True)
    outcome = run_extraction(request, tmp_path)
    manifest = outcome.manifest
    assert manifest["status"] == "completed_with_warnings"
    assert {"object": shut_db, "reason": "no CONNECT privilege"} in manifest["skipped"]
    assert any(s["object"] == f"{open_db}.public.secret" for s in manifest["skipped"])
    assert one(outcome, "relations", table_name="secret")["readable"] is False
    assert one(outcome, "relations", table_name="visible")["readable"] is True
    assert [c["column_name"] for c in rows(outcome, "columns") if c["table_name"] == "secret"] == [
        "id", "ssn"
    ]  # fmt: skip
    grant = one(outcome, "privileges", table_name="secret", grantee=ROLE)
    assert (grant["object_kind"], grant["column_name"], grant["privilege_type"]) == (
        "column", "id", "SELECT"
    )  # fmt: skip
    assert PASSWORD not in (outcome.run_dir / "manifest.json").read_text()
