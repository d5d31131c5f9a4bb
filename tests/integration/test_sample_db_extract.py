"""Extracted values of sample_db, checked field by field against what schema.sql declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcesense.extract.run import RunOutcome
from sourcesense.sample_db.populate import render_sample_sql
from sourcesense.store.summary import relation_breakdown
from tests.helpers import extract, one, rows
from tests.pg import PgServer


@pytest.fixture(scope="module")
def run(pg: PgServer, sample_db: str, tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    return extract(pg, sample_db, tmp_path_factory.mktemp("data"))


def test_manifest_and_coverage(run: RunOutcome) -> None:
    manifest = run.manifest
    assert manifest["status"] == "completed", manifest["errors"]
    assert {r["schema_name"] for r in rows(run, "schemas")} == {
        "analytics",
        "ecommerce",
        "reporting",
    }
    assert relation_breakdown(run.run_dir) == {
        "table": 11, "partitioned_table": 1, "partitions": 5, "view": 2, "materialized_view": 1
    }  # fmt: skip
    assert set(manifest["timings"]) == set(manifest["counts"]) - {"databases"}


def test_foreign_key_with_columns_and_rules(run: RunOutcome) -> None:
    fk = one(
        run, "constraints", table_name="order_items", constraint_name="order_items_order_id_fkey"
    )
    assert fk["constraint_type"] == "foreign_key"
    assert (fk["columns"], fk["referenced_schema"], fk["referenced_table"]) == (
        ["order_id"], "ecommerce", "orders"
    )  # fmt: skip
    assert fk["referenced_columns"] == ["order_id"]
    assert (fk["on_delete"], fk["on_update"], fk["match_type"]) == (
        "cascade",
        "no_action",
        "simple",
    )
    self_fk = one(run, "constraints", constraint_name="categories_parent_id_fkey")
    assert (self_fk["on_delete"], self_fk["is_deferrable"], self_fk["is_deferred"]) == (
        "set_null", True, True
    )  # fmt: skip


def test_indexes(run: RunOutcome) -> None:
    partial = one(run, "indexes", index_name="orders_pending_idx")
    assert partial["predicate"] == "(status = 'pending'::ecommerce.order_status)"
    assert partial["columns"] == ["created_at"] and partial["access_method"] == "btree"
    expression = one(run, "indexes", index_name="users_last_name_lower_idx")
    assert expression["columns"] == ["lower(last_name)"]
    assert one(run, "indexes", index_name="products_tags_gin_idx")["access_method"] == "gin"
    assert one(run, "indexes", index_name="orders_user_id_created_at_idx")["columns"] == [
        "user_id", "created_at"
    ]  # fmt: skip


def test_columns(run: RunOutcome) -> None:
    line_total = one(run, "columns", table_name="order_items", column_name="line_total")
    assert line_total["generated"] == "stored"
    assert line_total["generation_expression"] == "((quantity)::numeric * unit_price)"
    assert line_total["column_default"] is None
    assert (line_total["numeric_precision"], line_total["numeric_scale"]) == (12, 2)
    email = one(run, "columns", table_name="users", column_name="email")
    assert email["comment"] == "Login e-mail address, unique per user"
    assert (email["data_type"], email["type_kind"], email["base_type"]) == (
        "ecommerce.email_address", "domain", "text"
    )  # fmt: skip
    user_id = one(run, "columns", table_name="users", column_name="user_id")
    assert (user_id["identity"], user_id["is_nullable"], user_id["ordinal"]) == ("always", False, 1)
    status = one(run, "columns", table_name="orders", column_name="status")
    assert status["type_kind"] == "enum"
    tags = one(run, "columns", table_name="products", column_name="tags")
    assert (tags["data_type"], tags["type_kind"], tags["base_type"]) == ("text[]", "array", "text")
    invoice = one(run, "columns", table_name="orders", column_name="invoice_number")
    assert invoice["column_default"] == "nextval('ecommerce.invoice_number_seq'::regclass)"


def test_types(run: RunOutcome) -> None:
    status = one(run, "types", type_name="order_status")
    assert status["enum_labels"] == ["pending", "paid", "shipped", "delivered", "cancelled"]
    domain = one(run, "types", type_name="email_address")
    assert domain["kind"] == "domain" and domain["base_type"] == "text"
    assert len(domain["domain_constraints"]) == 1 and "CHECK" in domain["domain_constraints"][0]
    geo = one(run, "types", type_name="geo_point")
    assert geo["composite_fields"] == ["latitude numeric(9,6)", "longitude numeric(9,6)"]


def test_partitions_roll_up(run: RunOutcome) -> None:
    parent = one(run, "relations", table_name="user_events")
    assert parent["kind"] == "partitioned_table" and parent["partition_count"] == 5
    assert (parent["partition_strategy"], parent["partition_key"]) == (
        "range",
        "RANGE (occurred_at)",
    )
    partitions = [r for r in rows(run, "relations") if r["parent_table"] == "user_events"]
    assert len(partitions) == 5 and all(p["is_partition"] for p in partitions)
    assert parent["size_bytes"] == sum(p["size_bytes"] for p in partitions)
    assert parent["row_estimate"] == sum(p["row_estimate"] for p in partitions) == 10_000
    january = one(run, "relations", table_name="user_events_2024_01")
    assert january["partition_bound"].startswith("FOR VALUES FROM ('2024-01-01")
    assert one(run, "relations", table_name="user_events_default")["partition_bound"] == "DEFAULT"
    assert not [c for c in rows(run, "columns") if c["table_name"] == "user_events_2024_01"]


def test_views_and_routines(run: RunOutcome) -> None:
    top = one(run, "relations", table_name="top_customers")
    assert top["kind"] == "view" and "order_summary" in top["definition"]
    mv = one(run, "relations", table_name="category_sales_mv")
    assert mv["kind"] == "materialized_view" and mv["is_populated"] is True
    total = one(run, "routines", routine_name="order_total")
    assert (total["kind"], total["arguments"], total["return_type"]) == (
        "function", "p_order_id bigint", "numeric"
    )  # fmt: skip
    assert one(run, "routines", routine_name="refresh_daily_sales")["kind"] == "procedure"
    trigger = one(run, "triggers", trigger_name="users_set_updated_at")
    assert (trigger["timing"], trigger["events"], trigger["level"]) == ("before", ["update"], "row")
    assert trigger["function_name"] == "set_updated_at"


def test_sequences(run: RunOutcome) -> None:
    invoice = one(run, "sequences", sequence_name="invoice_number_seq")
    assert invoice["start_value"] == 100001 and invoice["owned_by_table"] is None
    identity = one(run, "sequences", owned_by_table="users", owned_by_column="user_id")
    assert identity["is_identity"] is True


def test_docker_init_sql_is_current() -> None:
    path = Path(__file__).parents[2] / "docker" / "sample_db" / "init.sql"
    assert path.read_text(encoding="utf-8") == render_sample_sql()
