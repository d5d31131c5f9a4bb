"""Relation fingerprints from raw rows: what changes them and what does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.extract.schemas import SCHEMAS
from sourcesense.incremental.fingerprints import (
    FINGERPRINTS_FILE,
    keep_keys,
    relation_key,
    write_fingerprints,
)

DB = "db"


def relation(name: str, kind: str = "table", **fields: Any) -> dict[str, Any]:
    return {"catalog_name": DB, "schema_name": "s", "table_name": name, "kind": kind,
            "oid": hash(name) % 100_000, "is_partition": False, **fields}  # fmt: skip


def column(table: str, name: str, ordinal: int, data_type: str = "int") -> dict[str, Any]:
    return {"catalog_name": DB, "schema_name": "s", "table_name": table, "column_name": name,
            "ordinal": ordinal, "data_type": data_type}  # fmt: skip


def base_catalog() -> dict[str, list[dict[str, Any]]]:
    return {
        "relations": [
            relation("orders", row_estimate=10),
            relation("customers", row_estimate=5),
            relation("totals", "view", definition="SELECT id FROM s.orders"),
            relation("events", "partitioned_table"),
            relation("events_1", is_partition=True, parent_schema="s", parent_table="events"),
        ],
        "columns": [
            column("orders", "id", 1),
            column("orders", "amount", 2, "numeric"),
            column("customers", "id", 1),
            column("totals", "id", 1),
        ],
        "constraints": [
            {
                "catalog_name": DB,
                "schema_name": "s",
                "table_name": "orders",
                "constraint_name": "k",
                "columns": [],
            }
        ],
        "view_dependencies": [
            {
                "catalog_name": DB,
                "schema_name": "s",
                "table_name": "totals",
                "source_schema": "s",
                "source_table": "orders",
                "source_column": "id",
            }
        ],
    }


def fingerprints(tmp: Path, catalog: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, str]]:
    raw = tmp / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for kind, rows in catalog.items():
        pq.write_table(pa.Table.from_pylist(rows, SCHEMAS[kind]), raw / f"{kind}.parquet")
    write_fingerprints(tmp)
    return {row["table_name"]: row for row in pq.read_table(tmp / FINGERPRINTS_FILE).to_pylist()}


def test_same_rows_same_fingerprints(tmp_path: Path) -> None:
    assert fingerprints(tmp_path / "a", base_catalog()) == fingerprints(
        tmp_path / "b", base_catalog()
    )


def test_a_new_column_changes_its_table_and_the_view_reading_it(tmp_path: Path) -> None:
    before = fingerprints(tmp_path / "a", base_catalog())
    catalog = base_catalog()
    catalog["columns"].append(column("orders", "note", 3, "text"))
    after = fingerprints(tmp_path / "b", catalog)
    changed = {name for name in before if before[name]["fingerprint"] != after[name]["fingerprint"]}
    assert changed == {"orders", "totals"}
    assert before["totals"]["definition"] == after["totals"]["definition"]  # its own rows alike


def test_statistics_change_the_statistics_hash_only(tmp_path: Path) -> None:
    before = fingerprints(tmp_path / "a", base_catalog())
    catalog = base_catalog()
    catalog["relations"][0]["row_estimate"] = 11
    after = fingerprints(tmp_path / "b", catalog)
    assert before["orders"]["definition"] == after["orders"]["definition"]
    assert before["orders"]["statistics"] != after["orders"]["statistics"]
    # A view reads its sources' definitions, not their statistics.
    assert before["totals"]["fingerprint"] == after["totals"]["fingerprint"]


def test_a_partition_follows_its_parent(tmp_path: Path) -> None:
    before = fingerprints(tmp_path / "a", base_catalog())
    catalog = base_catalog()
    catalog["relations"][3]["comment"] = "now documented"
    after = fingerprints(tmp_path / "b", catalog)
    assert before["events_1"]["definition"] == after["events_1"]["definition"]
    assert before["events_1"]["fingerprint"] != after["events_1"]["fingerprint"]


def test_null_and_empty_lists_differ(tmp_path: Path) -> None:
    before = fingerprints(tmp_path / "a", base_catalog())
    catalog = base_catalog()
    catalog["constraints"][0]["columns"] = None
    after = fingerprints(tmp_path / "b", catalog)
    assert before["orders"]["definition"] != after["orders"]["definition"]


def test_a_recreated_table_is_a_new_one(tmp_path: Path) -> None:
    before = fingerprints(tmp_path / "a", base_catalog())
    catalog = base_catalog()
    catalog["relations"][1]["oid"] += 1
    after = fingerprints(tmp_path / "b", catalog)
    assert before["customers"]["definition"] != after["customers"]["definition"]


def test_keys_survive_odd_identifiers() -> None:
    names = [("db", 's"q', "a b"), ("d.b", "ü", "x" * 63), ("db", "order", "select")]
    rows = [{"catalog_name": c, "schema_name": s, "table_name": t} for c, s, t in names]
    other = {"catalog_name": "db", "schema_name": "other", "table_name": "t"}
    table = pa.Table.from_pylist([*rows, other])
    kept = keep_keys(table, {relation_key(*name) for name in names})
    assert kept.to_pylist() == rows
