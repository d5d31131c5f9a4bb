"""Extracting sample_db from MySQL/MariaDB: per-kind counts equal to independent
information_schema counts, and the values of each kind as the server states them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pyatlan.model.assets import Asset

from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.lineage import build_lineage
from sourcesense.source import Source
from sourcesense.transform.registry import run_transformers
from tests.mysql.conftest import query

SYSTEM = ("mysql", "sys", "performance_schema", "information_schema")


@pytest.fixture(scope="module")
def run(mysql_source: Source, mysql_sample: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    request = ExtractRequest(mysql_source, Filters(include_schema=f"^{mysql_sample}"))
    outcome = run_extraction(request, tmp_path_factory.mktemp("mysql-run"))
    assert outcome.manifest["status"] == "completed", outcome.manifest["errors"]
    return outcome.run_dir


def rows(run: Path, kind: str) -> list[dict[str, Any]]:
    return pq.read_table(run / "raw" / f"{kind}.parquet").to_pylist()


def one(run: Path, kind: str, **where: Any) -> dict[str, Any]:
    found = [row for row in rows(run, kind) if all(row[k] == v for k, v in where.items())]
    assert len(found) == 1, (kind, where, len(found))
    return found[0]


COUNTS = {
    "schemas": "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s",
    "relations": "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE %s",
    "columns": "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA LIKE %s",
    "constraints": "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS"
    " WHERE TABLE_SCHEMA LIKE %s",
    "indexes": "SELECT COUNT(DISTINCT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME)"
    " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA LIKE %s",
    "routines": "SELECT (SELECT COUNT(*) FROM information_schema.ROUTINES"
    " WHERE ROUTINE_SCHEMA LIKE %s) + (SELECT COUNT(*) FROM information_schema.EVENTS"
    " WHERE EVENT_SCHEMA LIKE %s)",
    "triggers": "SELECT COUNT(*) FROM information_schema.TRIGGERS"
    " WHERE EVENT_OBJECT_SCHEMA LIKE %s",
}


@pytest.mark.parametrize("kind", list(COUNTS))
def test_counts_equal_information_schema(
    run: Path, mysql_source: Source, mysql_sample: str, kind: str
) -> None:
    like = mysql_sample.replace("_", "\\_") + "%"
    ((expected,),) = query(mysql_source, COUNTS[kind], *[like] * COUNTS[kind].count("%s"))
    assert expected > 0
    assert len(rows(run, kind)) == expected


def test_manifest_and_databases_name_the_engine(run: Path, mysql_source: Source) -> None:
    ((version,),) = query(mysql_source, "SELECT VERSION()")
    engine = "mariadb" if "MariaDB" in version else "mysql"
    manifest = pq.read_table(run / "raw" / "databases.parquet").to_pylist()
    assert [(row["catalog_name"], row["engine"]) for row in manifest] == [("def", engine)]
    assert not {row["schema_name"] for row in rows(run, "schemas")} & set(SYSTEM)


def test_foreign_key_with_columns_and_rules(run: Path, mysql_sample: str) -> None:
    fk = one(run, "constraints", constraint_name="products_category_fk")
    assert fk["constraint_type"] == "foreign_key"
    assert (fk["schema_name"], fk["table_name"]) == (f"{mysql_sample}ecommerce", "products")
    assert fk["columns"] == ["category_id"] == fk["referenced_columns"]
    assert (fk["referenced_schema"], fk["referenced_table"]) == (
        f"{mysql_sample}ecommerce", "categories")  # fmt: skip
    assert (fk["on_update"], fk["on_delete"]) == ("cascade", "restrict")
    pk = one(run, "constraints", table_name="order_items", constraint_type="primary_key")
    assert pk["columns"] == ["order_id", "line_no"]


def test_partitioned_table_rolled_up(run: Path, mysql_source: Source, mysql_sample: str) -> None:
    table = one(run, "relations", table_name="user_events")
    method, expression, partitions = query(
        mysql_source,
        "SELECT MAX(PARTITION_METHOD), MAX(PARTITION_EXPRESSION), COUNT(*)"
        " FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        f"{mysql_sample}analytics", "user_events",
    )[0]  # fmt: skip
    assert (method, partitions) == ("RANGE", 4)
    assert table["kind"] == "partitioned_table"
    assert table["partition_strategy"] == "range"
    assert table["partition_key"] == f"RANGE ({expression})"
    assert table["partition_count"] == 4
    assert table["storage_engine"] == "InnoDB"


def test_generated_column_and_column_details(
    run: Path, mysql_source: Source, mysql_sample: str
) -> None:
    ((expression,),) = query(
        mysql_source,
        "SELECT GENERATION_EXPRESSION FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'products' AND COLUMN_NAME = 'margin'",
        f"{mysql_sample}ecommerce",
    )
    margin = one(run, "columns", table_name="products", column_name="margin")
    assert (margin["generated"], margin["generation_expression"]) == ("stored", expression)
    assert "price" in expression and "cost" in expression
    assert margin["comment"] == "generated: price - cost"
    sku = one(run, "columns", table_name="products", column_name="sku")
    assert (sku["data_type"], sku["character_set"], sku["collation"]) == (
        "char(12)", "ascii", "ascii_bin")  # fmt: skip
    assert (sku["is_nullable"], sku["max_length"]) == (False, 12)
    user_id = one(run, "columns", table_name="users", column_name="user_id")
    assert user_id["identity"] == "auto_increment"
    assert user_id["data_type"].startswith("int") and user_id["data_type"].endswith("unsigned")
    status = one(run, "columns", table_name="users", column_name="status")
    assert (status["type_kind"], status["column_default"]) in (
        ("enum", "'active'"), ("enum", "active"))  # fmt: skip
    phone = one(run, "columns", table_name="users", column_name="phone")
    assert (phone["is_nullable"], phone["column_default"]) == (True, None)


def test_view_definition(run: Path, mysql_source: Source, mysql_sample: str) -> None:
    ((definition,),) = query(
        mysql_source,
        "SELECT VIEW_DEFINITION FROM information_schema.VIEWS"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'top_customers'",
        f"{mysql_sample}reporting",
    )
    view = one(run, "relations", table_name="top_customers")
    assert view["kind"] == "view"
    assert view["definition"] == definition
    assert "order_summary" in definition


def test_check_constraint_clause(run: Path, mysql_source: Source, mysql_sample: str) -> None:
    ((clause,),) = query(
        mysql_source,
        "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
        " WHERE CONSTRAINT_SCHEMA = %s AND CONSTRAINT_NAME = 'products_price_check'",
        f"{mysql_sample}ecommerce",
    )
    check = one(run, "constraints", constraint_name="products_price_check")
    assert check["constraint_type"] == "check"
    assert check["definition"] == f"CHECK ({clause})"
    assert check["table_name"] == "products"


def test_indexes_with_prefix_lengths(run: Path) -> None:
    prefix = one(run, "indexes", index_name="users_name_prefix")
    assert (prefix["columns"], prefix["prefix_lengths"]) == (["full_name"], [20])
    assert (prefix["is_unique"], prefix["is_visible"], prefix["access_method"]) == (
        False, True, "btree")  # fmt: skip
    composite = one(run, "indexes", index_name="orders_user_idx")
    assert composite["columns"] == ["user_id", "ordered_at"]
    assert composite["prefix_lengths"] == [None, None]
    assert one(run, "indexes", table_name="users", index_name="PRIMARY")["is_primary"] is True


def test_routines_events_and_triggers(run: Path, mysql_sample: str) -> None:
    procedure = one(run, "routines", routine_name="cancel_order")
    assert procedure["kind"] == "procedure"
    assert procedure["arguments"].startswith("IN p_order_id bigint")
    assert "cancelled" in procedure["definition"]
    function = one(run, "routines", routine_name="with_tax")
    assert (function["kind"], function["return_type"], function["volatility"]) == (
        "function", "decimal(12,2)", "immutable")  # fmt: skip
    event = one(run, "routines", routine_name="purge_daily_sales")
    assert (event["kind"], event["schedule"]) == ("event", "EVERY 1 DAY")
    trigger = one(run, "triggers", trigger_name="order_items_total")
    assert (trigger["schema_name"], trigger["table_name"]) == (
        f"{mysql_sample}ecommerce", "order_items")  # fmt: skip
    assert (trigger["timing"], trigger["events"], trigger["level"]) == ("after", ["insert"], "row")


def test_view_lineage_from_definitions(run: Path, mysql_sample: str) -> None:
    assert build_lineage(run) == []
    edges = pq.read_table(run / "lineage" / "edges.parquet").to_pylist()
    reporting, ecommerce = f"{mysql_sample}reporting", f"{mysql_sample}ecommerce"

    def view_edges(view: str, level: str) -> set[tuple[Any, ...]]:
        return {
            (e["source_schema"], e["source_table"], e["source_column"], e["target_column"],
             e["transformation"])
            for e in edges
            if e["edge_kind"] == "view" and e["target_table"] == view and e["level"] == level
        }  # fmt: skip

    assert view_edges("top_customers", "table") == {
        (reporting, "order_summary", None, None, None)}  # fmt: skip
    assert view_edges("top_customers", "column") == {
        (reporting, "order_summary", "user_id", "user_id", "direct"),
        (reporting, "order_summary", "email", "email", "direct"),
        (reporting, "order_summary", "total", "revenue", "aggregate"),
    }
    assert {(s, t) for s, t, *_ in view_edges("order_summary", "table")} == {
        (ecommerce, "orders"), (ecommerce, "users"), (ecommerce, "order_items")}  # fmt: skip
    assert (ecommerce, "order_items", "line_no", "line_count", "aggregate") in view_edges(
        "order_summary", "column")  # fmt: skip
    dependencies = rows(run, "view_dependencies")
    assert {(d["table_name"], d["source_table"], d["source_kind"]) for d in dependencies} == {
        ("order_summary", "orders", "table"), ("order_summary", "users", "table"),
        ("order_summary", "order_items", "table"), ("top_customers", "order_summary", "view"),
    }  # fmt: skip


def test_atlan_and_openlineage(run: Path, mysql_source: Source, mysql_sample: str) -> None:
    build_lineage(run)
    done = run_transformers(run, ["atlan", "openlineage"], {"atlan_connection": "default/mysql/1"})
    assert {name: result["status"] for name, result in done.items()} == {
        "atlan": "completed", "openlineage": "completed"}  # fmt: skip
    lines = [json.loads(line) for path in sorted((run / "transformed" / "atlan").rglob("*.json"))
             for line in path.read_text(encoding="utf-8").splitlines()]  # fmt: skip
    for entity in lines:  # every line loads into pyatlan's model of its type
        asset = Asset._convert_to_real_type_(entity)  # type: ignore[no-untyped-call]
        assert type(asset).__name__ == entity["typeName"]
        assert entity["attributes"]["connectorName"] == "mysql"
    by_qn = {e["attributes"]["qualifiedName"]: e["typeName"] for e in lines}
    orders = f"default/mysql/1/def/{mysql_sample}ecommerce/orders"
    assert (by_qn["default/mysql/1/def"], by_qn[orders]) == ("Database", "Table")
    assert by_qn[f"default/mysql/1/def/{mysql_sample}reporting/top_customers"] == "View"
    assert (
        by_qn[f"default/mysql/1/def/{mysql_sample}reporting/_procedures_/purge_daily_sales"]
        == "Procedure"
    )
    events = [
        json.loads(line)
        for line in (run / "transformed" / "openlineage" / "events.jsonl").read_text().splitlines()
    ]
    port = mysql_source.port or 3306
    assert {e.get("dataset", e.get("job", {})).get("namespace") for e in events} == {
        f"mysql://{mysql_source.host}:{port}"}  # fmt: skip
    job = next(e for e in events if e.get("job", {}).get("name") ==
               f"{mysql_sample}reporting.top_customers")  # fmt: skip
    assert [i["name"] for i in job["inputs"]] == [f"{mysql_sample}reporting.order_summary"]
    assert job["job"]["facets"]["sql"]["dialect"] == "mysql"
