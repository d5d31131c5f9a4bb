"""A profiled run started through the API writes no personal data of sample_db into its run
directory, the logs or the results the API serves, unless include_pii_values asks for it."""

from __future__ import annotations

from typing import Any

import httpx
from psycopg import sql

from sourcesense.settings import Settings
from sourcesense.store.results import EXTRA, MAX_PAGE, SEARCHABLE
from tests.api.conftest import AUTH, Role
from tests.api.test_flow import start_body
from tests.api.test_security import follow
from tests.pg import PgServer
from tests.pii_grep import found_in, json_texts, personal_values, tree_texts


async def all_results(http: httpx.AsyncClient, workflow: str) -> list[Any]:
    """Every page of every kind the results route serves."""
    pages: list[Any] = []
    for kind in [*SEARCHABLE, *EXTRA]:
        offset, total = 0, None
        while total is None or offset < total:
            params: dict[str, str | int] = {"kind": kind, "offset": offset, "limit": MAX_PAGE}
            response = await http.get(
                f"/workflows/v1/results/{workflow}", headers=AUTH, params=params
            )
            assert response.status_code == 200, response.text
            pages.append(response.json())
            total = pages[-1]["entities"]["total"]
            offset += MAX_PAGE
    return pages


async def run(http: httpx.AsyncClient, role: Role, database: str, **options: Any) -> list[Any]:
    body = start_body(role, database, profile=True, **options)
    started = await http.post("/workflows/v1/start", headers=AUTH, json=body)
    assert started.status_code == 202, started.text
    workflow = started.json()["workflow_id"]
    assert (await follow(http, workflow))[-1][1]["status"] == "completed"
    return await all_results(http, workflow)


async def test_api_results_hold_no_personal_values(
    http: httpx.AsyncClient, worker: None, source_role: Role, sample_db_embedded: str,
    embedded_server: PgServer, api_settings: Settings,
) -> None:  # fmt: skip
    with embedded_server.connect() as conn:  # profiling needs to read the tables
        conn.execute(
            sql.SQL("GRANT pg_read_all_data TO {}").format(sql.Identifier(source_role.name))
        )
    secrets = personal_values(embedded_server, sample_db_embedded)

    results = await run(http, source_role, sample_db_embedded)
    profiles = [p for p in results if p["entities"]["kind"] == "column_profiles"]
    assert any(item["method"] != "statistics" for p in profiles for item in p["entities"]["items"])
    # data_dir holds the run directories and the logs (logs/sourcesense.log).
    assert (api_settings.data_dir / "logs" / "sourcesense.log").exists()
    texts = [*json_texts(results), *tree_texts(api_settings.data_dir)]
    assert found_in(texts, secrets) == set()

    # The same search finds them once asked for: it can fail.
    results = await run(http, source_role, sample_db_embedded, include_pii_values=True)
    assert len(found_in(json_texts(results), secrets)) >= 2
