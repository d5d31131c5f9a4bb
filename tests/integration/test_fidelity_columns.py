"""Attribute values equal what PostgreSQL itself reports (issue 13): lengths and precisions
through domains, negative numeric scales, domains over arrays, SQL-standard function bodies,
sequences owned by no column, sequences read by views, and sequences' last_value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from sourcesense.extract.run import ExtractRequest, RunOutcome, run_extraction
from sourcesense.lineage import build_lineage, read_edges
from sourcesense.source import parse_dsn
from tests.helpers import extract, one
from tests.pg import PgServer

SCHEMA = """
CREATE DOMAIN name50 AS varchar(50);
CREATE DOMAIN money12 AS numeric(12,2);
CREATE DOMAIN flags8 AS bit(8);
CREATE DOMAIN int_list AS int[] NOT NULL;
CREATE TABLE typed (name name50, amount money12, flags flags8, ids int_list, hundreds numeric(3,-2),
                    plain numeric(5,3), tags varchar(7)[]);
CREATE TABLE src (x int);
CREATE FUNCTION add_one(a int) RETURNS int LANGUAGE sql RETURN a + 1;
CREATE FUNCTION add_two(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 2; END;
CREATE FUNCTION count_src() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM src; END;
CREATE FUNCTION add_three(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 3';
CREATE SEQUENCE loose;
CREATE TABLE owned (id int GENERATED ALWAYS AS IDENTITY, n serial);
CREATE SEQUENCE cached CACHE 10;
SELECT nextval('cached'), nextval('cached'), nextval('cached');
CREATE SEQUENCE usage_only;
SELECT nextval('usage_only'), nextval('usage_only');
CREATE VIEW tickets AS SELECT nextval('loose') AS ticket;
"""
ROLE, PASSWORD = "sstest_fidelity_usage", "Usage-Only-7f2"
# What PostgreSQL itself reports, read apart from the extraction's SQL.
TRUTH = {
    "columns": """SELECT column_name, character_maximum_length, numeric_precision,
        is_nullable = 'YES' FROM information_schema.columns WHERE table_name = 'typed'""",
    "bodies": """SELECT proname, pg_get_function_sqlbody(oid) FROM pg_proc
        WHERE proname IN ('add_one', 'add_two')""",
    "last_values": """SELECT sequencename, last_value FROM pg_sequences
        WHERE sequencename IN ('cached', 'usage_only')""",
}


@pytest.fixture(scope="module")
def fidelity_db(pg: PgServer) -> Iterator[str]:
    with pg.temp_database("sstest_fidelity") as name:
        with pg.connect(name) as conn:
            conn.execute(SCHEMA)
        yield name


@pytest.fixture(scope="module")
def run(pg: PgServer, fidelity_db: str, tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    outcome = extract(pg, fidelity_db, tmp_path_factory.mktemp("data"))
    assert outcome.manifest["status"] == "completed"
    return outcome


@pytest.fixture(scope="module")
def truth(pg: PgServer, fidelity_db: str) -> dict[str, dict[str, Any]]:
    with pg.connect(fidelity_db) as conn:
        return {
            name: {row[0]: row[1:] for row in conn.execute(query).fetchall()}
            for name, query in TRUTH.items()
        }


def test_lengths_and_precision_through_domains(
    run: RunOutcome, truth: dict[str, dict[str, Any]]
) -> None:
    def figures(column: str) -> tuple[int | None, int | None, int | None, bool]:
        row = one(run, "columns", table_name="typed", column_name=column)
        return row["max_length"], row["numeric_precision"], row["numeric_scale"], row["is_nullable"]

    assert figures("name") == (50, None, None, True)
    assert figures("amount") == (None, 12, 2, True)
    assert figures("flags") == (8, None, None, True)
    assert figures("ids") == (None, None, None, False)  # a NOT NULL domain
    assert figures("plain") == (None, 5, 3, True)
    assert figures("tags") == (None, None, None, True)  # an array: no length, as information_schema
    for column, (length, precision, nullable) in truth["columns"].items():
        # information_schema on PostgreSQL 15 prints a negative scale wrong, so it is left out
        found = figures(column)
        assert (found[0], found[1], found[3]) == (length, precision, nullable), column


def test_negative_numeric_scale(run: RunOutcome) -> None:
    row = one(run, "columns", table_name="typed", column_name="hundreds")
    assert (row["data_type"], row["numeric_precision"], row["numeric_scale"]) == (
        "numeric(3,-2)", 3, -2
    )  # fmt: skip


def test_domain_over_an_array_is_a_domain(run: RunOutcome) -> None:
    ids = one(run, "columns", table_name="typed", column_name="ids")
    assert (ids["type_kind"], ids["base_type"]) == ("domain", "integer[]")
    assert one(run, "columns", table_name="typed", column_name="tags")["type_kind"] == "array"
    assert one(run, "types", type_name="int_list")["kind"] == "domain"


def test_sql_standard_bodies(run: RunOutcome, truth: dict[str, dict[str, Any]]) -> None:
    assert one(run, "routines", routine_name="add_one")["definition"] == "RETURN (a + 1)"
    assert one(run, "routines", routine_name="add_two")["definition"] == (
        "BEGIN ATOMIC\n SELECT (a + 2);\nEND"
    )
    for name, (body,) in truth["bodies"].items():
        assert one(run, "routines", routine_name=name)["definition"] == body
    assert one(run, "routines", routine_name="add_three")["definition"] == "SELECT a + 3"


def test_is_identity_is_false_without_an_owner(run: RunOutcome) -> None:
    loose = one(run, "sequences", sequence_name="loose")
    assert (loose["is_identity"], loose["owned_by_table"]) == (False, None)
    assert one(run, "sequences", sequence_name="owned_id_seq")["is_identity"] is True
    serial = one(run, "sequences", sequence_name="owned_n_seq")
    assert (serial["is_identity"], serial["owned_by_column"]) == (False, "n")


def test_a_sequence_read_by_a_view(run: RunOutcome) -> None:
    dependency = one(run, "view_dependencies", table_name="tickets")
    assert (dependency["source_table"], dependency["source_kind"]) == ("loose", "sequence")
    assert build_lineage(run.run_dir) == []
    edges = [e for e in read_edges(run.run_dir) if e["target_table"] == "tickets"]
    assert [(e["source_table"], e["level"]) for e in edges] == [("loose", "table")]


def test_last_value_is_what_pg_sequences_reports(
    run: RunOutcome, truth: dict[str, dict[str, Any]]
) -> None:
    # CACHE 10: three nextval calls allocate 1..10; PostgreSQL reports 10, not the 3 handed out.
    assert truth["last_values"]["cached"] == (10,)
    assert one(run, "sequences", sequence_name="cached")["last_value"] == 10
    assert one(run, "sequences", sequence_name="loose")["last_value"] is None  # never used


@pytest.fixture(scope="module")
def usage_role(pg: PgServer, fidelity_db: str) -> Iterator[str]:
    ident = sql.Identifier
    with pg.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident(ROLE)))
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident(ROLE), sql.Literal(PASSWORD))
        )
    try:
        with pg.connect(fidelity_db) as conn:
            conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE usage_only TO {}").format(ident(ROLE)))
        yield ROLE
    finally:
        with pg.connect(fidelity_db) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(ident(ROLE)))
        with pg.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(ident(ROLE)))


def test_last_value_with_usage_only(
    pg: PgServer, fidelity_db: str, usage_role: str, tmp_path: Path
) -> None:
    with psycopg.connect(pg.url(fidelity_db, usage_role, PASSWORD)) as conn:
        reported = conn.execute(
            "SELECT last_value FROM pg_sequences WHERE sequencename = 'usage_only'"
        ).fetchone()
    assert reported == (2,)
    source = parse_dsn(pg.url(fidelity_db, usage_role, PASSWORD))
    outcome = run_extraction(ExtractRequest(source), tmp_path)
    assert one(outcome, "sequences", sequence_name="usage_only")["last_value"] == 2
    assert one(outcome, "sequences", sequence_name="cached")["last_value"] is None  # no grant


def test_a_locked_source_leaves_only_the_body_out(
    pg: PgServer, fidelity_db: str, tmp_path: Path
) -> None:
    with psycopg.connect(pg.conninfo(fidelity_db)) as holder:
        holder.execute("LOCK TABLE src IN ACCESS EXCLUSIVE MODE")
        outcome = extract(pg, fidelity_db, tmp_path)
        holder.rollback()
    assert one(outcome, "routines", routine_name="count_src")["definition"] is None
    assert one(outcome, "routines", routine_name="add_one")["definition"] == "RETURN (a + 1)"
    locked = [entry for entry in outcome.manifest["locked"] if entry["locked_relation"].endswith(
        ".public.src") and "function body" in entry["reason"]]  # fmt: skip
    assert [entry["object"] for entry in locked] == [f"{fidelity_db}.public.count_src"]
