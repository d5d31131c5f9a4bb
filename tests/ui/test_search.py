"""Faceted search, the paged and sortable table list, and cancelling a run, in Chromium.

The catalog is bench/make_catalog.py's (over a hundred relations, so the list has pages); a
cancelled run is caught mid-extraction by stopping its source backend (SIGSTOP), as
tests/workflow/helpers.py does, so the cancellation never races a run that already ended.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from temporalio.testing import WorkflowEnvironment

from sourcesense.store.rundir import read_json
from tests.pg import PgServer, generated_catalog
from tests.ui.conftest import CHROMIUM, Credentials, PageFactory, UiServer, serving
from tests.ui.test_ui import RUN_SECONDS, assert_clean, shot
from tests.workflow.helpers import _IN_EXTRACTION

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: scripts/setup installs it"
)
CATALOG_TABLES = 120


@pytest.fixture(scope="module")
def ui_server(
    temporal_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[UiServer]:
    """This module's own server: its many API calls stay out of the shared one's rate limit."""
    with serving(temporal_env, tmp_path_factory.mktemp("ui-search")) as server:
        yield server


@pytest.fixture(scope="module")
def catalog(embedded_server: PgServer) -> Iterator[str]:
    with generated_catalog(embedded_server, "sstest_search_ui", tables=CATALOG_TABLES,
                           columns=6) as name:  # fmt: skip
        yield name


def api(server: UiServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.token}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=10)


def start(server: UiServer, creds: Credentials, database: str, profile: bool) -> dict[str, str]:
    connection = {"host": creds.host, "port": creds.port, "user": creds.user,
                  "password": creds.password, "database": database}  # fmt: skip
    body = {"connection": connection, "options": {"profile": profile, "formats": ["atlan"]}}
    with api(server) as client:
        started = client.post("/workflows/v1/start", json=body)
    assert started.status_code == 202, started.text
    return dict(started.json())


def finished(server: UiServer, workflow: str) -> str:
    with api(server) as client:
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            status = str(client.get(f"/workflows/v1/status/{workflow}").json()["status"])
            if status != "running":
                return status
            time.sleep(0.3)
    pytest.fail(f"run {workflow} not finished after {RUN_SECONDS} s")


@pytest.fixture(scope="module")
def sample_run(ui_server: UiServer, ui_credentials: Credentials) -> str:
    """A profiled run of sample_db: PII classes and comments to search by."""
    started = start(ui_server, ui_credentials, ui_credentials.database, profile=True)
    assert finished(ui_server, started["workflow_id"]) == "completed"
    return started["run_id"]


@pytest.fixture(scope="module")
def catalog_run(ui_server: UiServer, ui_credentials: Credentials, catalog: str) -> str:
    started = start(ui_server, ui_credentials, catalog, profile=False)
    assert finished(ui_server, started["workflow_id"]) == "completed"
    return started["run_id"]


def open_page(new_page: PageFactory, server: UiServer, route: str) -> tuple[Page, Any]:
    page, log = new_page(1440, 900)
    page.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{server.token}')")
    page.goto(f"{server.url}/ui/#{route}")
    return page, log


def results(server: UiServer, run_id: str, **params: str | int) -> dict[str, Any]:
    with api(server) as client:
        response = client.get(f"/workflows/v1/results/{run_id}",
                              params={"manifest": "false", **params})  # fmt: skip
    assert response.status_code == 200, response.text
    return dict(response.json()["entities"])


def test_facets_of_the_results_api(ui_server: UiServer, sample_run: str) -> None:
    """PII class and has-comment filter and count on the server, beside database and schema."""
    email = results(ui_server, sample_run, kind="columns", pii="email", facets="true")
    assert {(c["table_name"], c["column_name"]) for c in email["items"]} >= {("users", "email")}
    assert email["facets"]["pii_class"] == {"email": email["total"]}
    everything = results(ui_server, sample_run, kind="columns", facets="true", limit=1)
    pii = everything["facets"]["pii_class"]
    assert pii["email"] == email["total"] and pii["none"] < everything["total"]
    assert sum(pii.values()) == everything["total"]
    commented = results(ui_server, sample_run, kind="columns", has_comment="true", limit=500)
    assert commented["total"] == everything["facets"]["has_comment"]["true"]
    assert all(c["comment"] for c in commented["items"])
    assert "__has_comment" not in commented["items"][0]  # derived columns are not served
    # Comments and data types are searched too, not the names only.
    by_comment = results(ui_server, sample_run, kind="columns", text="login e-mail")
    assert [c["column_name"] for c in by_comment["items"]] == ["email"]
    by_type = results(ui_server, sample_run, kind="columns", text="email_address")
    assert by_type["total"] >= 1
    assert {c["column_name"] for c in by_type["items"]} & {"email"}


def test_faceted_search(new_page: PageFactory, ui_server: UiServer, sample_run: str,
                        ui_credentials: Credentials, artifacts: Any) -> None:  # fmt: skip
    page, log = open_page(new_page, ui_server, f"/explore/{sample_run}")
    search = page.get_by_label("Search schemas, tables and columns")
    search.fill("login e-mail")  # a column's comment, not its name
    columns = page.locator("ul[data-kind=columns]")
    expect(columns.get_by_role("link", name="ecommerce.users.email")).to_be_visible()
    expect(page.locator("#search-status")).to_contain_text("1 column match “login e-mail”")

    search.fill("")
    pii = page.get_by_label("PII class")
    expect(pii.locator("option", has_text="Email")).to_have_count(1)
    pii.select_option("email")
    expect(page.locator("#search-status")).to_contain_text("match the filters")
    expect(columns.get_by_role("link", name="ecommerce.users.email")).to_be_visible()
    for row in columns.locator("li").all():
        assert "email" in row.inner_text().lower()
    pii.select_option("")
    database = page.get_by_label("Database")
    expect(database.locator("option", has_text=ui_credentials.database)).to_have_count(1)
    page.get_by_label("Comment").select_option("true")
    page.get_by_label("Kind").select_option("relations")
    expect(page.locator("ul[data-kind=columns]")).to_have_count(0)
    relations = page.locator("ul[data-kind=relations] li")
    expect(relations.first).to_be_visible()
    for row in relations.all():  # each listed with its comment
        assert row.locator(".hint").count() >= 2, row.inner_text()
    shot(page, artifacts, "30-faceted-search")
    assert_clean(log)


def test_table_list_pages_and_sorts(new_page: PageFactory, ui_server: UiServer,
                                    catalog_run: str, artifacts: Any) -> None:  # fmt: skip
    total = results(ui_server, catalog_run, kind="relations", limit=1)["total"]
    assert total > 100
    page, log = open_page(new_page, ui_server, f"/explore/{catalog_run}")
    rows = page.locator("#tables-table tbody tr")
    expect(rows).to_have_count(100)
    expect(page.locator("#search-status")).to_have_text(
        f"Showing 1\u2013100 of {total} tables and views."
    )
    pager = page.get_by_role("navigation", name="Pages of tables")
    expect(pager.get_by_role("button", name="Previous page")).to_be_disabled()
    pager.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(total - 100)
    expect(page.locator("#page-number")).to_have_text("Page 2 of 2")
    expect(pager.get_by_role("button", name="Next page")).to_be_disabled()

    size = page.get_by_role("columnheader", name="Size")
    size.get_by_role("button").click()  # biggest first, back on page 1
    expect(size).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#page-number")).to_have_text("Page 1 of 2")
    by_size = sorted(results(ui_server, catalog_run, kind="relations", limit=500)["items"],
                     key=lambda r: -(r["size_bytes"] or 0))  # fmt: skip
    expect(rows.first.locator("td").nth(3)).to_have_text(page_bytes(page, by_size[0]["size_bytes"]))
    name = page.get_by_role("columnheader", name="Table")
    name.get_by_role("button").click()
    expect(name).to_have_attribute("aria-sort", "ascending")
    name.get_by_role("button").click()
    expect(name).to_have_attribute("aria-sort", "descending")
    last = max(results(ui_server, catalog_run, kind="relations", limit=500)["items"],
               key=lambda r: r["table_name"])  # fmt: skip
    expect(rows.first.locator("td").first).to_have_text(
        f"{last['schema_name']}.{last['table_name']}"
    )
    shot(page, artifacts, "31-table-list")
    assert_clean(log)


def page_bytes(page: Page, value: int | None) -> str:
    """The UI's own rendering of a size (format.bytes), for the comparison."""
    script = "async (v) => (await import('/ui/js/format.js')).bytes(v)"
    return str(page.evaluate(script, value))


def extraction_backend(pg: PgServer, database: str, timeout: float = RUN_SECONDS) -> int:
    """The pid of the run's backend inside its snapshot transaction (polled tightly)."""
    deadline = time.monotonic() + timeout
    with pg.connect() as conn:
        while time.monotonic() < deadline:
            row = conn.execute(_IN_EXTRACTION, (database,)).fetchone()
            if row is not None:
                return int(row[0])
    raise AssertionError("no sourcesense extraction seen in its snapshot transaction")


def test_cancel_stops_a_run_and_the_run_shows_cancelled(
    new_page: PageFactory, ui_server: UiServer, ui_credentials: Credentials, catalog: str,
    embedded_server: PgServer, artifacts: Any,
) -> None:  # fmt: skip
    started = start(ui_server, ui_credentials, catalog, profile=False)
    pid = extraction_backend(embedded_server, catalog)
    os.kill(pid, signal.SIGSTOP)  # the run waits on its source until the backend goes
    try:
        page, log = open_page(new_page, ui_server, f"/run/{started['workflow_id']}")
        expect(page.get_by_role("heading", name="Extraction running")).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Cancel extraction").click()
        expect(page.locator("#cancel-status")).to_contain_text("Cancelling")
    finally:
        with embedded_server.connect() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        os.kill(pid, signal.SIGCONT)
    expect(page.get_by_role("heading", name="Extraction cancelled")).to_be_visible(
        timeout=RUN_SECONDS * 1000
    )
    expect(page.locator("#progress-state")).to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Cancel extraction")).to_be_hidden()
    expect(page.locator('#stages [data-status="running"]')).to_have_count(0)  # none spins on
    expect(page.locator(".databases")).not_to_contain_text("running")
    shot(page, artifacts, "32-cancelled")

    run_dir = ui_server.data_dir / "runs" / started["run_id"]
    assert read_json(run_dir / "manifest.json")["status"] == "cancelled"
    assert [p for p in run_dir.rglob("*") if p.name.startswith(".")] == []  # no partial files
    page.get_by_role("link", name="Run history").last.click()
    card = page.locator(f'li.run-card[data-run="{started["run_id"]}"]')
    expect(card.locator(".badge")).to_have_text("cancelled")
    with api(ui_server) as client:  # a second cancel: the run has ended
        again = client.post(f"/workflows/v1/cancel/{started['workflow_id']}")
    assert again.status_code == 409
    assert again.json()["error"]["type"] == "RunEnded"
    assert_clean(log)
