"""Column lineage of hand-made queries, view edges checked against pg_depend, and the builder
over a hand-made run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlglot.errors import OptimizeError, ParseError

from sourcesense.extract.schemas import SCHEMAS
from sourcesense.lineage import (
    EDGE_SCHEMA,
    SourceColumn,
    build_lineage,
    column_lineage,
    query_lineage,
    read_edges,
    upstream_columns,
)
from sourcesense.lineage.foreign_keys import foreign_key_edges
from sourcesense.lineage.views import ViewSources, view_edges

SCHEMA = {
    "shop": {
        "orders": ["order_id", "customer_id", "amount", "tax", "status", "created_at"],
        "customers": ["customer_id", "name", "email", "region"],
        "order_lines": ["order_id", "product_id", "qty", "price"],
        "returns": ["order_id", "amount"],
    },
    "Odd Schema": {"Order Lines": ["Line Id", "Unit Price", "qty"]},
    "public": {"events": ["id", "kind"]},
}


def orders(column: str, transformation: str = "direct") -> SourceColumn:
    return ("shop", "orders", column, transformation)


def customers(column: str, transformation: str = "direct") -> SourceColumn:
    return ("shop", "customers", column, transformation)


CASES: list[tuple[str, str, dict[str, set[SourceColumn]]]] = [
    (
        "join_with_aliases",
        "SELECT o.order_id, c.name AS customer FROM shop.orders o "
        "JOIN shop.customers c ON c.customer_id = o.customer_id WHERE o.status = 'paid'",
        {"order_id": {orders("order_id")}, "customer": {customers("name")}},
    ),
    (
        "unqualified_columns_resolve_through_the_schema",
        "SELECT amount, name FROM shop.orders o "
        "JOIN shop.customers c ON c.customer_id = o.customer_id",
        {"amount": {orders("amount")}, "name": {customers("name")}},
    ),
    (
        "cte",
        "WITH big AS (SELECT order_id, amount * 2 AS doubled FROM shop.orders WHERE amount > 10) "
        "SELECT b.order_id, b.doubled AS d FROM big b",
        {"order_id": {orders("order_id")}, "d": {orders("amount", "expression")}},
    ),
    (
        "chained_ctes_keep_the_strongest_transformation",
        "WITH a AS (SELECT customer_id, sum(amount) AS total FROM shop.orders GROUP BY 1), "
        "b AS (SELECT a.customer_id, a.total FROM a) "
        "SELECT b.total::text AS total_text, b.customer_id FROM b",
        {
            "total_text": {orders("amount", "aggregate")},
            "customer_id": {orders("customer_id")},
        },
    ),
    (
        "cte_shadowing_a_table_name",
        "WITH orders AS (SELECT customer_id FROM shop.customers) SELECT customer_id FROM orders",
        {"customer_id": {customers("customer_id")}},
    ),
    (
        "subquery_in_from",
        "SELECT s.region, s.n FROM "
        "(SELECT region, count(*) AS n FROM shop.customers GROUP BY region) s",
        {"region": {customers("region")}, "n": set()},
    ),
    (
        "derived_table_column_aliases",
        "SELECT x.a, x.b FROM (SELECT order_id, amount FROM shop.orders) AS x(a, b)",
        {"a": {orders("order_id")}, "b": {orders("amount")}},
    ),
    (
        "scalar_subquery_in_select",
        "SELECT c.name, (SELECT max(o.created_at) FROM shop.orders o "
        "WHERE o.customer_id = c.customer_id) AS last_order FROM shop.customers c",
        {"name": {customers("name")}, "last_order": {orders("created_at", "aggregate")}},
    ),
    (
        "lateral_subquery",
        "SELECT c.name, t.total FROM shop.customers c CROSS JOIN LATERAL "
        "(SELECT sum(o.amount) AS total FROM shop.orders o "
        "WHERE o.customer_id = c.customer_id) t",
        {"name": {customers("name")}, "total": {orders("amount", "aggregate")}},
    ),
    (
        "select_star",
        "SELECT * FROM shop.customers",
        {name: {customers(name)} for name in SCHEMA["shop"]["customers"]},
    ),
    (
        "table_star_in_a_join",
        "SELECT c.*, o.amount FROM shop.customers c "
        "JOIN shop.orders o ON o.customer_id = c.customer_id",
        {
            **{name: {customers(name)} for name in SCHEMA["shop"]["customers"]},
            "amount": {orders("amount")},
        },
    ),
    (
        "expressions_and_casts",
        "SELECT o.amount + o.tax AS gross, "
        "CASE WHEN o.status = 'paid' THEN o.amount ELSE 0 END AS paid_amount, "
        "COALESCE(o.tax, 0) AS tax, CAST(o.amount AS integer) AS whole, "
        "o.created_at::date AS day, 42 AS answer FROM shop.orders o",
        {
            "gross": {orders("amount", "expression"), orders("tax", "expression")},
            "paid_amount": {orders("status", "expression"), orders("amount", "expression")},
            "tax": {orders("tax", "expression")},
            "whole": {orders("amount")},
            "day": {orders("created_at")},
            "answer": set(),
        },
    ),
    (
        "aggregates_with_group_by",
        "SELECT o.customer_id, count(*) AS orders, sum(o.amount) AS total, "
        "avg(o.amount + o.tax) AS avg_gross, count(DISTINCT o.status) AS statuses, "
        "coalesce(sum(o.tax), 0) + max(o.amount) AS mixed "
        "FROM shop.orders o GROUP BY o.customer_id",
        {
            "customer_id": {orders("customer_id")},
            "orders": set(),
            "total": {orders("amount", "aggregate")},
            "avg_gross": {orders("amount", "aggregate"), orders("tax", "aggregate")},
            "statuses": {orders("status", "aggregate")},
            "mixed": {orders("tax", "aggregate"), orders("amount", "aggregate")},
        },
    ),
    (
        "aggregate_filter_and_within_group",
        "SELECT count(*) FILTER (WHERE o.status = 'paid') AS paid, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY o.amount) AS median FROM shop.orders o",
        {"paid": {orders("status", "aggregate")}, "median": {orders("amount", "aggregate")}},
    ),
    (
        "union_maps_every_branch",
        "SELECT order_id, amount FROM shop.orders UNION SELECT order_id, -amount FROM shop.returns",
        {
            "order_id": {orders("order_id"), ("shop", "returns", "order_id", "direct")},
            "amount": {orders("amount"), ("shop", "returns", "amount", "expression")},
        },
    ),
    (
        "union_all_three_branches_named_by_the_first",
        "SELECT customer_id AS id FROM shop.customers UNION ALL SELECT order_id FROM shop.orders "
        "UNION ALL SELECT l.order_id FROM shop.order_lines l",
        {
            "id": {
                customers("customer_id"),
                orders("order_id"),
                ("shop", "order_lines", "order_id", "direct"),
            }
        },
    ),
    (
        "window_functions",
        "SELECT o.order_id, "
        "sum(o.amount) OVER (PARTITION BY o.customer_id ORDER BY o.created_at) AS running, "
        "row_number() OVER (PARTITION BY o.customer_id ORDER BY o.created_at DESC) AS rn, "
        "lag(o.amount) OVER (ORDER BY o.created_at) AS previous, "
        "rank() OVER (ORDER BY sum(o.tax) DESC) AS tax_rank "
        "FROM shop.orders o GROUP BY o.order_id",
        {
            "order_id": {orders("order_id")},
            "running": {
                orders("amount", "aggregate"),
                orders("customer_id", "expression"),
                orders("created_at", "expression"),
            },
            "rn": {orders("customer_id", "expression"), orders("created_at", "expression")},
            "previous": {orders("amount", "expression"), orders("created_at", "expression")},
            "tax_rank": {orders("tax", "aggregate")},
        },
    ),
    (
        "quoted_identifiers_with_spaces_and_uppercase",
        'SELECT l."Line Id" AS "LINE id", l."Unit Price" * l.qty AS "Total Price" '
        'FROM "Odd Schema"."Order Lines" l',
        {
            "LINE id": {("Odd Schema", "Order Lines", "Line Id", "direct")},
            "Total Price": {
                ("Odd Schema", "Order Lines", "Unit Price", "expression"),
                ("Odd Schema", "Order Lines", "qty", "expression"),
            },
        },
    ),
    (
        "unquoted_identifiers_fold_to_lower_case",
        "SELECT O.ORDER_ID AS Id FROM SHOP.ORDERS O",
        {"id": {orders("order_id")}},
    ),
    (
        "unqualified_relations_take_the_schema_that_has_them",
        "SELECT e.kind, c.email FROM events e JOIN customers c ON c.customer_id = e.id",
        {"kind": {("public", "events", "kind", "direct")}, "email": {customers("email")}},
    ),
    (
        "whole_row_reference_reads_every_column",
        "SELECT to_jsonb(c.*) AS doc, t.n FROM shop.customers c "
        "JOIN (SELECT o.customer_id, o.amount AS n FROM shop.orders o) t "
        "ON t.customer_id = c.customer_id WHERE row(t.*) IS NOT NULL",
        {
            "doc": {customers(name, "expression") for name in SCHEMA["shop"]["customers"]},
            "n": {orders("amount")},
        },
    ),
    (
        "whole_row_of_a_subquery",
        "SELECT row_to_json(t.*) AS doc FROM (SELECT o.order_id, o.tax AS t FROM shop.orders o) t",
        {"doc": {orders("order_id", "expression"), orders("tax", "expression")}},
    ),
    (
        "recursive_cte",
        "WITH RECURSIVE r AS (SELECT order_id, amount FROM shop.orders "
        "UNION ALL SELECT r.order_id, r.amount + 1 FROM r WHERE r.amount < 10) "
        "SELECT r.order_id, r.amount FROM r",
        {"order_id": {orders("order_id")}, "amount": {orders("amount", "expression")}},
    ),
    (
        "values_and_set_returning_functions_are_not_relations",
        "SELECT v.x, g.n, o.amount FROM (VALUES (1)) AS v(x) "
        "JOIN shop.orders o ON o.order_id = v.x CROSS JOIN generate_series(1, 3) AS g(n)",
        {"x": set(), "n": set(), "amount": {orders("amount")}},
    ),
    (
        "lateral_set_returning_function_reads_its_arguments",
        "SELECT c.customer_id, e.key, e.value FROM shop.customers c, "
        "LATERAL jsonb_each_text(c.name::jsonb) e(key, value)",
        {
            "customer_id": {("shop", "customers", "customer_id", "direct")},
            "key": {("shop", "customers", "name", "expression")},
            "value": {("shop", "customers", "name", "expression")},
        },
    ),
    (
        "lateral_join_of_two_functions_and_an_aggregate",
        "SELECT upper(e.key) AS k, count(x.v) AS n FROM shop.customers c "
        "CROSS JOIN LATERAL jsonb_each_text(c.name::jsonb) e(key, value) "
        "JOIN LATERAL unnest(ARRAY[c.email, c.region]) x(v) ON true GROUP BY (upper(e.key))",
        {
            "k": {("shop", "customers", "name", "expression")},
            "n": {
                ("shop", "customers", "email", "aggregate"),
                ("shop", "customers", "region", "aggregate"),
            },
        },
    ),
    (
        "function_in_from_without_lateral_keyword",
        "SELECT x.v FROM shop.orders o, unnest(ARRAY[o.amount, o.tax]) x(v)",
        {"v": {orders("amount", "expression"), orders("tax", "expression")}},
    ),
    (
        "function_over_a_lateral_function",
        "SELECT f.k FROM shop.customers c, LATERAL jsonb_each(c.name::jsonb) e(key, value), "
        "LATERAL jsonb_object_keys(e.value) f(k)",
        {"k": {("shop", "customers", "name", "expression")}},
    ),
]


@pytest.mark.parametrize(("sql", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_column_lineage(sql: str, expected: dict[str, set[SourceColumn]]) -> None:
    assert column_lineage(sql, SCHEMA) == expected


def test_output_order_follows_the_select_list() -> None:
    lineage = column_lineage("SELECT tax, order_id, amount FROM shop.orders", SCHEMA)
    assert list(lineage) == ["tax", "order_id", "amount"]


def test_unknown_column_is_an_error_not_a_guess() -> None:
    with pytest.raises(OptimizeError):
        column_lineage("SELECT nope FROM shop.orders", SCHEMA)


def test_unparseable_sql_is_an_error() -> None:
    with pytest.raises(ParseError):
        column_lineage("SELECT FROM WHERE", SCHEMA)


def test_more_than_one_statement_is_an_error() -> None:
    with pytest.raises(ValueError, match="one SELECT"):
        column_lineage("SELECT 1; SELECT 2", SCHEMA)


VIEW = ("db", "shop", "v")
ORDERS_COLUMNS = {("db", "shop", "orders"): SCHEMA["shop"]["orders"]}


def test_view_edges_drop_sources_pg_depend_does_not_list() -> None:
    # pg_depend says the view reads only order_id and status: amount must not appear.
    sources: ViewSources = {("shop", "orders"): {"order_id", "status"}}
    sql = "SELECT o.order_id, o.amount FROM shop.orders o WHERE o.status = 'x'"
    edges, warnings = view_edges(VIEW, sql, ["order_id", "amount"], sources, ORDERS_COLUMNS)
    assert [(e["level"], e["source_column"], e["target_column"]) for e in edges] == [
        ("table", None, None),
        ("column", "order_id", "order_id"),
        ("indirect", "status", None),
    ]
    assert edges[2]["transformation"] == "filter"
    assert warnings == [
        "db.shop.v: dropped 1 parsed source column(s) that pg_depend does not list: "
        "shop.orders.amount"
    ]


def test_whole_row_dependency_vouches_for_every_column() -> None:
    # pg_depend records to_jsonb(o.*) as a dependency on the whole relation (no column).
    sources: ViewSources = {("shop", "orders"): {None}}
    sql = "SELECT to_jsonb(o.*) AS doc FROM shop.orders o"
    edges, warnings = view_edges(VIEW, sql, ["doc"], sources, ORDERS_COLUMNS)
    assert warnings == []
    assert sorted(e["source_column"] for e in edges if e["level"] == "column") == sorted(
        SCHEMA["shop"]["orders"]
    )


INDIRECT_CASES: list[tuple[str, str, set[tuple[str, str, str, str]]]] = [
    (
        "join_on_and_using",
        "SELECT o.amount, c.name FROM shop.orders o JOIN shop.customers c USING (customer_id) "
        "LEFT JOIN shop.returns r ON r.order_id = o.order_id",
        {
            ("shop", "orders", "customer_id", "join"), ("shop", "customers", "customer_id", "join"),
            ("shop", "returns", "order_id", "join"), ("shop", "orders", "order_id", "join"),
        },
    ),
    (
        "where_having_group_by_order_by_alias",
        "SELECT c.region, sum(o.amount) AS total FROM shop.orders o, shop.customers c "
        "WHERE o.customer_id = c.customer_id GROUP BY c.region HAVING max(o.tax) > 1 "
        "ORDER BY total DESC",
        {
            ("shop", "orders", "customer_id", "filter"),
            ("shop", "customers", "customer_id", "filter"),
            ("shop", "orders", "tax", "filter"), ("shop", "customers", "region", "group_by"),
            ("shop", "orders", "amount", "sort"),
        },
    ),
    (
        "window_partition_and_order",
        "SELECT o.order_id, rank() OVER (PARTITION BY o.customer_id ORDER BY o.created_at) AS r "
        "FROM shop.orders o",
        {("shop", "orders", "customer_id", "window"), ("shop", "orders", "created_at", "window")},
    ),
    (
        "through_a_derived_table_and_a_subquery_in_where",
        "SELECT s.order_id FROM (SELECT order_id, status FROM shop.orders) s "
        "WHERE s.status = 'x' AND s.order_id IN (SELECT order_id FROM shop.returns)",
        {
            ("shop", "orders", "status", "filter"), ("shop", "orders", "order_id", "filter"),
            ("shop", "returns", "order_id", "filter"),
        },
    ),
    ("none", "SELECT o.amount + o.tax AS gross FROM shop.orders o", set()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "expected"), [case[1:] for case in INDIRECT_CASES], ids=[c[0] for c in INDIRECT_CASES]
)
def test_indirectly_read_columns(sql: str, expected: set[tuple[str, str, str, str]]) -> None:
    outputs, indirect = query_lineage(sql, SCHEMA)
    assert indirect == expected
    assert outputs == list(column_lineage(sql, SCHEMA).items())


def test_lateral_function_edges_need_no_warning() -> None:
    sources: ViewSources = {("shop", "customers"): {"customer_id", "name"}}
    sql = (
        "SELECT c.customer_id, e.key FROM shop.customers c, "
        "LATERAL jsonb_each_text(c.name::jsonb) e(key, value)"
    )
    columns = {("db", "shop", "customers"): SCHEMA["shop"]["customers"]}
    edges, warnings = view_edges(VIEW, sql, ["customer_id", "key"], sources, columns)
    assert warnings == []
    assert ("name", "key", "expression") in {
        (e["source_column"], e["target_column"], e["transformation"]) for e in edges
    }


def test_dependency_without_column_edge_gets_a_warning() -> None:
    # pg_depend records orders.tax, which no column edge comes from and no filter reads;
    # status and created_at are read only to filter and order rows: no warning for them.
    sources: ViewSources = {("shop", "orders"): {"order_id", "tax", "status", "created_at"}}
    sql = "SELECT o.order_id FROM shop.orders o WHERE o.status = 'x' ORDER BY o.created_at"
    _, warnings = view_edges(VIEW, sql, ["order_id"], sources, ORDERS_COLUMNS)
    assert warnings == [
        "db.shop.v: column lineage misses 1 source column(s) that pg_depend records: "
        "shop.orders.tax"
    ]


def test_view_edges_without_parseable_sql_keep_table_edges() -> None:
    sources: ViewSources = {("shop", "orders"): {"order_id"}, ("shop", "returns"): {None}}
    edges, warnings = view_edges(VIEW, "SELECT FROM WHERE", ["x"], sources, ORDERS_COLUMNS)
    assert {(e["level"], e["source_table"], e["target_table"]) for e in edges} == {
        ("table", "orders", "v"),
        ("table", "returns", "v"),
    }
    assert len(warnings) == 1
    assert warnings[0].startswith("db.shop.v: column lineage unavailable (parse error: ")


def test_view_edges_when_the_view_columns_do_not_match_the_query() -> None:
    sources: ViewSources = {("shop", "orders"): {"order_id"}}
    sql = "SELECT order_id FROM shop.orders"
    _, warnings = view_edges(VIEW, sql, ["a", "b"], sources, ORDERS_COLUMNS)
    assert warnings == [
        "db.shop.v: column lineage unavailable (query has 1 output columns, the view 2)"
    ]


def test_foreign_key_edges_run_from_parent_to_child() -> None:
    fk = {
        "catalog_name": "db", "schema_name": "shop", "table_name": "order_lines",
        "constraint_name": "order_lines_fk", "constraint_type": "foreign_key",
        "columns": ["order_id", "product_id"], "referenced_schema": "shop",
        "referenced_table": "order_products", "referenced_columns": ["id", "product"],
    }  # fmt: skip
    edges, warnings = foreign_key_edges([fk, {**fk, "constraint_type": "unique"}])
    assert warnings == []
    assert [
        (e["level"], e["source_table"], e["source_column"], e["target_table"], e["target_column"])
        for e in edges
    ] == [
        ("table", "order_products", None, "order_lines", None),
        ("column", "order_products", "id", "order_lines", "order_id"),
        ("column", "order_products", "product", "order_lines", "product_id"),
    ]
    assert {(e["edge_kind"], e["constraint_name"], e["transformation"]) for e in edges} == {
        ("foreign_key", "order_lines_fk", None)
    }


def _write_raw(run_dir: Path, kind: str, rows: list[dict[str, Any]]) -> None:
    (run_dir / "raw").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=SCHEMAS[kind]), run_dir / "raw" / f"{kind}.parquet"
    )


def _relation(catalog: str, table: str, kind: str, definition: str | None = None) -> dict[str, Any]:
    return {"catalog_name": catalog, "schema_name": "s", "table_name": table, "kind": kind,
            "definition": definition}  # fmt: skip


def _columns(catalog: str, table: str, names: list[str]) -> list[dict[str, Any]]:
    return [
        {"catalog_name": catalog, "schema_name": "s", "table_name": table, "column_name": name,
         "ordinal": ordinal}
        for ordinal, name in enumerate(names, start=1)
    ]  # fmt: skip


def _depends(catalog: str, view: str, table: str, columns: list[str]) -> list[dict[str, Any]]:
    return [
        {"catalog_name": catalog, "schema_name": "s", "table_name": view, "source_schema": "s",
         "source_table": table, "source_column": column}
        for column in columns
    ]  # fmt: skip


def test_build_lineage_over_two_databases(tmp_path: Path) -> None:
    """Same names in two databases stay apart; a chain of views resolves hop by hop."""
    relations, columns, depends = [], [], []
    for catalog in ("one", "two"):
        mid_sql = " SELECT base.a + base.b AS ab\n   FROM s.base;"
        top_sql = " SELECT sum(mid.ab) AS total\n   FROM s.mid;"
        relations += [
            _relation(catalog, "base", "table"),
            _relation(catalog, "mid", "view", mid_sql),
            _relation(catalog, "top", "materialized_view", top_sql),
        ]
        columns += _columns(catalog, "base", ["a", "b"]) + _columns(catalog, "mid", ["ab"])
        columns += _columns(catalog, "top", ["total"])
        depends += _depends(catalog, "mid", "base", ["a", "b"]) + _depends(
            catalog, "top", "mid", ["ab"]
        )
    _write_raw(tmp_path, "relations", relations)
    _write_raw(tmp_path, "columns", columns)
    _write_raw(tmp_path, "view_dependencies", depends)
    _write_raw(tmp_path, "constraints", [])

    assert build_lineage(tmp_path) == []
    assert pq.read_schema(tmp_path / "lineage" / "edges.parquet").equals(EDGE_SCHEMA)
    edges = read_edges(tmp_path)
    assert len(edges) == 2 * 5  # per database: 2 table + 2 column edges into mid, 1 + 1 into top
    top = [e for e in edges if e["catalog_name"] == "two" and e["target_table"] == "top"]
    assert {
        (e["level"], e["source_table"], e["source_column"], e["transformation"]) for e in top
    } == {
        ("table", "mid", None, None),
        ("column", "mid", "ab", "aggregate"),
    }
    assert upstream_columns(edges, "two", "s", "top", "total") == {
        ("s", "base", "a"),
        ("s", "base", "b"),
    }
    assert not list((tmp_path / "lineage").glob(".*"))  # no temporary file left behind


def test_build_lineage_warns_on_missing_raw_files(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    warnings = build_lineage(tmp_path)
    assert len(warnings) == 4 and all("missing" in w for w in warnings)
    assert read_edges(tmp_path) == []


def test_upstream_stops_at_a_view_without_column_lineage() -> None:
    edges = [
        {"edge_kind": "view", "level": "column", "catalog_name": "db", "source_schema": "s",
         "source_table": "unparsed_view", "source_column": "x", "target_schema": "s",
         "target_table": "v", "target_column": "y"},
        {"edge_kind": "foreign_key", "level": "column", "catalog_name": "db",
         "source_schema": "s", "source_table": "parent", "source_column": "id",
         "target_schema": "s", "target_table": "unparsed_view", "target_column": "x"},
    ]  # fmt: skip
    assert upstream_columns(edges, "db", "s", "v", "y") == {("s", "unparsed_view", "x")}
    assert upstream_columns(edges, "other_db", "s", "v", "y") == set()
