"""Lineage of sample_db, checked edge by edge against the views and keys schema.sql declares."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sourcesense.extract.run import RunOutcome
from sourcesense.lineage import EDGE_SCHEMA, Edge, build_lineage, read_edges, upstream_columns
from tests.helpers import extract
from tests.pg import PgServer

# (target column, source schema, source table, source column, transformation)
ColumnEdge = tuple[str, str, str, str, str]


@pytest.fixture(scope="module")
def run(pg: PgServer, sample_db: str, tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    return extract(pg, sample_db, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def warnings(run: RunOutcome) -> list[str]:
    return build_lineage(run.run_dir)


@pytest.fixture(scope="module")
def edges(run: RunOutcome, warnings: list[str]) -> list[Edge]:
    return read_edges(run.run_dir)


def column_edges(edges: list[Edge], schema: str, view: str) -> set[ColumnEdge]:
    return {
        (e["target_column"], e["source_schema"], e["source_table"], e["source_column"],
         e["transformation"])
        for e in edges
        if (e["edge_kind"], e["level"], e["target_schema"], e["target_table"])
        == ("view", "column", schema, view)
    }  # fmt: skip


def source_tables(edges: list[Edge], schema: str, view: str) -> set[tuple[str, str]]:
    return {
        (e["source_schema"], e["source_table"])
        for e in edges
        if (e["edge_kind"], e["level"], e["target_schema"], e["target_table"])
        == ("view", "table", schema, view)
    }


def test_every_view_parses_and_the_file_follows_the_schema(
    run: RunOutcome, sample_db: str, warnings: list[str], edges: list[Edge]
) -> None:
    assert warnings == []
    path = run.run_dir / "lineage" / "edges.parquet"
    assert pq.read_schema(path).equals(EDGE_SCHEMA)
    assert {e["catalog_name"] for e in edges} == {sample_db}


E = "ecommerce"
ORDER_SUMMARY: set[ColumnEdge] = {
    ("order_id", E, "orders", "order_id", "direct"),
    ("invoice_number", E, "orders", "invoice_number", "direct"),
    ("user_id", E, "orders", "user_id", "direct"),
    ("customer_name", E, "users", "first_name", "expression"),
    ("customer_name", E, "users", "last_name", "expression"),
    ("email", E, "users", "email", "direct"),  # u.email::text: a cast passes the value through
    ("status", E, "orders", "status", "direct"),
    ("created_at", E, "orders", "created_at", "direct"),
    ("ship_city", E, "addresses", "city", "direct"),
    ("ship_country", E, "addresses", "country_code", "direct"),
    ("item_count", E, "order_items", "order_item_id", "aggregate"),
    ("units", E, "order_items", "quantity", "aggregate"),
    ("items_total", E, "order_items", "line_total", "aggregate"),
    ("shipping_cost", E, "orders", "shipping_cost", "direct"),
    ("order_total", E, "order_items", "line_total", "aggregate"),
    ("order_total", E, "orders", "shipping_cost", "expression"),
}


def test_order_summary(edges: list[Edge]) -> None:
    assert column_edges(edges, "reporting", "order_summary") == ORDER_SUMMARY
    assert source_tables(edges, "reporting", "order_summary") == {
        (E, "orders"), (E, "users"), (E, "addresses"), (E, "order_items")
    }  # fmt: skip


R = "reporting"
TOP_CUSTOMERS: set[ColumnEdge] = {
    ("user_id", R, "order_summary", "user_id", "direct"),
    ("customer_name", R, "order_summary", "customer_name", "direct"),
    ("email", R, "order_summary", "email", "direct"),
    # orders_count is count(*): computed from no column, so no column edge.
    ("lifetime_value", R, "order_summary", "order_total", "aggregate"),
    ("last_order_at", R, "order_summary", "created_at", "aggregate"),
    ("value_rank", R, "order_summary", "order_total", "aggregate"),  # rank() OVER (ORDER BY sum())
}


def test_top_customers_reads_the_view_below_it_one_hop(edges: list[Edge]) -> None:
    assert column_edges(edges, "reporting", "top_customers") == TOP_CUSTOMERS
    assert source_tables(edges, "reporting", "top_customers") == {(R, "order_summary")}


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("user_id", {(E, "orders", "user_id")}),
        ("customer_name", {(E, "users", "first_name"), (E, "users", "last_name")}),
        ("email", {(E, "users", "email")}),
        ("orders_count", set()),
        ("lifetime_value", {(E, "order_items", "line_total"), (E, "orders", "shipping_cost")}),
        ("last_order_at", {(E, "orders", "created_at")}),
        ("value_rank", {(E, "order_items", "line_total"), (E, "orders", "shipping_cost")}),
    ],
)
def test_top_customers_chain_down_to_base_tables(
    edges: list[Edge], sample_db: str, column: str, expected: set[tuple[str, str, str]]
) -> None:
    assert upstream_columns(edges, sample_db, "reporting", "top_customers", column) == expected


def test_materialized_view(edges: list[Edge]) -> None:
    assert column_edges(edges, "analytics", "category_sales_mv") == {
        ("category_id", E, "categories", "category_id", "direct"),
        ("category_name", E, "categories", "name", "direct"),
        ("parent_category_name", E, "categories", "name", "direct"),  # the self-join alias
        ("orders_count", E, "orders", "order_id", "aggregate"),
        ("units_sold", E, "order_items", "quantity", "aggregate"),
        ("revenue", E, "order_items", "line_total", "aggregate"),
    }
    assert source_tables(edges, "analytics", "category_sales_mv") == {
        (E, "categories"), (E, "products"), (E, "order_items"), (E, "orders")
    }  # fmt: skip


def fk_edges(edges: list[Edge], name: str) -> list[tuple[str | None, ...]]:
    return sorted(
        (e["level"], e["source_schema"], e["source_table"], e["source_column"],
         e["target_schema"], e["target_table"], e["target_column"])
        for e in edges
        if e["edge_kind"] == "foreign_key" and e["constraint_name"] == name
    )  # fmt: skip


def test_foreign_keys_run_from_parent_to_child(edges: list[Edge]) -> None:
    assert fk_edges(edges, "order_items_order_id_fkey") == [
        ("column", E, "orders", "order_id", E, "order_items", "order_id"),
        ("table", E, "orders", None, E, "order_items", None),
    ]
    assert fk_edges(edges, "categories_parent_id_fkey") == [
        ("column", E, "categories", "category_id", E, "categories", "parent_id"),
        ("table", E, "categories", None, E, "categories", None),
    ]
    assert fk_edges(edges, "product_performance_product_id_fkey") == [
        ("column", E, "products", "product_id", R, "product_performance", "product_id"),
        ("table", E, "products", None, R, "product_performance", None),
    ]
    fk_tables = {e["constraint_name"] for e in edges if e["edge_kind"] == "foreign_key"}
    assert len(fk_tables) == 13  # every FOREIGN KEY in schema.sql
    assert all(e["transformation"] is None for e in edges if e["edge_kind"] == "foreign_key")


def test_rebuilding_gives_the_same_file(run: RunOutcome, edges: list[Edge]) -> None:
    assert build_lineage(run.run_dir) == []
    assert read_edges(run.run_dir) == edges
    assert not [p for p in Path(run.run_dir / "lineage").iterdir() if p.name.startswith(".")]


def test_every_source_of_a_view_has_column_or_indirect_edges(edges: list[Edge]) -> None:
    """A source read only in joins (products in category_sales_mv) still has column edges:
    indirect ones, kept apart from the columns that feed a value."""
    views = {(e["target_schema"], e["target_table"]) for e in edges if e["edge_kind"] == "view"}
    assert len(views) == 3
    for schema, view in views:
        target = (schema, view)
        mine = [
            e for e in edges
            if e["edge_kind"] == "view" and (e["target_schema"], e["target_table"]) == target
        ]  # fmt: skip
        tables = {(e["source_schema"], e["source_table"]) for e in mine if e["level"] == "table"}
        columns = {(e["source_schema"], e["source_table"]) for e in mine if e["level"] != "table"}
        assert tables == columns, view
        assert all(e["target_column"] is None for e in mine if e["level"] == "indirect")
    products = sorted(
        (e["level"], e["source_column"], e["transformation"]) for e in edges
        if e["target_table"] == "category_sales_mv" and e["source_table"] == "products"
    )  # fmt: skip
    assert products == [
        ("indirect", "category_id", "join"), ("indirect", "product_id", "join"),
        ("table", None, None),
    ]  # fmt: skip
