"""Scope and browsing of a two-database run in Chromium: ticking db_a.public and db_b.audit
reads exactly those pairs; schema pages and search name the right database; ten table pages
opened in quick succession stay within the rate limit (the UI's files are not counted)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.pg import PgServer
from tests.scope_dbs import expected, pairs, two_databases
from tests.ui.conftest import CHROMIUM, Credentials, PageFactory, UiServer
from tests.ui.test_ui import RUN_SECONDS, answer_token_prompt, assert_clean, connect, shot

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: scripts/setup installs it"
)
TABLE_PAGES = 10


@pytest.fixture(scope="module")
def databases(embedded_server: PgServer) -> Iterator[tuple[str, str]]:
    with two_databases(embedded_server, "sstest_scope_ui") as names:
        yield names


def api(server: UiServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.token}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=10)


def relations_of(server: UiServer, run_id: str) -> list[dict[str, object]]:
    with api(server) as client:
        response = client.get(f"/workflows/v1/results/{run_id}", params={"limit": 500})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["entities"]["items"]
    return items


def choose_pairs(page: Page, creds: Credentials, db_a: str, db_b: str) -> None:
    """Only db_a.public and db_b.audit: the connected database's schemas unticked."""
    page.locator(f'fieldset.db-group[data-catalog="{creds.database}"] input[data-all]').uncheck()
    page.locator(f'fieldset.db-group[data-catalog="{db_a}"]').get_by_label("public").check()
    page.locator(f'fieldset.db-group[data-catalog="{db_b}"]').get_by_label("audit").check()
    expect(page.locator("#schema-count")).to_contain_text("2 of")
    preview = page.locator("#filter-preview")
    expect(preview.locator("div", has_text=db_a)).to_contain_text("public")
    expect(preview.locator("div", has_text=db_b)).to_contain_text("audit")
    page.get_by_role("button", name="Next: options").click()
    expect(page.locator("#run-summary")).to_contain_text(f"{db_a}, {db_b}")
    page.get_by_role("button", name="Start extraction").click()


def test_two_database_scope_reads_exactly_the_ticked_pairs(
    new_page: PageFactory, ui_server: UiServer, ui_credentials: Credentials,
    databases: tuple[str, str], artifacts: Path,
) -> None:  # fmt: skip
    db_a, db_b = databases
    page, log = new_page(1280, 900)
    page.goto(ui_server.url + "/ui/")
    answer_token_prompt(page, ui_server, artifacts)
    connect(page, ui_credentials, artifacts)
    choose_pairs(page, ui_credentials, db_a, db_b)
    expect(page.get_by_role("heading", name="Extraction finished")).to_be_visible(
        timeout=RUN_SECONDS * 1000
    )
    run_id = page.locator(".run-id code").inner_text()
    assert pairs(relations_of(ui_server, run_id)) == expected(db_a, db_b)

    # A schema page lists that database's tables only; search results name their database.
    page.goto(f"{ui_server.url}/ui/#/explore/{run_id}/schema/{db_a}/public")
    rows = page.locator("#search-results tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#search-status")).to_have_text("2 tables and views.")
    page.get_by_label("Search schemas, tables and columns").fill("events")
    expect(page.locator("#search-status")).to_contain_text("0 tables")  # not in db_a.public
    page.goto(f"{ui_server.url}/ui/#/explore/{run_id}")
    page.get_by_label("Search schemas, tables and columns").fill("events")
    match = page.locator("ul[data-kind=relations] li")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("audit.events")
    expect(match).to_contain_text(f"in {db_b}")
    shot(page, artifacts, "20-two-database-search")
    assert_clean(log)


def start_scoped_run(server: UiServer, creds: Credentials, db_a: str, db_b: str) -> str:
    connection = {"host": creds.host, "port": creds.port, "user": creds.user,
                  "password": creds.password, "database": creds.database}  # fmt: skip
    scope = [{"database": db_a, "schemas": ["public", "audit"]},
             {"database": db_b, "schemas": ["public"]}]  # fmt: skip
    return run_scope(server, connection, scope)


def run_scope(server: UiServer, connection: dict[str, Any], scope: list[dict[str, Any]]) -> str:
    """Start a run of `scope` through the API, as the UI does; its run id once completed."""
    body = {"connection": connection, "filters": {"scope": scope}, "options": {"formats": []}}
    with api(server) as client:
        started = client.post("/workflows/v1/start", json=body)
        assert started.status_code == 202, started.text
        workflow = started.json()["workflow_id"]
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            status = client.get(f"/workflows/v1/status/{workflow}").json()["status"]
            if status != "running":
                assert status == "completed"
                return str(started.json()["run_id"])
            time.sleep(0.5)
    pytest.fail(f"run {workflow} not finished after {RUN_SECONDS} s")


def test_ten_table_pages_in_quick_succession(
    new_page: PageFactory, ui_server: UiServer, ui_credentials: Credentials,
    databases: tuple[str, str],
) -> None:  # fmt: skip
    db_a, db_b = databases
    run_id = start_scoped_run(ui_server, ui_credentials, db_a, db_b)
    tables = sorted(pairs(relations_of(ui_server, run_id)))
    assert len(tables) == 5
    page, log = new_page(1280, 900)
    page.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{ui_server.token}')")
    browser_session = page.context.new_cdp_session(page)
    browser_session.send("Network.enable")
    browser_session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    lineage: list[str] = []
    page.on("request", lambda r: lineage.append(r.url) if "kind=lineage" in r.url else None)
    for number in range(TABLE_PAGES):
        database, schema, table = tables[number % len(tables)]
        # A full load each time, with a cold cache: every file of the UI is fetched again.
        page.goto(f"{ui_server.url}/ui/#/explore/{run_id}/table/{database}/{schema}/{table}")
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{schema}.{table}")
        expect(page.locator("#columns")).to_contain_text("id")
        if (schema, table) == ("public", "orders"):
            expect(page.locator("#relationships")).to_contain_text("public.customers")
    assert len(log.requested) > 300  # beyond the default limit, files and API calls together
    assert not [entry for entry in log.failed_responses if entry[2] == 429]
    assert_clean(log)
    # Table pages read their own lineage rows only, never the whole run's.
    asked = [parse_qs(urlsplit(url).query) for url in lineage]
    assert asked and all("table" in query or query["limit"] == ["1"] for query in asked), asked
