"""Per-kind counts equal independent count queries, and the number of statements sent per
database does not grow with the number of tables."""

from __future__ import annotations

from pathlib import Path

from bench.make_catalog import make_catalog

from sourcesense.extract.schemas import DATABASE_KINDS
from tests.helpers import extract
from tests.pg import PgServer, drop_database

USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'"

# Written apart from the extraction SQL, mostly over the pg_catalog convenience views.
INDEPENDENT_COUNTS = {
    "schemas": f"SELECT count(*) FROM pg_namespace n WHERE {USER_SCHEMA}",
    "relations": f"""SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_SCHEMA}""",
    "columns": f"""SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
          AND a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMA}""",
    "constraints": f"""SELECT count(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype IN ('p', 'f', 'u', 'c', 'x') AND k.conparentid = 0
          AND (k.conislocal OR NOT c.relispartition) AND {USER_SCHEMA}""",
    "indexes": """SELECT count(*) FROM pg_indexes i
        WHERE i.schemaname NOT IN ('pg_catalog', 'information_schema')
          AND i.schemaname !~ '^pg_'
          AND NOT EXISTS (
              SELECT 1 FROM pg_inherits h
              WHERE h.inhrelid = format('%I.%I', i.schemaname, i.indexname)::regclass)""",
    "sequences": """SELECT count(*) FROM pg_sequences s
        WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')""",
    "routines": f"""SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {USER_SCHEMA}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""",
    "triggers": f"""SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND NOT c.relispartition AND {USER_SCHEMA}""",
    "extensions": "SELECT count(*) FROM pg_extension",
    "policies": """SELECT count(*) FROM pg_policies p
        WHERE p.schemaname NOT IN ('pg_catalog', 'information_schema')""",
}


def independent_counts(pg: PgServer, database: str) -> dict[str, int]:
    with pg.connect(database) as conn:
        return {
            kind: _scalar(conn.execute(query).fetchone())
            for kind, query in INDEPENDENT_COUNTS.items()
        }


def _scalar(row: tuple[object, ...] | None) -> int:
    assert row is not None
    return int(str(row[0]))


def test_sample_db_counts_match_catalog(pg: PgServer, sample_db: str, data_dir: Path) -> None:
    counts = extract(pg, sample_db, data_dir).manifest["counts"]
    expected = independent_counts(pg, sample_db)
    assert {kind: counts[kind] for kind in expected} == expected


def test_generated_catalog_counts_match(pg: PgServer, catalog_2000: str, data_dir: Path) -> None:
    counts = extract(pg, catalog_2000, data_dir).manifest["counts"]
    expected = independent_counts(pg, catalog_2000)
    assert expected["relations"] >= 2000
    assert {kind: counts[kind] for kind in expected} == expected


def _statements_sent(pg: PgServer, database: str, data_dir: Path) -> int:
    with pg.connect() as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")
    extract(pg, database, data_dir)
    with pg.connect() as conn:
        row = conn.execute(
            """SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s
               JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s""",
            (database,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_statement_count_does_not_grow_with_tables(
    embedded_server: PgServer, data_dir: Path
) -> None:
    pg = embedded_server
    sizes = {}
    for tables in (10, 500):
        name = f"sstest_stmts_{tables}"
        make_catalog(pg.admin, name, tables=tables, schemas=2, columns=8)
        try:
            sizes[tables] = _statements_sent(pg, name, data_dir)
        finally:
            drop_database(pg, name)
    # databases query, BEGIN, snapshot id, locks, then per kind SAVEPOINT + query + ROLLBACK TO
    # SAVEPOINT (which releases the kind's locks) + RELEASE, COMMIT
    expected = 4 + 4 * len(DATABASE_KINDS) + 1
    assert sizes == {10: expected, 500: expected}
