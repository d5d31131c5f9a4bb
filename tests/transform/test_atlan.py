"""Atlan entities of sample_db: every line loads into pyatlan's models, attribute names are
ones those models know, qualifiedNames follow the conventions, and the whole output matches the
reviewed golden file (volatile sizes, counts, statistics and sync attributes left out)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyatlan.model.assets import Asset, Process, View

from sourcesense.errors import ConfigError
from sourcesense.lineage import build_lineage
from sourcesense.quality import QualityOptions, assess
from sourcesense.source import parse_dsn
from sourcesense.transform.atlan import split_arguments
from sourcesense.transform.atlan.processes import process_qualified_name
from sourcesense.transform.atlan.profiles import QUALITY_ATTRIBUTES, pii_tags, profile_attributes
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract
from tests.pg import PgServer

CONNECTION = "default/postgres/1700000000"
GOLDEN = Path(__file__).parent / "golden" / "atlan_sample_db.jsonl"
# Sizes and planner statistics move with autovacuum; sync attributes and the connection's
# name (the server's host) with the run.
VOLATILE = {
    "rowCount", "sizeBytes", "connectionQualifiedName", "connectionName", "lastSyncRun",
    "lastSyncRunAt", "columnDistinctValuesCountLong", "columnMissingValuesPercentage",
}  # fmt: skip


def atlan_run(pg: PgServer, database: str, data_dir: Path, profile: bool) -> Path:
    """A run of `database` with lineage and quality (profiled or not), then Atlan entities."""
    run_dir = extract(pg, database, data_dir).run_dir
    build_lineage(run_dir)
    assess(run_dir, parse_dsn(pg.conninfo(database)), QualityOptions(profile=profile))
    result = run_transformers(
        run_dir, ["atlan"], {"atlan_connection": CONNECTION, "atlan_bulk_batch_size": "50"}
    )
    assert result["atlan"]["status"] == "completed", result
    return run_dir / "transformed" / "atlan"


@pytest.fixture(scope="module")
def atlan_dir(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Statistics only: what the golden file holds."""
    return atlan_run(embedded_server, sample_db_embedded, tmp_path_factory.mktemp("d"), False)


@pytest.fixture(scope="module")
def profiled_dir(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """As `sourcesense extract --profile` writes it."""
    return atlan_run(embedded_server, sample_db_embedded, tmp_path_factory.mktemp("p"), True)


def entities(atlan_dir: Path) -> list[dict[str, Any]]:
    lines = []
    for file in sorted(atlan_dir.glob("*/entities.json")):
        lines += [json.loads(line) for line in file.read_text().splitlines()]
    return lines


def known_aliases(asset: Asset) -> set[str]:
    fields = type(asset.attributes).__fields__
    return {field.alias for field in fields.values()}


def test_every_line_of_a_profiled_run_loads_into_pyatlan(profiled_dir: Path) -> None:
    """Every attribute is one pyatlan's model of the type declares, and every value parses
    into its declared type (pydantic raises otherwise)."""
    lines = entities(profiled_dir)
    assert {e["typeName"] for e in lines} == {
        "Database", "Schema", "Table", "View", "MaterialisedView", "TablePartition", "Column",
        "Procedure", "Function", "Process", "ColumnProcess",
    }  # fmt: skip
    for entity in lines:
        asset = Asset._convert_to_real_type_(entity)  # type: ignore[no-untyped-call]
        assert type(asset).__name__ == entity["typeName"]
        assert asset.qualified_name == entity["attributes"]["qualifiedName"]
        unknown = set(entity["attributes"]) - known_aliases(asset)
        assert not unknown, (entity["typeName"], unknown)
        assert set(entity) <= {"typeName", "attributes", "classifications", "customAttributes"}
    profiled = [e["attributes"] for e in lines if "columnMissingValuesCountLong" in
                e["attributes"]]  # fmt: skip
    assert profiled, "the profile reached no column"


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
    assert by_qn[f"{db}/ecommerce/order_total"]["typeName"] == "Function"
    mv_col = by_qn[f"{db}/analytics/category_sales_mv/category_id"]["attributes"]
    assert "materialisedView" in mv_col
    assert by_qn[f"{db}/reporting/top_customers"]["attributes"]["definition"].strip()
    pk = by_qn[f"{db}/ecommerce/order_items/order_id"]["attributes"]
    assert (pk["isForeign"], pk["isPrimary"], pk["dataType"]) == (True, False, "bigint")


def test_attributes_atlan_crawlers_fill(atlan_dir: Path, sample_db_embedded: str) -> None:
    by_qn = {e["attributes"]["qualifiedName"]: e for e in entities(atlan_dir)}
    db = f"{CONNECTION}/{sample_db_embedded}"
    database = by_qn[db]["attributes"]
    assert database["schemaCount"] == len([e for e in by_qn.values() if e["typeName"] == "Schema"])
    assert (
        database["sourceCreatedBy"]
        and by_qn[f"{db}/ecommerce/orders"]["attributes"]["sourceCreatedBy"]
    )
    for entity in by_qn.values():
        attributes = entity["attributes"]
        assert attributes["connectionName"] and attributes["lastSyncWorkflowName"]
        assert isinstance(attributes["lastSyncRunAt"], int) and attributes["lastSyncRun"]
    partition = by_qn[f"{db}/analytics/user_events_2024_01"]["attributes"]
    assert (partition["tableName"], partition["tableQualifiedName"]) == (
        "user_events", f"{db}/analytics/user_events"
    )  # fmt: skip
    column = by_qn[f"{db}/analytics/user_events_2024_01/event_id"]["attributes"]
    assert column["tablePartition"] == {
        "typeName": "TablePartition",
        "uniqueAttributes": {"qualifiedName": f"{db}/analytics/user_events_2024_01"},
    }
    assert (column["tableName"], column["tableQualifiedName"]) == (
        "user_events", f"{db}/analytics/user_events"
    )  # fmt: skip
    assert "table" not in column


def test_pii_columns_carry_tags(atlan_dir: Path, sample_db_embedded: str) -> None:
    by_qn = {e["attributes"]["qualifiedName"]: e for e in entities(atlan_dir)}
    db = f"{CONNECTION}/{sample_db_embedded}"
    assert by_qn[f"{db}/ecommerce/users/email"]["classifications"] == [{"typeName": "PII Email"}]
    assert "classifications" not in by_qn[f"{db}/ecommerce/orders/status"]


def test_pii_tag_names_are_configurable() -> None:
    assert pii_tags("email=Personal data, phone=")["email"] == "Personal data"
    assert pii_tags("phone=")["phone"] == "" and pii_tags(None)["phone"] == "PII Phone"
    with pytest.raises(ConfigError, match="unknown PII class 'mail'"):
        pii_tags("mail=x")


def test_cli_refuses_an_unknown_pii_class(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sourcesense", "extract", "--dsn", "postgresql://h/db",
         "--out", str(tmp_path), "--atlan-pii-tags", "mail=Mail"],
        check=False, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: unknown PII class 'mail'")
    assert "Traceback" not in done.stderr


def test_profile_values_are_typed_as_atlan_expects(
    profiled_dir: Path, sample_db_embedded: str
) -> None:
    by_qn = {e["attributes"]["qualifiedName"]: e for e in entities(profiled_dir)}
    db = f"{CONNECTION}/{sample_db_embedded}"
    for entity in by_qn.values():
        attributes = entity["attributes"]
        if "columnMin" in attributes or "columnMax" in attributes:
            assert attributes["dataType"].startswith(
                ("smallint", "integer", "bigint", "numeric", "real", "double")
            ), attributes
            assert all(type(attributes.get(k, 0.0)) is float for k in ("columnMin", "columnMax"))
    postal = by_qn[f"{db}/ecommerce/addresses/postal_code"]["attributes"]
    assert "columnMin" not in postal and "columnMax" not in postal
    # A PII column: its sampled values reach Atlan only as the profile file holds them.
    assert all(type(v) is str for v in postal.get("columnMins", []) + postal.get("columnMaxs", []))
    sku = by_qn[f"{db}/ecommerce/products/sku"]["attributes"]
    assert "columnMin" not in sku and type(sku["columnMins"][0]) is str
    quantity = by_qn[f"{db}/ecommerce/order_items/quantity"]["attributes"]
    assert type(quantity["columnMin"]) is float and quantity["columnMin"] >= 1


@pytest.mark.parametrize(
    ("data_type", "low", "high", "expected"),
    [
        ("text", "02100", "99999", {"columnMins": ["02100"], "columnMaxs": ["99999"]}),
        ("numeric(10,2)", "0.50", "12.00", {"columnMin": 0.5, "columnMax": 12.0}),
        ("integer", "-3", None, {"columnMin": -3.0}),
        ("double precision", "NaN", "Infinity", {}),
        ("date", "2024-01-01", "2024-12-31",
         {"columnMins": ["2024-01-01"], "columnMaxs": ["2024-12-31"]}),
        ("boolean", "false", "true", {"columnMins": ["false"], "columnMaxs": ["true"]}),
        ("integer[]", "{1}", "{2}", {"columnMins": ["{1}"], "columnMaxs": ["{2}"]}),
    ],
)  # fmt: skip
def test_profile_bounds_are_typed(
    data_type: str, low: str | None, high: str | None, expected: dict[str, Any]
) -> None:
    row = dict.fromkeys(["null_ratio", "null_fraction", "pii_class", *QUALITY_ATTRIBUTES])
    found = profile_attributes(row | {"data_type": data_type, "min_value": low, "max_value": high})
    assert found == expected
    assert all(type(v) is float for k, v in found.items() if k in ("columnMin", "columnMax"))


def _ref_qns(refs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((r["typeName"], r["uniqueAttributes"]["qualifiedName"]) for r in refs)


def test_view_over_view_lineage_processes(atlan_dir: Path, sample_db_embedded: str) -> None:
    """reporting.top_customers reads the view reporting.order_summary, which reads tables."""
    lines = entities(atlan_dir)
    db = f"{CONNECTION}/{sample_db_embedded}"
    top, summary = f"{db}/reporting/top_customers", f"{db}/reporting/order_summary"
    processes = {e["attributes"]["outputs"][0]["uniqueAttributes"]["qualifiedName"]: e
                 for e in lines if e["typeName"] == "Process"}  # fmt: skip
    process = processes[top]["attributes"]
    assert _ref_qns(process["inputs"]) == [("View", summary)]
    assert _ref_qns(process["outputs"]) == [("View", top)]
    expected_qn = Process.Attributes.generate_qualified_name(
        name=process["name"], connection_qualified_name=CONNECTION,
        inputs=[View.ref_by_qualified_name(summary)], outputs=[View.ref_by_qualified_name(top)],
        process_id=hashlib.md5(top.encode()).hexdigest(),  # noqa: S324
    )  # fmt: skip
    assert process["qualifiedName"] == expected_qn
    assert _ref_qns(processes[summary]["attributes"]["inputs"]) == [
        ("Table", f"{db}/ecommerce/{table}")
        for table in ("addresses", "order_items", "orders", "users")
    ]
    columns = {e["attributes"]["outputs"][0]["uniqueAttributes"]["qualifiedName"]: e["attributes"]
               for e in lines if e["typeName"] == "ColumnProcess"}  # fmt: skip
    email = columns[f"{top}/email"]
    assert _ref_qns(email["inputs"]) == [("Column", f"{summary}/email")]
    assert email["process"] == {
        "typeName": "Process", "uniqueAttributes": {"qualifiedName": expected_qn}
    }  # fmt: skip
    assert email["qualifiedName"] == (
        f"{CONNECTION}/{hashlib.md5(f'{top}/email'.encode()).hexdigest()}"  # noqa: S324
    )
    assert _ref_qns(columns[f"{summary}/email"]["inputs"]) == [
        ("Column", f"{db}/ecommerce/users/email")
    ]
    assert _ref_qns(columns[f"{summary}/customer_name"]["inputs"]) == [
        ("Column", f"{db}/ecommerce/users/first_name"),
        ("Column", f"{db}/ecommerce/users/last_name"),
    ]


def test_bulk_payloads_hold_every_entity_once(atlan_dir: Path) -> None:
    batches = sorted((atlan_dir / "bulk").glob("batch-*.json"))
    bulk = [e for b in batches for e in json.loads(b.read_text())["entities"]]
    assert all(len(json.loads(b.read_text())["entities"]) <= 50 for b in batches)
    assert sorted(json.dumps(e, sort_keys=True) for e in bulk) == sorted(
        json.dumps(e, sort_keys=True) for e in entities(atlan_dir)
    )


def _normalised(atlan_dir: Path, database: str) -> list[str]:
    """Sorted lines with the test database named sample_db; process qualifiedNames (hashes
    of their output's qualifiedName) recomputed for that name."""
    lines = entities(atlan_dir)
    hashes = {}
    for entity in lines:
        if entity["typeName"] in ("Process", "ColumnProcess"):
            output = entity["attributes"]["outputs"][0]["uniqueAttributes"]["qualifiedName"]
            renamed = process_qualified_name(CONNECTION, output.replace(database, "sample_db"))
            hashes[entity["attributes"]["qualifiedName"]] = renamed
    out = []
    for entity in lines:
        attributes = {k: v for k, v in entity["attributes"].items() if k not in VOLATILE}
        text = json.dumps(entity | {"attributes": attributes}, sort_keys=True)
        for before, after in hashes.items():
            text = text.replace(before, after)
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
