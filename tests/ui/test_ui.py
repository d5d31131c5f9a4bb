"""The web UI end to end: token, connection, scope, options, live progress, explorer, graph,
run history and export, in headless Chromium against a real server, worker and PostgreSQL.

Screenshots of every step land in test-artifacts/ui/ for a person to look at.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.ui.conftest import CHROMIUM, BrowserLog, Credentials, PageFactory, UiServer

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: scripts/setup installs it"
)
RUN_SECONDS = 60


def shot(page: Page, artifacts: Path, name: str, target: Locator | None = None) -> None:
    path = artifacts / f"{name}.png"
    if target is None:
        page.screenshot(path=path, full_page=True)
    else:
        target.screenshot(path=path)


def answer_token_prompt(page: Page, server: UiServer, artifacts: Path) -> None:
    dialog = page.get_by_role("dialog", name="API token")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("needs an API token")
    dialog.get_by_role("textbox", name="Token").fill(server.token)
    shot(page, artifacts, "01-token-prompt")
    dialog.get_by_role("button", name="Use token").click()
    expect(dialog).to_be_hidden()


def fill_connection(page: Page, creds: Credentials, password: str) -> None:
    page.get_by_label("Host").fill(creds.host)
    page.get_by_label("Port").fill(str(creds.port))
    page.get_by_label("Database").fill(creds.database)
    page.get_by_label("User").fill(creds.user)
    page.get_by_label("Password", exact=True).fill(password)


def check_live_validation(page: Page) -> None:
    port = page.get_by_label("Port")
    port.fill("70000")
    expect(port).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#conn-port-error")).to_have_text("Ports run from 1 to 65535.")


def connect(page: Page, creds: Credentials, artifacts: Path) -> None:
    check_live_validation(page)
    fill_connection(page, creds, "not-the-password")
    expect(page.get_by_label("Port")).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Test connection").click()
    problem = page.locator("#preflight-result [role=alert]")
    expect(problem).to_contain_text("The server rejected the user name or password")
    expect(problem).to_contain_text(f"authentication failed for user '{creds.user}'")
    expect(page.get_by_role("button", name="Next: choose scope")).to_be_disabled()
    shot(page, artifacts, "02-wrong-password")

    page.get_by_label("Password", exact=True).fill(creds.password)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#server-version")).to_have_text(re.compile(r"^\d+(\.\d+)?"))
    expect(page.locator("#preflight-result")).to_contain_text(f"as {creds.user}")
    shot(page, artifacts, "03-connected")
    page.get_by_role("button", name="Next: choose scope").click()


def choose_scope(page: Page, creds: Credentials, artifacts: Path) -> None:
    group = page.locator(f'fieldset.db-group[data-catalog="{creds.database}"]')
    expect(group.get_by_label("ecommerce", exact=True)).to_be_checked()
    group.get_by_label("reporting", exact=True).uncheck()
    expect(page.locator("#schema-count")).to_contain_text("2 of")
    expect(page.locator("#filter-preview")).to_contain_text("analytics, ecommerce")

    include = page.get_by_label("Include tables matching")
    include.fill("orders([")
    expect(include).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#include-table-error")).to_contain_text("Not a valid regular expression")
    shot(page, artifacts, "04-scope")
    include.fill("")
    expect(include).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Next: options").click()


def start_run(page: Page, artifacts: Path) -> None:
    expect(page.get_by_role("heading", name="Options")).to_be_visible()
    page.get_by_label("Sampled profiling").check()
    # Personal values stay out unless asked for; masking applies only to included ones.
    include_pii = page.get_by_label("Include sampled values of PII columns")
    expect(include_pii).to_be_enabled()
    expect(include_pii).not_to_be_checked()
    expect(page.get_by_label("Mask the included PII values")).to_be_disabled()
    expect(page.get_by_label("Build lineage")).to_be_checked()
    expect(page.get_by_label("OpenLineage")).to_be_checked()
    expect(page.locator("#run-summary")).to_contain_text("analytics, ecommerce")
    shot(page, artifacts, "05-options")
    page.get_by_role("button", name="Start extraction").click()


def follow_progress(page: Page, log: BrowserLog, artifacts: Path) -> str:
    stages = page.locator("#stages li")
    expect(stages).to_have_count(8)
    expect(page.locator('[data-stage="preflight"]')).to_have_attribute("data-status", "done")
    shot(page, artifacts, "06-progress")
    expect(page.get_by_role("heading", name="Extraction finished")).to_be_visible(
        timeout=RUN_SECONDS * 1000
    )
    for stage in ("preflight", "table_metadata", "foreign_keys", "lineage", "data_quality",
                  "transformation"):  # fmt: skip
        expect(page.locator(f'[data-stage="{stage}"]')).to_have_attribute("data-status", "done")
    expect(page.locator('[data-stage="table_metadata"] .stage-counts')).to_contain_text("relations")
    transformation = page.locator('[data-stage="transformation"] .stage-counts')
    expect(transformation).to_contain_text(re.compile(r"atlan [^a-z]*\d[^a-z]* entities"))
    expect(page.locator("#elapsed")).not_to_be_empty()
    assert any(path.endswith("/stream") for path in log.requested)  # live, not polled
    shot(page, artifacts, "07-done")
    run_id = page.locator(".run-id code").inner_text()
    page.get_by_role("link", name="Explore results").click()
    return run_id


def search_and_open_column(page: Page, artifacts: Path) -> None:
    page.get_by_label("Search schemas, tables and columns").fill("email")
    match = page.locator("ul[data-kind=columns]").get_by_role("link", name="ecommerce.users.email")
    expect(match).to_be_visible()
    expect(page.locator("#search-status")).to_contain_text("1 column match “email”")
    shot(page, artifacts, "08-search")
    match.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ecommerce.users")
    email = page.locator("#col-email")
    expect(email).to_have_class(re.compile("highlight"))
    expect(email).to_contain_text("Email")  # the PII flag from column_profiles
    expect(page.locator("#col-user_id")).to_contain_text("PK")
    expect(page.locator("#indexes")).to_contain_text("users_email_key")
    quality = page.locator("#quality")
    expect(quality).to_contain_text("Person name")  # profiled rows, not statistics only
    expect(quality).not_to_contain_text("Statistics only")
    shot(page, artifacts, "09-table-users")


def explore_graph(page: Page, artifacts: Path) -> None:
    section = page.locator("#relationships")
    edge = section.locator('path.edge[data-from="ecommerce.orders"][data-to="ecommerce.users"]')
    expect(edge).to_have_count(1)
    expect(edge).to_have_attribute("data-kind", "fk")
    canvas = section.locator("svg.graph-canvas")
    section.scroll_into_view_if_needed()
    shot(page, artifacts, "10-graph", section)

    zoom = float(canvas.get_attribute("data-zoom") or 0)
    section.get_by_role("button", name="Zoom in").click()
    expect(canvas).not_to_have_attribute("data-zoom", f"{zoom:.2f}")
    viewport = canvas.locator("g.viewport")
    before = viewport.get_attribute("transform")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 80, steps=5)
    page.mouse.up()
    assert viewport.get_attribute("transform") != before  # panned by dragging
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    zoom = float(canvas.get_attribute("data-zoom") or 0)
    page.mouse.wheel(0, -300)
    expect(canvas).not_to_have_attribute("data-zoom", f"{zoom:.2f}")
    canvas.focus()  # the keyboard zooms too
    zoom = float(canvas.get_attribute("data-zoom") or 0)
    page.keyboard.press("-")
    expect(canvas).not_to_have_attribute("data-zoom", f"{zoom:.2f}")
    section.get_by_role("button", name="Fit the graph to the view").click()

    section.get_by_role("link", name="Open the full graph").click()
    expect(page.get_by_role("heading", name="Relationship graph")).to_be_visible()
    full = page.locator("#graph-page canvas.graph-canvas")  # on canvas: tests/ui/test_graph.py
    expect(full).to_have_attribute("data-focus", "ecommerce.users")  # the table it came from
    expect(full).not_to_have_attribute("data-edges", "0")
    shot(page, artifacts, "11-full-graph")
    page.get_by_label("Find a table").fill("orders")
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_role("link", name="Open ecommerce.orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ecommerce.orders")
    expect(page.locator("#constraints")).to_contain_text("orders_user_id_fkey")


def export_run(page: Page, run_id: str, artifacts: Path, tmp_path: Path) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Run history").click()
    card = page.locator(f'li.run-card[data-run="{run_id}"]')
    expect(card).to_contain_text("completed")
    with page.expect_download() as download_info:
        card.get_by_role("button", name=f"Export JSONL of run {run_id}").click()
    download = download_info.value
    assert download.suggested_filename == f"sourcesense-{run_id}-jsonl.zip"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert "manifest.json" in names
    assert "raw/columns.jsonl" in names
    expect(card.locator(".export-status")).to_contain_text("Downloaded")
    shot(page, artifacts, "12-run-history-export")


def assert_clean(log: BrowserLog) -> None:
    """No browser console errors at all, no uncaught exceptions, no failed HTTP responses."""
    assert log.page_errors == []
    assert log.console_errors == []
    assert log.failed_responses == []


def test_whole_flow(
    new_page: PageFactory, ui_server: UiServer, ui_credentials: Credentials, artifacts: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    page, log = new_page(1280, 900)
    page.goto(ui_server.url + "/")
    expect(page).to_have_url(re.compile(r"/ui/"))
    answer_token_prompt(page, ui_server, artifacts)
    connect(page, ui_credentials, artifacts)
    choose_scope(page, ui_credentials, artifacts)
    start_run(page, artifacts)
    run_id = follow_progress(page, log, artifacts)
    search_and_open_column(page, artifacts)
    explore_graph(page, artifacts)
    export_run(page, run_id, artifacts, tmp_path)
    assert_clean(log)


def test_connection_form_on_a_phone(
    new_page: PageFactory, ui_server: UiServer, ui_credentials: Credentials, artifacts: Path
) -> None:
    page, log = new_page(390, 844)
    page.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{ui_server.token}')")
    page.goto(ui_server.url + "/ui/#/connect")
    expect(page.get_by_role("heading", name="Connect to PostgreSQL")).to_be_visible()
    fill_connection(page, ui_credentials, ui_credentials.password)
    page.get_by_label("Port").fill("5x")
    expect(page.locator("#conn-port-error")).to_have_text("The port is a whole number, e.g. 5432.")
    page.get_by_label("Port").fill(str(ui_credentials.port))
    page.get_by_label("Port").press("Tab")  # keyboard reaches the next field
    expect(page.get_by_label("Database")).to_be_focused()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#server-version")).to_be_visible()
    shot(page, artifacts, "13-phone-connection")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide: it scrolls sideways on a phone"
    for control in page.locator("#connection-form").locator("input, select, button").all():
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        assert box["height"] >= 36  # large enough to tap
    assert_clean(log)


HELPERS_SCRIPT = """async () => {
  const { checkPattern, parsePostgresUrl } = await import("/ui/js/validate.js");
  const { parseFrame } = await import("/ui/js/sse.js");
  return {
    badPattern: checkPattern("(["),
    goodPattern: checkPattern("^sales_"),
    frame: parseFrame('event: done\\ndata: {"status":"completed"}'),
    url: parsePostgresUrl("postgresql://bob:p%40ss@db.example.com:6543/sales?sslmode=require"),
  };
}"""


def test_helpers_in_the_browser(new_page: PageFactory, ui_server: UiServer) -> None:
    """Patterns checked, SSE frames parsed, URLs split: in the browser's engine."""
    page, log = new_page(800, 600)
    page.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{ui_server.token}')")
    page.goto(ui_server.url + "/ui/")
    result = page.evaluate(HELPERS_SCRIPT)
    assert result["badPattern"].startswith("Not a valid regular expression")
    assert result["goodPattern"] == ""
    assert result["frame"] == {"event": "done", "data": '{"status":"completed"}'}
    assert result["url"] == {
        "host": "db.example.com", "port": "6543", "user": "bob", "password": "p@ss",
        "database": "sales", "sslmode": "require",
    }  # fmt: skip
    assert_clean(log)


def test_failed_run_explains_what_to_do(
    new_page: PageFactory, ui_server: UiServer, ui_credentials: Credentials, artifacts: Path
) -> None:
    creds = ui_credentials
    connection = {"host": creds.host, "port": creds.port, "user": creds.user,
                  "password": "not-the-password", "database": creds.database}  # fmt: skip
    started = httpx.post(
        f"{ui_server.url}/workflows/v1/start", json={"connection": connection},
        headers={"Authorization": f"Bearer {ui_server.token}"}, timeout=10,
    )  # fmt: skip
    assert started.status_code == 202, started.text
    page, log = new_page(1280, 900)
    page.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{ui_server.token}')")
    page.goto(f"{ui_server.url}/ui/#/run/{started.json()['workflow_id']}")
    expect(page.get_by_role("heading", name="Extraction failed")).to_be_visible(
        timeout=RUN_SECONDS * 1000
    )
    problem = page.locator("#run-outcome [role=alert]")
    expect(problem).to_contain_text("authentication failed")
    expect(problem).to_contain_text("check the user and password")
    expect(page.locator('[data-stage="preflight"]')).to_have_attribute("data-status", "failed")
    expect(problem.get_by_role("link", name="Back to connection")).to_be_visible()
    shot(page, artifacts, "14-failed-run")
    assert_clean(log)
