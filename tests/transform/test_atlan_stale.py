"""Stale-asset removal: deletions of what the previous run of the same scope had and this run
has not; never from a run that failed, and never against a differently filtered run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.source import parse_dsn
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract
from tests.pg import PgServer

CONNECTION = "default/postgres/42"
OPTIONS = {"atlan_connection": CONNECTION, "atlan_remove_stale": "true"}


def deletions(run_dir: Path) -> list[dict[str, Any]] | None:
    path = run_dir / "transformed" / "atlan" / "deletions.json"
    if not path.exists():
        return None
    return [json.loads(line) for line in path.read_text().splitlines()]


def transform(run_dir: Path, options: dict[str, str] = OPTIONS) -> dict[str, Any]:
    result = run_transformers(run_dir, ["atlan"], options)["atlan"]
    assert result["status"] == "completed", result
    return result


def test_dropped_table_is_deleted(embedded_server: PgServer, data_dir: Path) -> None:
    pg = embedded_server
    with pg.temp_database("sstest_stale") as name:
        with pg.connect(name) as conn:
            conn.execute(
                "CREATE TABLE public.kept (id int); CREATE TABLE public.gone (a int, b int)"
            )
        first = extract(pg, name, data_dir)
        transform(first.run_dir)
        assert deletions(first.run_dir) is None, "no earlier run: nothing to compare with"
        with pg.connect(name) as conn:
            conn.execute("DROP TABLE public.gone")
        second = extract(pg, name, data_dir)
        transform(second.run_dir)
    base = f"{CONNECTION}/{name}/public/gone"
    gone = deletions(second.run_dir) or []
    assert sorted((d["typeName"], d["uniqueAttributes"]["qualifiedName"]) for d in gone) == [
        ("Column", f"{base}/a"), ("Column", f"{base}/b"), ("Table", base)
    ]  # fmt: skip


def test_failed_run_deletes_nothing(embedded_server: PgServer, data_dir: Path) -> None:
    """One of two databases refuses connections on the second run: its assets are not gone."""
    pg, role, password = embedded_server, "sstest_stale_role", "Stale-Pass-1"
    with pg.connect() as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        with pg.temp_database("sstest_stale_x") as one, pg.temp_database("sstest_stale_x") as two:
            source = parse_dsn(pg.url(one, role, password))
            request = ExtractRequest(source, Filters(include_database="^sstest_stale_x_"), True)
            transform(run_extraction(request, data_dir).run_dir)
            with pg.connect() as conn:  # not superuser: the connection limit applies to it
                conn.execute(f"ALTER DATABASE {two} CONNECTION LIMIT 0")
            broken = run_extraction(request, data_dir)
    finally:
        with pg.connect() as conn:
            conn.execute(f"DROP ROLE {role}")
    assert broken.manifest["errors"], broken.manifest
    result = transform(broken.run_dir)
    assert deletions(broken.run_dir) is None
    assert any("did not complete cleanly" in w for w in result["warnings"])


def test_differently_filtered_run_deletes_nothing(
    embedded_server: PgServer, data_dir: Path
) -> None:
    pg = embedded_server
    with pg.temp_database("sstest_stale") as name:
        with pg.connect(name) as conn:
            conn.execute("CREATE TABLE public.a (id int); CREATE TABLE public.b (id int)")
        transform(extract(pg, name, data_dir).run_dir)
        narrower = extract(pg, name, data_dir, Filters(include_table="^a$"))
    result = transform(narrower.run_dir)
    assert deletions(narrower.run_dir) is None
    assert any("no earlier run of the same scope" in w for w in result["warnings"])


def test_needs_a_fixed_connection_name(embedded_server: PgServer, data_dir: Path) -> None:
    with embedded_server.temp_database("sstest_stale") as name:
        first = extract(embedded_server, name, data_dir)
    result = transform(first.run_dir, {"atlan_remove_stale": "true"})
    assert any("needs a fixed --atlan-connection" in w for w in result["warnings"])
