"""`options.openlineage_url` through the API and a real worker: the run posts its OpenLineage
events to a local receiver with the API key from the worker's environment, and the manifest
records the delivery."""

from __future__ import annotations

import httpx

from tests.api.conftest import AUTH, Role
from tests.api.test_flow import start_body
from tests.api.test_security import follow
from tests.transform.test_openlineage import Receiver, api_key

__all__ = ["api_key"]  # the fixture, shared with the transformer's tests


async def test_run_posts_its_events(
    http: httpx.AsyncClient, worker: None, source_role: Role, sample_db_embedded: str,
    api_key: str,
) -> None:  # fmt: skip
    with Receiver() as receiver:
        body = start_body(source_role, sample_db_embedded, formats=["openlineage"],
                          openlineage_url=receiver.url)  # fmt: skip
        started = await http.post("/workflows/v1/start", headers=AUTH, json=body)
        assert started.status_code == 202, started.text
        events = await follow(http, started.json()["workflow_id"])
    assert events[-1][1]["status"] == "completed"
    jobs = sorted(e["job"]["name"].split(".", 1)[1] for e in receiver.accepted if "job" in e)
    assert jobs == ["analytics.category_sales_mv", "reporting.order_summary",
                    "reporting.top_customers"]  # fmt: skip
    assert {auth for _, auth, _ in receiver.requests} == {f"Bearer {api_key}"}
    run = (await http.get(f"/runs/{started.json()['run_id']}", headers=AUTH)).json()
    delivery = run["steps"]["transformation"]["formats"]["openlineage"]["delivery"]
    assert delivery == {"url": receiver.url + "/", "sent": len(receiver.accepted),
                        "failed": 0, "error": None}  # fmt: skip
    assert api_key not in str(run)


async def test_openlineage_url_needs_its_format(
    http: httpx.AsyncClient, source_role: Role, sample_db_embedded: str
) -> None:
    body = start_body(source_role, sample_db_embedded, formats=["atlan"],
                      openlineage_url="http://127.0.0.1:9")  # fmt: skip
    response = await http.post("/workflows/v1/start", headers=AUTH, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {
        "type": "ConfigError",
        "message": "an OpenLineage URL sends the openlineage output: add that format",
    }
