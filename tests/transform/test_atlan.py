"""Atlan entities of sample_db: every line loads into pyatlan's models, attribute names are
ones those models know, qualifiedNames follow the conventions, and the whole output matches the
reviewed golden file (volatile sizes and counts left out)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pyatlan.model.assets import Asset

from sourcesense.extract.run import RunOutcome
from sourcesense.transform.atlan import split_arguments
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract
from tests.pg import PgServer

CONNECTION = "default/postgres/1700000000"
GOLDEN = Path(__file__).parent / "golden" / "atlan_sample_db.jsonl"
VOLATILE = {"rowCount", "sizeBytes", "connectionQualifiedName"}


@pytest.fixture(scope="module")
def atlan_dir(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    outcome: RunOutcome = extract(embedded_server, sample_db_embedded, tmp_path_factory.mktemp("d"))
    result = run_transformers(
        outcome.run_dir, ["atlan"], {"atlan_connection": CONNECTION, "atlan_bulk_batch_size": "50"}
    )
    assert result["atlan"]["status"] == "completed", result
    return outcome.run_dir / "transformed" / "atlan"


def entities(atlan_dir: Path) -> list[dict[str, Any]]:
    lines = []
    for file in sorted(atlan_dir.glob("*/entities.json")):
        lines += [json.loads(line) for line in file.read_text().splitlines()]
    return lines


def known_aliases(asset: Asset) -> set[str]:
    fields = type(asset.attributes).__fields__
    return {field.alias for field in fields.values()}


def test_every_line_loads_into_pyatlan(atlan_dir: Path) -> None:
    lines = entities(atlan_dir)
    assert {e["typeName"] for e in lines} == {
        "Database", "Schema", "Table", "View", "MaterialisedView", "TablePartition", "Column",
        "Procedure", "Function",
    }  # fmt: skip
    for entity in lines:
        asset = Asset._convert_to_real_type_(entity)  # type: ignore[no-untyped-call]
        assert type(asset).__name__ == entity["typeName"]
        assert asset.qualified_name == entity["attributes"]["qualifiedName"]
        unknown = set(entity["attributes"]) - known_aliases(asset)
        assert not unknown, (entity["typeName"], unknown)


def test_qualified_names_follow_the_conventions(atlan_dir: Path, sample_db_embedded: str) -> None:
    by_qn = {e["attributes"]["qualifiedName"]: e for e in entities(atlan_dir)}
    db = f"{CONNECTION}/{sample_db_embedded}"
    assert by_qn[db]["typeName"] == "Database"
    assert by_qn[f"{db}/ecommerce"]["attributes"]["database"]["uniqueAttributes"] == {
        "qualifiedName": db
    }
    orders = by_qn[f"{db}/ecommerce/orders"]["attributes"]
    assert orders["atlanSchema"]["uniqueAttributes"]["qualifiedName"] == f"{db}/ecommerce"
    status = by_qn[f"{db}/ecommerce/orders/status"]["attributes"]
    assert status["table"] == {
        "typeName": "Table",
        "uniqueAttributes": {"qualifiedName": f"{db}/ecommerce/orders"},
    }
    partition = by_qn[f"{db}/analytics/user_events_2024_01"]
    assert partition["typeName"] == "TablePartition"
    assert partition["attributes"]["parentTable"]["uniqueAttributes"]["qualifiedName"] == (
        f"{db}/analytics/user_events"
    )
    parent = by_qn[f"{db}/analytics/user_events"]["attributes"]
    assert (parent["isPartitioned"], parent["partitionStrategy"], parent["partitionCount"]) == (
        True, "range", 5
    )  # fmt: skip
    assert by_qn[f"{db}/reporting/_procedures_/refresh_daily_sales"]["typeName"] == "Procedure"
    assert by_qn[f"{db}/ecommerce/_functions_/order_total"]["typeName"] == "Function"
    mv_col = by_qn[f"{db}/analytics/category_sales_mv/category_id"]["attributes"]
    assert "materialisedView" in mv_col
    assert by_qn[f"{db}/reporting/top_customers"]["attributes"]["definition"].strip()
    pk = by_qn[f"{db}/ecommerce/order_items/order_id"]["attributes"]
    assert (pk["isForeign"], pk["isPrimary"], pk["dataType"]) == (True, False, "bigint")


def test_bulk_payloads_hold_every_entity_once(atlan_dir: Path) -> None:
    batches = sorted((atlan_dir / "bulk").glob("batch-*.json"))
    bulk = [e for b in batches for e in json.loads(b.read_text())["entities"]]
    assert all(len(json.loads(b.read_text())["entities"]) <= 50 for b in batches)
    assert sorted(json.dumps(e, sort_keys=True) for e in bulk) == sorted(
        json.dumps(e, sort_keys=True) for e in entities(atlan_dir)
    )


def _normalised(atlan_dir: Path, database: str) -> list[str]:
    out = []
    for entity in entities(atlan_dir):
        attributes = {k: v for k, v in entity["attributes"].items() if k not in VOLATILE}
        text = json.dumps(
            {"typeName": entity["typeName"], "attributes": attributes}, sort_keys=True
        )
        out.append(text.replace(database, "sample_db"))
    return sorted(out)


def test_golden_file(atlan_dir: Path, sample_db_embedded: str) -> None:
    """Regenerate after a reviewed change with SOURCESENSE_UPDATE_GOLDEN=1."""
    actual = _normalised(atlan_dir, sample_db_embedded)
    if os.environ.get("SOURCESENSE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text("\n".join(actual) + "\n", encoding="utf-8")
    assert actual == GOLDEN.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("p_order_id bigint", ["p_order_id bigint"]),
        ("a numeric(10,2), b text DEFAULT 'x'", ["a numeric(10,2)", "b text DEFAULT 'x'"]),
    ],
)
def test_split_arguments(text: str, expected: list[str]) -> None:
    assert split_arguments(text) == expected
