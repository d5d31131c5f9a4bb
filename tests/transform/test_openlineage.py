"""OpenLineage events of sample_db: every event parses back into openlineage-python's models
without loss; the run events of a join view, an aggregate view and a window view carry their
inputs, output, every field's transformation and the dataset-level INDIRECT entries; PII
classes are tags, never values."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import column_lineage_dataset as cl
from openlineage.client.facet_v2 import (
    dataset_type_dataset,
    datasource_dataset,
    documentation_dataset,
    job_type_job,
    ownership_dataset,
    schema_dataset,
    sql_job,
    tags_dataset,
)
from openlineage.client.serde import Serde

from sourcesense.extract.run import RunOutcome
from sourcesense.lineage import build_lineage
from sourcesense.quality import QualityOptions, assess
from sourcesense.settings import get_settings
from sourcesense.source import parse_dsn
from sourcesense.transform.openlineage.facets import SECURITY_FACET, SecurityDatasetFacet
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract
from tests.pg import PgServer

E, R, A = "ecommerce", "reporting", "analytics"


@pytest.fixture(scope="module")
def run(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path_factory: pytest.TempPathFactory
) -> RunOutcome:
    outcome = extract(embedded_server, sample_db_embedded, tmp_path_factory.mktemp("d"))
    assert build_lineage(outcome.run_dir) == []
    source = parse_dsn(embedded_server.conninfo(sample_db_embedded))
    assert assess(outcome.run_dir, source, QualityOptions()) == []
    return outcome


@pytest.fixture(scope="module")
def events(run: RunOutcome) -> list[dict[str, Any]]:
    result = run_transformers(run.run_dir, ["openlineage"])["openlineage"]
    assert result["status"] == "completed" and "delivery" not in result
    path: Path = run.run_dir / "transformed" / "openlineage" / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _input_field(data: dict[str, Any]) -> cl.InputField:
    return cl.InputField(
        namespace=data["namespace"], name=data["name"], field=data["field"],
        transformations=[cl.Transformation(**t) for t in data["transformations"]],
    )  # fmt: skip


def _facet(kind: str, data: dict[str, Any]) -> Any:
    meta = {"producer": data["_producer"]}
    body = {k: v for k, v in data.items() if not k.startswith("_")}
    if kind == "schema":
        fields = [schema_dataset.SchemaDatasetFacetFields(**f) for f in body["fields"]]
        return schema_dataset.SchemaDatasetFacet(fields=fields, **meta)
    if kind == "ownership":
        owners = [ownership_dataset.Owner(**o) for o in body["owners"]]
        return ownership_dataset.OwnershipDatasetFacet(owners=owners, **meta)
    if kind == "tags":
        tags = [tags_dataset.TagsDatasetFacetFields(**t) for t in body["tags"]]
        return tags_dataset.TagsDatasetFacet(tags=tags, **meta)
    if kind == "columnLineage":
        lineage = {
            name: cl.Fields(inputFields=[_input_field(i) for i in value["inputFields"]])
            for name, value in body["fields"].items()
        }
        dataset = [_input_field(i) for i in body["dataset"]]
        return cl.ColumnLineageDatasetFacet(fields=lineage, dataset=dataset, **meta)
    plain = {
        "dataSource": datasource_dataset.DatasourceDatasetFacet,
        "documentation": documentation_dataset.DocumentationDatasetFacet,
        "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet,
        "sql": sql_job.SQLJobFacet,
        "jobType": job_type_job.JobTypeJobFacet,
        SECURITY_FACET: SecurityDatasetFacet,
    }
    return plain[kind](**body, **meta)


def _facets(data: dict[str, Any]) -> dict[str, Any]:
    return {kind: _facet(kind, value) for kind, value in data.items()}


def parse(event: dict[str, Any]) -> DatasetEvent | RunEvent:
    if "dataset" in event:
        data = event["dataset"]
        dataset = StaticDataset(
            namespace=data["namespace"], name=data["name"], facets=_facets(data["facets"])
        )
        return DatasetEvent(eventTime=event["eventTime"], producer=event["producer"],
                            dataset=dataset)  # fmt: skip
    job = event["job"]
    return RunEvent(
        eventTime=event["eventTime"], producer=event["producer"],
        eventType=RunState(event["eventType"]), run=Run(runId=event["run"]["runId"]),
        job=Job(namespace=job["namespace"], name=job["name"], facets=_facets(job["facets"])),
        inputs=[InputDataset(namespace=i["namespace"], name=i["name"]) for i in event["inputs"]],
        outputs=[OutputDataset(namespace=o["namespace"], name=o["name"],
                               facets=_facets(o["facets"])) for o in event["outputs"]],
    )  # fmt: skip


def test_events_parse_back_without_loss(events: list[dict[str, Any]]) -> None:
    kinds = [type(parse(event)).__name__ for event in events]
    assert kinds.count("RunEvent") == 3  # the two views and the materialized view
    for event in events:
        assert _without_empty_nested_fields(Serde.to_dict(parse(event))) == event


def _without_empty_nested_fields(data: Any) -> Any:
    """The models give every schema field an empty `fields` list (nested fields); events leave
    the optional list out."""
    if isinstance(data, dict):
        return {k: _without_empty_nested_fields(v) for k, v in data.items()
                if not (k == "fields" and v == [])}  # fmt: skip
    if isinstance(data, list):
        return [_without_empty_nested_fields(v) for v in data]
    return data


def test_dataset_events(
    events: list[dict[str, Any]], embedded_server: PgServer, sample_db_embedded: str
) -> None:
    datasets = [e for e in events if "dataset" in e]
    names = {e["dataset"]["name"] for e in datasets}
    assert f"{sample_db_embedded}.ecommerce.orders" in names
    assert f"{sample_db_embedded}.reporting.top_customers" in names
    assert not any("user_events_2024" in n for n in names), "partitions roll up"
    port = embedded_server.url("x").split(":")[2].split("/")[0]
    for event in events:
        assert event["eventTime"] and event["producer"].startswith("https://")
        for facet in event.get("dataset", {}).get("facets", {}).values():
            assert facet["_producer"] and facet["_schemaURL"].startswith(
                "https://openlineage.io/spec/"
            )
    for event in datasets:
        assert event["schemaURL"].endswith("#/$defs/DatasetEvent")
        assert event["dataset"]["namespace"] == f"postgres://127.0.0.1:{port}"
        assert {"schema", "dataSource", "ownership", "datasetType"} <= set(
            event["dataset"]["facets"]
        )
    by_name = {e["dataset"]["name"].split(".", 1)[1]: e["dataset"]["facets"] for e in datasets}
    orders = by_name["ecommerce.orders"]
    assert [f["name"] for f in orders["schema"]["fields"]][:2] == ["order_id", "user_id"]
    assert orders["documentation"]["description"]
    types = {name: (f["datasetType"]["datasetType"], f["datasetType"].get("subType"))
             for name, f in by_name.items()}  # fmt: skip
    assert types["ecommerce.orders"] == ("TABLE", None)
    assert types["analytics.user_events"] == ("TABLE", "PARTITIONED")
    assert types["reporting.order_summary"] == ("VIEW", None)
    assert types["analytics.category_sales_mv"] == ("VIEW", "MATERIALIZED")


def test_pii_classes_are_column_tags_without_values(
    events: list[dict[str, Any]], embedded_server: PgServer, sample_db_embedded: str
) -> None:
    tags = {
        e["dataset"]["name"].split(".", 1)[1]: {
            (t["field"], t["key"], t["value"]) for t in e["dataset"]["facets"]["tags"]["tags"]
        }
        for e in events
        if "tags" in e.get("dataset", {}).get("facets", {})
    }
    assert {("email", "pii", "email"), ("phone", "pii", "phone")} <= tags["ecommerce.users"]
    assert ("email", "pii", "email") in tags["reporting.order_summary"]
    assert "ecommerce.orders" not in tags
    with psycopg.connect(embedded_server.conninfo(sample_db_embedded)) as conn:
        values = conn.execute("SELECT email, phone FROM ecommerce.users LIMIT 20").fetchall()
    text = json.dumps(events)
    assert not [v for row in values for v in row if v and v in text]


def _run_event(events: list[dict[str, Any]], view: str) -> dict[str, Any]:
    return next(e for e in events if e.get("job", {}).get("name", "").endswith(f".{view}"))


def _short(name: str) -> str:
    return name.split(".", 1)[1]


def _kinds(entry: dict[str, Any]) -> str:
    return ",".join(f"{t['type']}/{t['subtype']}" for t in entry["transformations"])


def _lineage(event: dict[str, Any]) -> tuple[dict[str, set[tuple[str, str, str]]], set[Any]]:
    """{output field: {(source, column, type/subtype)}}, {(source, column, types)}."""
    (output,) = event["outputs"]
    facet = output["facets"]["columnLineage"]
    fields = {
        name: {(_short(i["name"]), i["field"], _kinds(i)) for i in value["inputFields"]}
        for name, value in facet["fields"].items()
    }
    return fields, {(_short(i["name"]), i["field"], _kinds(i)) for i in facet["dataset"]}


ID, TR, AG = "DIRECT/IDENTITY", "DIRECT/TRANSFORMATION", "DIRECT/AGGREGATION"
JOIN, FILTER, GROUP = "INDIRECT/JOIN", "INDIRECT/FILTER", "INDIRECT/GROUP_BY"
WINDOW = "INDIRECT/WINDOW"


def _check_job(event: dict[str, Any], view: str, job_type: str, inputs: list[str]) -> None:
    assert event["eventType"] == "COMPLETE"
    assert event["schemaURL"].endswith("#/$defs/RunEvent")
    assert _short(event["job"]["name"]) == view
    assert event["job"]["namespace"] == event["outputs"][0]["namespace"]
    assert event["job"]["facets"]["jobType"]["jobType"] == job_type
    assert event["job"]["facets"]["sql"]["query"].lstrip().upper().startswith("SELECT")
    assert [_short(i["name"]) for i in event["inputs"]] == inputs
    assert [_short(o["name"]) for o in event["outputs"]] == [view]


def test_join_view_run_event(events: list[dict[str, Any]]) -> None:
    event = _run_event(events, "reporting.order_summary")
    o, u, a, i = f"{E}.orders", f"{E}.users", f"{E}.addresses", f"{E}.order_items"
    _check_job(event, "reporting.order_summary", "VIEW", [a, i, o, u])
    fields, dataset = _lineage(event)
    assert fields == {
        "order_id": {(o, "order_id", ID)}, "invoice_number": {(o, "invoice_number", ID)},
        "user_id": {(o, "user_id", ID)}, "status": {(o, "status", ID)},
        "created_at": {(o, "created_at", ID)}, "shipping_cost": {(o, "shipping_cost", ID)},
        "customer_name": {(u, "first_name", TR), (u, "last_name", TR)},
        "email": {(u, "email", ID)}, "ship_city": {(a, "city", ID)},
        "ship_country": {(a, "country_code", ID)}, "item_count": {(i, "order_item_id", AG)},
        "units": {(i, "quantity", AG)}, "items_total": {(i, "line_total", AG)},
        "order_total": {(i, "line_total", AG), (o, "shipping_cost", TR)},
    }  # fmt: skip
    assert dataset == {
        (u, "user_id", f"{GROUP},{JOIN}"), (o, "user_id", JOIN),
        (a, "address_id", f"{GROUP},{JOIN}"), (o, "shipping_address_id", JOIN),
        (i, "order_id", JOIN), (o, "order_id", f"{GROUP},{JOIN}"),
    }  # fmt: skip


def test_aggregate_view_run_event(events: list[dict[str, Any]]) -> None:
    event = _run_event(events, "analytics.category_sales_mv")
    c, p, i, o = f"{E}.categories", f"{E}.products", f"{E}.order_items", f"{E}.orders"
    _check_job(event, "analytics.category_sales_mv", "MATERIALIZED_VIEW", [c, i, o, p])
    fields, dataset = _lineage(event)
    assert fields == {
        "category_id": {(c, "category_id", ID)}, "category_name": {(c, "name", ID)},
        "parent_category_name": {(c, "name", ID)}, "orders_count": {(o, "order_id", AG)},
        "units_sold": {(i, "quantity", AG)}, "revenue": {(i, "line_total", AG)},
    }  # fmt: skip
    assert dataset == {
        (c, "category_id", f"{GROUP},{JOIN}"), (c, "name", GROUP), (c, "parent_id", JOIN),
        (p, "category_id", JOIN), (p, "product_id", JOIN), (i, "product_id", JOIN),
        (i, "order_id", JOIN), (o, "order_id", JOIN), (o, "status", FILTER),
    }  # fmt: skip


def test_window_view_run_event(events: list[dict[str, Any]]) -> None:
    event = _run_event(events, "reporting.top_customers")
    s = f"{R}.order_summary"
    _check_job(event, "reporting.top_customers", "VIEW", [s])
    fields, dataset = _lineage(event)
    # orders_count is count(*): no column feeds it.
    assert fields == {
        "user_id": {(s, "user_id", ID)}, "customer_name": {(s, "customer_name", ID)},
        "email": {(s, "email", ID)}, "lifetime_value": {(s, "order_total", AG)},
        "last_order_at": {(s, "created_at", AG)}, "value_rank": {(s, "order_total", AG)},
    }  # fmt: skip
    assert dataset == {
        (s, "user_id", GROUP), (s, "customer_name", GROUP), (s, "email", GROUP),
        (s, "status", FILTER), (s, "order_total", WINDOW),
    }  # fmt: skip


class Receiver:
    """A real HTTP server on 127.0.0.1 that answers 503 to its first `failures` POSTs, then
    202, and keeps what it was sent."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[str, str | None, dict[str, Any]]] = []
        self.accepted: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.requests.append((self.path, self.headers.get("Authorization"), body))
                if len(receiver.requests) <= receiver.failures:
                    self.send_response(503)
                else:
                    receiver.accepted.append(body)
                    self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


API_KEY = "ol-test-key-5b1e0c"


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SOURCESENSE_OPENLINEAGE_API_KEY", API_KEY)
    get_settings.cache_clear()
    yield API_KEY
    monkeypatch.delenv("SOURCESENSE_OPENLINEAGE_API_KEY")
    get_settings.cache_clear()


def _deliver(run: RunOutcome, url: str) -> dict[str, Any]:
    result: dict[str, Any] = run_transformers(
        run.run_dir, ["openlineage"], {"openlineage_url": url}
    )["openlineage"]
    assert result["status"] == "completed"
    return result


def _written(run: RunOutcome) -> list[dict[str, Any]]:
    path = run.run_dir / "transformed" / "openlineage" / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_events_are_posted_with_the_api_key(run: RunOutcome, api_key: str) -> None:
    with Receiver() as receiver:
        result = _deliver(run, receiver.url + "/?token=abc")
    written = _written(run)
    assert receiver.accepted == written and len(written) > 10
    assert {(path, auth) for path, auth, _ in receiver.requests} == {
        ("/api/v1/lineage", f"Bearer {api_key}")
    }
    # the URL's query string (where tokens travel) is not recorded
    assert result["delivery"] == {
        "url": receiver.url + "/?****",
        "sent": len(written),
        "failed": 0,
        "error": None,
    }
    assert result["warnings"] == []
    for path in run.run_dir.rglob("*"):
        if path.is_file():
            assert api_key.encode() not in path.read_bytes(), path
            assert b"token=abc" not in path.read_bytes(), path


def test_a_failing_receiver_is_retried(run: RunOutcome, api_key: str) -> None:
    with Receiver(failures=2) as receiver:
        result = _deliver(run, receiver.url)
    written = _written(run)
    assert receiver.accepted == written
    assert len(receiver.requests) == len(written) + 2
    assert receiver.requests[0][2] == receiver.requests[2][2] == written[0]
    assert result["delivery"]["sent"] == len(written)
    assert result["delivery"]["failed"] == 0


def test_an_unreachable_receiver_is_a_warning(run: RunOutcome) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = _deliver(run, url)
    assert result["delivery"]["sent"] == 0
    assert result["delivery"]["failed"] == len(_written(run))
    assert result["warnings"] == [
        f"openlineage: {len(_written(run))} of {len(_written(run))} events not sent to {url}: "
        f"{result['delivery']['error']}"
    ]
    assert "Max retries exceeded" in result["delivery"]["error"]
