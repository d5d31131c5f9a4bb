"""OpenLineage dataset events of sample_db parse back into openlineage-python's models without
loss and carry every field the spec requires."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.event_v2 import DatasetEvent, StaticDataset
from openlineage.client.facet_v2 import (
    column_lineage_dataset as cl,
)
from openlineage.client.facet_v2 import (
    datasource_dataset,
    documentation_dataset,
    ownership_dataset,
    schema_dataset,
)
from openlineage.client.serde import Serde

from sourcesense.lineage import build_lineage
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract
from tests.pg import PgServer


@pytest.fixture(scope="module")
def events(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    outcome = extract(embedded_server, sample_db_embedded, tmp_path_factory.mktemp("d"))
    assert build_lineage(outcome.run_dir) == []
    assert (
        run_transformers(outcome.run_dir, ["openlineage"])["openlineage"]["status"] == "completed"
    )
    path: Path = outcome.run_dir / "transformed" / "openlineage" / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _facet(kind: str, data: dict[str, Any]) -> Any:
    meta = {"producer": data["_producer"]}
    if kind == "schema":
        fields = [schema_dataset.SchemaDatasetFacetFields(**f) for f in data["fields"]]
        return schema_dataset.SchemaDatasetFacet(fields=fields, **meta)
    if kind == "dataSource":
        return datasource_dataset.DatasourceDatasetFacet(name=data["name"], uri=data["uri"], **meta)
    if kind == "ownership":
        owners = [ownership_dataset.Owner(**o) for o in data["owners"]]
        return ownership_dataset.OwnershipDatasetFacet(owners=owners, **meta)
    if kind == "documentation":
        return documentation_dataset.DocumentationDatasetFacet(
            description=data["description"], **meta
        )
    assert kind == "columnLineage", kind
    lineage = {
        name: cl.Fields(inputFields=[
            cl.InputField(namespace=i["namespace"], name=i["name"], field=i["field"],
                          transformations=[cl.Transformation(**t) for t in i["transformations"]])
            for i in value["inputFields"]
        ])
        for name, value in data["fields"].items()
    }  # fmt: skip
    return cl.ColumnLineageDatasetFacet(fields=lineage, **meta)


def parse(event: dict[str, Any]) -> DatasetEvent:
    facets = {kind: _facet(kind, data) for kind, data in event["dataset"]["facets"].items()}
    dataset = StaticDataset(
        namespace=event["dataset"]["namespace"], name=event["dataset"]["name"], facets=facets
    )
    return DatasetEvent(eventTime=event["eventTime"], producer=event["producer"], dataset=dataset)


def test_events_parse_back_without_loss(events: list[dict[str, Any]]) -> None:
    assert events
    for event in events:
        assert Serde.to_dict(parse(event)) == event


def test_required_fields(
    events: list[dict[str, Any]], embedded_server: PgServer, sample_db_embedded: str
) -> None:
    names = {e["dataset"]["name"] for e in events}
    assert f"{sample_db_embedded}.ecommerce.orders" in names
    assert f"{sample_db_embedded}.reporting.top_customers" in names
    assert not any("user_events_2024" in n for n in names), "partitions roll up"
    port = embedded_server.url("x").split(":")[2].split("/")[0]
    for event in events:
        assert event["eventTime"] and event["producer"].startswith("https://")
        assert event["schemaURL"].endswith("#/$defs/DatasetEvent")
        assert event["dataset"]["namespace"] == f"postgres://127.0.0.1:{port}"
        for facet in event["dataset"]["facets"].values():
            assert facet["_producer"] and facet["_schemaURL"].startswith(
                "https://openlineage.io/spec/"
            )
        assert {"schema", "dataSource", "ownership"} <= set(event["dataset"]["facets"])
    orders = next(e for e in events if e["dataset"]["name"].endswith(".ecommerce.orders"))
    fields = orders["dataset"]["facets"]["schema"]["fields"]
    assert [f["name"] for f in fields][:2] == ["order_id", "user_id"]
    assert orders["dataset"]["facets"]["documentation"]["description"]


def test_view_column_lineage_facet(events: list[dict[str, Any]]) -> None:
    top = next(e for e in events if e["dataset"]["name"].endswith(".reporting.top_customers"))
    fields = top["dataset"]["facets"]["columnLineage"]["fields"]
    email = fields["email"]["inputFields"]
    assert [(i["name"].split(".", 1)[1], i["field"]) for i in email] == [
        ("reporting.order_summary", "email")
    ]
    assert email[0]["transformations"][0] == {"type": "DIRECT", "subtype": "IDENTITY"}
