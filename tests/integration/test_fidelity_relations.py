"""Relation-level catalog facts equal what PostgreSQL reports (issue 13, items 6, 9, 10, 11):
row estimates of unanalyzed partition trees, partition scope of cloned rows, row-level
security, view options, newer constraint attributes, is_populated and skipped names. Expected
values come from PostgreSQL's own views and functions, queried apart from the extraction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.serde import Serde
from psycopg import sql

from sourcesense.extract.filters import Filters
from sourcesense.extract.names import split_qualified
from sourcesense.extract.run import ExtractRequest, RunOutcome, run_extraction
from sourcesense.source import parse_dsn
from sourcesense.store.diff import diff_runs
from sourcesense.transform.openlineage.facets import SECURITY_FACET, SecurityDatasetFacet
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract, one, rows
from tests.pg import PgServer

ROLE = "sstest_kinds13_reader"
ODD_SCHEMA, ODD_TABLE = "c.d", 'a.b "x"'

DDL = """
CREATE TABLE events (id int, at date NOT NULL, CHECK (id > 0)) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 (id int, at date NOT NULL, CONSTRAINT own_check CHECK (id < 10),
    CONSTRAINT events_id_check CHECK (id > 0));
ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX events_at ON events (at);
CREATE TABLE counted (id int) PARTITION BY LIST (id);
CREATE TABLE counted_1 PARTITION OF counted FOR VALUES IN (1);
INSERT INTO counted SELECT 1 FROM generate_series(1, 3);
ANALYZE counted;
CREATE TABLE plain (id int);

CREATE TABLE docs (id int PRIMARY KEY, owner text, body text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON docs FOR UPDATE TO PUBLIC
    USING (owner = current_user) WITH CHECK (length(body) < 100);
CREATE POLICY no_secrets ON docs AS RESTRICTIVE FOR SELECT TO CURRENT_USER
    USING (body !~~ '%secret%');
COMMENT ON POLICY own_rows ON docs IS 'owners edit';

CREATE VIEW v_barrier WITH (security_barrier) AS SELECT id FROM docs;
CREATE VIEW v_invoker WITH (security_invoker = on) AS SELECT id FROM docs;
CREATE VIEW v_cascaded AS SELECT * FROM docs WHERE id > 0 WITH CASCADED CHECK OPTION;
CREATE VIEW v_local AS SELECT * FROM docs WHERE id > 0 WITH LOCAL CHECK OPTION;
CREATE MATERIALIZED VIEW mv_empty AS SELECT 1 AS one WITH NO DATA;

CREATE TABLE parent_k (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE child_k (a int, b int,
    CONSTRAINT child_fk FOREIGN KEY (a, b) REFERENCES parent_k ON DELETE SET NULL (b));
CREATE TABLE uniq (x int, CONSTRAINT uniq_x UNIQUE NULLS NOT DISTINCT (x));
"""

DDL_18 = """
CREATE TABLE rooms (room int4range, during daterange,
    CONSTRAINT rooms_pk PRIMARY KEY (room, during WITHOUT OVERLAPS));
CREATE TABLE bookings (room int4range, during daterange,
    CONSTRAINT bookings_fk FOREIGN KEY (room, PERIOD during)
        REFERENCES rooms (room, PERIOD during));
CREATE TABLE loose (a int, b int,
    CONSTRAINT loose_fk FOREIGN KEY (a, b) REFERENCES parent_k NOT ENFORCED);
"""


@pytest.fixture(scope="module")
def fidelity_db(pg: PgServer) -> Iterator[str]:
    with pg.temp_database("sstest_kinds13") as name, pg.connect(name) as conn:
        conn.execute(DDL)
        if pg.version_num() >= 180000:
            conn.execute(DDL_18)
        yield name


@pytest.fixture(scope="module")
def outcome(pg: PgServer, fidelity_db: str, tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    return extract(pg, fidelity_db, tmp_path_factory.mktemp("data"))


def _query(pg: PgServer, database: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows as PostgreSQL renders them for a session with no search_path, like extraction."""
    with pg.connect(database) as conn:
        conn.execute("SET search_path = ''")
        return conn.execute(query, args).fetchall()


def test_unanalyzed_partition_tree_has_no_estimate(outcome: RunOutcome) -> None:
    assert one(outcome, "relations", table_name="events")["row_estimate"] is None
    assert one(outcome, "relations", table_name="events_2025")["row_estimate"] is None
    assert one(outcome, "relations", table_name="plain")["row_estimate"] is None
    assert one(outcome, "relations", table_name="counted")["row_estimate"] == 3


def test_partitions_leave_out_what_their_parent_gave_them(
    pg: PgServer, fidelity_db: str, outcome: RunOutcome
) -> None:
    local = _query(
        pg,
        fidelity_db,
        """SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
           WHERE k.contype = 'c' AND c.relname LIKE 'events%%' AND k.conislocal""",
    )
    checks = {
        (r["table_name"], r["constraint_name"])
        for r in rows(outcome, "constraints")
        if r["constraint_type"] == "check"
    }
    # events_2026's own copy of the parent's CHECK, merged at ATTACH, is not local either.
    assert checks == set(local) == {("events", "events_id_check"), ("events_2026", "own_check")}
    indexed = {r["table_name"] for r in rows(outcome, "indexes") if r["index_name"] == "events_at"}
    assert indexed == {"events"}


def test_policies_as_pg_policies_shows_them(
    pg: PgServer, fidelity_db: str, outcome: RunOutcome
) -> None:
    expected = _query(
        pg,
        fidelity_db,
        """SELECT policyname, lower(cmd), lower(permissive), roles::text[], qual, with_check
           FROM pg_policies WHERE tablename = 'docs' ORDER BY policyname""",
    )
    got = [
        (p["policy_name"], p["command"], p["policy_type"], p["roles"], p["using_expression"],
         p["with_check_expression"])
        for p in rows(outcome, "policies")
    ]  # fmt: skip
    assert got == [tuple(r) for r in expected]
    own = one(outcome, "policies", policy_name="own_rows")
    assert (own["roles"], own["using_expression"]) == (["public"], "(owner = CURRENT_USER)")
    assert own["comment"] == "owners edit"
    docs = one(outcome, "relations", table_name="docs")
    assert (docs["row_security"], docs["force_row_security"]) == (True, True)
    assert one(outcome, "relations", table_name="plain")["force_row_security"] is False
    assert outcome.manifest["counts"]["policies"] == 2


def test_outputs_carry_security(outcome: RunOutcome) -> None:
    """Atlan: customAttributes of the table and views; OpenLineage: the sourcesense_security
    facet, which loads into its model without loss."""
    result = run_transformers(outcome.run_dir, ["atlan", "openlineage"], {})
    assert {step["status"] for step in result.values()} == {"completed"}, result
    out = outcome.run_dir / "transformed"
    atlan = {}
    for path in (out / "atlan").glob("*/entities.json"):
        for entity in map(json.loads, path.read_text().splitlines()):
            atlan[entity["attributes"]["name"]] = entity.get("customAttributes")
    assert atlan["docs"] == {
        "rowLevelSecurity": "forced",
        "policyCount": "2",
        "policy_1": "no_secrets: AS RESTRICTIVE FOR SELECT TO "
        + one(outcome, "policies", policy_name="no_secrets")["roles"][0]
        + " USING ((body !~~ '%secret%'::text))",
        "policy_2": "own_rows: AS PERMISSIVE FOR UPDATE TO public USING ((owner = CURRENT_USER))"
        " WITH CHECK ((length(body) < 100))",
    }
    assert atlan["v_local"] == {"checkOption": "local"}
    assert atlan["plain"] is None
    lines = (out / "openlineage" / "events.jsonl").read_text().splitlines()
    facets = {
        e["dataset"]["name"].rsplit(".", 1)[1]: e["dataset"]["facets"]
        for e in map(json.loads, lines)
        if "dataset" in e
    }
    docs = facets["docs"][SECURITY_FACET]
    assert docs["rowLevelSecurity"] == "forced"
    assert [p["name"] for p in docs["policies"]] == ["no_secrets", "own_rows"]
    assert "withCheck" not in docs["policies"][0]
    assert facets["v_barrier"][SECURITY_FACET]["securityBarrier"] is True
    assert SECURITY_FACET not in facets["plain"]
    body = {k: v for k, v in docs.items() if not k.startswith("_")}
    model = SecurityDatasetFacet(**body, producer=docs["_producer"])
    assert Serde.to_dict(model) == docs


def test_view_options(pg: PgServer, fidelity_db: str, outcome: RunOutcome) -> None:
    checked = dict(
        _query(
            pg, fidelity_db, "SELECT table_name, lower(check_option) FROM information_schema.views"
        )
    )
    for row in rows(outcome, "relations"):
        if row["kind"] == "view":
            expected = checked[row["table_name"]]
            assert row["check_option"] == (None if expected == "none" else expected)
    views = {r["table_name"]: r for r in rows(outcome, "relations") if r["kind"] == "view"}
    assert {name for name, r in views.items() if r["check_option"]} == {"v_cascaded", "v_local"}
    assert [n for n, r in views.items() if r["security_barrier"]] == ["v_barrier"]
    assert [n for n, r in views.items() if r["security_invoker"]] == ["v_invoker"]
    assert one(outcome, "relations", table_name="docs")["security_barrier"] is None


def test_is_populated_follows_pg_class(outcome: RunOutcome) -> None:
    populated = {r["table_name"]: r["is_populated"] for r in rows(outcome, "relations")}
    assert populated.pop("mv_empty") is False
    assert set(populated.values()) == {True}


def test_constraint_attributes(pg: PgServer, fidelity_db: str, outcome: RunOutcome) -> None:
    definitions = dict(
        _query(
            pg,
            fidelity_db,
            "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace AND contype <> 'n'",
        )
    )
    extracted = rows(outcome, "constraints")
    assert {r["constraint_name"]: r["definition"] for r in extracted}.items() <= definitions.items()
    fk = one(outcome, "constraints", constraint_name="child_fk")
    assert (fk["on_delete"], fk["on_delete_columns"]) == ("set_null", ["b"])
    assert one(outcome, "constraints", constraint_name="uniq_x")["nulls_not_distinct"] is True
    assert one(outcome, "constraints", constraint_name="docs_pkey")["nulls_not_distinct"] is False
    assert one(outcome, "indexes", index_name="uniq_x")["nulls_not_distinct"] is True
    assert {r["is_enforced"] for r in extracted if r["constraint_name"] != "loose_fk"} == {True}


def test_postgresql_18_constraints(pg: PgServer, outcome: RunOutcome) -> None:
    """On 18: NOT ENFORCED apart from NOT VALID, temporal keys; before: the same fields false."""
    if pg.version_num() < 180000:
        assert {r["is_temporal"] for r in rows(outcome, "constraints")} == {False, None}
        return
    loose = one(outcome, "constraints", constraint_name="loose_fk")
    assert (loose["is_enforced"], loose["is_validated"]) == (False, False)
    assert loose["definition"].endswith("NOT ENFORCED")
    key = one(outcome, "constraints", constraint_name="rooms_pk")
    assert key["is_temporal"] is True
    assert key["definition"] == "PRIMARY KEY (room, during WITHOUT OVERLAPS)"
    fk = one(outcome, "constraints", constraint_name="bookings_fk")
    assert fk["is_temporal"] is True and "PERIOD during" in fk["definition"]


def test_virtual_generated_columns(pg: PgServer, fidelity_db: str, data_dir: Path) -> None:
    stored = "CREATE TABLE gen (a int, s int GENERATED ALWAYS AS (a * 2) STORED)"
    with pg.connect(fidelity_db) as conn:
        conn.execute(stored)
        if pg.version_num() >= 180000:
            conn.execute("ALTER TABLE gen ADD COLUMN v int GENERATED ALWAYS AS (a * 3) VIRTUAL")
    run = extract(pg, fidelity_db, data_dir, Filters(include_table="^gen$"))
    generated = {r["column_name"]: r["generated"] for r in rows(run, "columns")}
    expected = {"a": None, "s": "stored"}
    if pg.version_num() >= 180000:
        expected["v"] = "virtual"
    assert generated == expected


@pytest.fixture(scope="module")
def reader(pg: PgServer, fidelity_db: str) -> Iterator[str]:
    ident = sql.Identifier
    with pg.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident(ROLE)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'Reader-Pass-13'").format(ident(ROLE)))
    with pg.connect(fidelity_db) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident(ODD_SCHEMA)))
        conn.execute(
            sql.SQL("CREATE TABLE {}.{} (id int)").format(ident(ODD_SCHEMA), ident(ODD_TABLE))
        )
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ident(ODD_SCHEMA), ident(ROLE))
        )
    yield ROLE
    with pg.connect(fidelity_db) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(ident(ODD_SCHEMA)))
    with pg.connect() as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(ident(ROLE)))


def test_skipped_names_parse_back(
    pg: PgServer, fidelity_db: str, reader: str, data_dir: Path
) -> None:
    source = parse_dsn(pg.url(fidelity_db, reader, "Reader-Pass-13"))
    request = ExtractRequest(source, Filters(include_schema=r"^c\.d$"))
    skipped = run_extraction(request, data_dir).manifest["skipped"]
    assert [split_qualified(entry["object"]) for entry in skipped] == [
        [fidelity_db, ODD_SCHEMA, ODD_TABLE]
    ]
    assert skipped[0]["object"] == f'{fidelity_db}."c.d"."a.b ""x"""'


def test_diff_reports_policy_and_security_changes(
    pg: PgServer, fidelity_db: str, data_dir: Path
) -> None:
    only = Filters(include_table="^diffed$")
    with pg.connect(fidelity_db) as conn:
        conn.execute("CREATE TABLE diffed (id int)")
        conn.execute("CREATE POLICY p ON diffed USING (id > 0)")
    before = extract(pg, fidelity_db, data_dir, only).run_dir
    with pg.connect(fidelity_db) as conn:
        conn.execute("ALTER POLICY p ON diffed USING (id > 1)")
        conn.execute("ALTER TABLE diffed ENABLE ROW LEVEL SECURITY")
    after = extract(pg, fidelity_db, data_dir, only).run_dir
    changes = {(c.object_kind, c.field, c.before, c.after) for c in diff_runs(before, after)}
    assert changes == {
        ("policy", "using_expression", "(id > 0)", "(id > 1)"),
        ("relation", "row_security", False, True),
    }
