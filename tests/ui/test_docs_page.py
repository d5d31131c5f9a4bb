"""/docs in headless Chromium: Swagger UI served by us alone, usable without a token until an
operation is executed; Authorize with the token, then execute GET /workflows/v1/metadata."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.ui.conftest import CHROMIUM, Credentials, PageFactory, UiServer

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: scripts/setup installs it"
)
METADATA = "#operations-workflows-metadata_workflows_v1_metadata_get"


def execute_metadata(page: Page, creds: Credentials) -> None:
    """Fill GET /workflows/v1/metadata's parameters (Try it out must be on) and Execute."""
    operation = page.locator(METADATA)
    values = {"host": creds.host, "port": str(creds.port), "user": creds.user,
              "database": creds.database, "x-source-password": creds.password}  # fmt: skip
    for name, value in values.items():
        operation.locator(f'tr[data-param-name="{name}"] input').fill(value)
    operation.get_by_role("button", name="Execute").click()


def authorize(page: Page, token: str) -> None:
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").fill(token)
    dialog.get_by_role("button", name="Apply credentials").click()
    expect(dialog.get_by_role("button", name="Remove authorization")).to_be_visible()
    dialog.get_by_role("button", name="Close", exact=True).click()


def test_docs_page_lists_operations_and_executes_with_the_token(
    new_page: PageFactory, ui_server: UiServer, ui_credentials: Credentials, artifacts: Path
) -> None:
    page, log = new_page(1280, 900)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    csp_violations: list[str] = []
    page.on(
        "console", lambda m: csp_violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{ui_server.url}/docs")

    expect(page.locator(".opblock").first).to_be_visible()
    operations = page.locator(".opblock-summary-path")
    assert operations.count() >= 12
    expect(page.locator(METADATA)).to_contain_text("/workflows/v1/metadata")
    expect(page.locator("#operations-runs-runs_runs_get")).to_be_visible()

    page.locator(f"{METADATA} .opblock-summary-control").click()
    page.locator(METADATA).get_by_role("button", name="Try it out").click()
    execute_metadata(page, ui_credentials)  # no token yet: the API refuses
    status = page.locator(f"{METADATA} .live-responses-table tbody .response-col_status")
    expect(status).to_have_text("401")

    authorize(page, ui_server.token)
    page.locator(METADATA).get_by_role("button", name="Execute").click()
    expect(status).to_have_text("200")
    body = page.locator(f"{METADATA} .live-responses-table tbody .response-col_description")
    expect(body).to_contain_text(f'"catalog_name": "{ui_credentials.database}"')
    expect(body).to_contain_text('"schema_name": "ecommerce"')
    page.screenshot(path=artifacts / "docs-metadata-executed.png", full_page=True)

    local = re.compile(rf"^{re.escape(ui_server.url)}/")
    assert requested and all(local.match(url) for url in requested), requested
    paths = {url.removeprefix(ui_server.url).split("?")[0] for url in requested}
    assert {"/docs", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css",
            "/docs/assets/init.js", "/openapi.json", "/workflows/v1/metadata"} <= paths  # fmt: skip
    assert not csp_violations and not log.page_errors, (csp_violations, log.page_errors)
    assert ui_credentials.password not in " ".join(requested)
