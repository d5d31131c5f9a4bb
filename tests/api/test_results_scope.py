"""A run started through the API with an explicit scope reads exactly its (database, schema)
pairs, and its results are served from the run's index: filtered by database, schema, table
and text on the server, with facets, sorting, projection, lineage of one table only, and gzip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.conftest import AUTH, Role
from tests.api.test_flow import start_body
from tests.api.test_security import follow
from tests.pg import PgServer
from tests.scope_dbs import expected, pairs, two_databases


@pytest.fixture
def databases(embedded_server: PgServer) -> Iterator[tuple[str, str]]:
    with two_databases(embedded_server, "sstest_scope_api") as names:
        yield names


async def results(http: httpx.AsyncClient, workflow: str, **params: Any) -> dict[str, Any]:
    response = await http.get(f"/workflows/v1/results/{workflow}", headers=AUTH, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_scope_through_the_api_and_results_from_the_index(
    http: httpx.AsyncClient, worker: None, source_role: Role, databases: tuple[str, str]
) -> None:
    db_a, db_b = databases
    body = start_body(source_role, "postgres", formats=[])
    body["filters"] = {"scope": [{"database": db_a, "schemas": ["public"]},
                                 {"database": db_b, "schemas": ["audit"]}]}  # fmt: skip
    started = await http.post("/workflows/v1/start", headers=AUTH, json=body)
    assert started.status_code == 202, started.text
    workflow = started.json()["workflow_id"]
    events = await follow(http, workflow)
    assert events[-1][1]["status"] == "completed", events[-1]

    page = await results(http, workflow, kind="relations", limit=500, facets="true")
    assert pairs(page["entities"]["items"]) == expected(db_a, db_b)
    assert page["manifest"]["filters"]["scope"][1] == {
        "database": db_b, "schemas": ["audit"], "tables": [],
    }  # fmt: skip
    assert page["entities"]["facets"]["catalog_name"] == {db_a: 2, db_b: 1}

    # A schema page of one database of the run: filtered on the server, not in the browser.
    page = await results(http, workflow, database=db_a, schema="public", sort="-table_name",
                         fields="catalog_name,table_name", manifest="false")  # fmt: skip
    assert "manifest" not in page
    assert page["entities"]["items"] == [
        {"catalog_name": db_a, "table_name": "orders"},
        {"catalog_name": db_a, "table_name": "customers"},
    ]
    assert (await results(http, workflow, database=db_b, schema="public"))["entities"]["total"] == 0

    # Text search reaches comments; search results carry their database.
    page = await results(http, workflow, text="WHO CHANGED")
    assert [(r["catalog_name"], r["table_name"]) for r in page["entities"]["items"]] == [
        (db_b, "events")
    ]

    # A table page's lineage: the edges of that table only.
    page = await results(http, workflow, kind="lineage", schema="public", table="customers",
                         database=db_a, level="table")  # fmt: skip
    edges = page["entities"]["items"]
    assert edges and all("customers" in (e["source_table"], e["target_table"]) for e in edges)
    assert {e["edge_kind"] for e in edges} == {"foreign_key"}

    # Bad parameters are the caller's error, answered as JSON.
    for params in ({"sort": "nope"}, {"fields": "nope"}):
        response = await http.get(f"/workflows/v1/results/{workflow}", headers=AUTH, params=params)
        assert response.status_code == 422 and response.json()["error"]["type"] == "ConfigError"

    response = await http.get(
        f"/workflows/v1/results/{workflow}", headers=AUTH | {"Accept-Encoding": "gzip"},
        params={"kind": "columns", "limit": 500},
    )  # fmt: skip
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["entities"]["total"] == 4  # decoded as any client does
