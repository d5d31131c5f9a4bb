"""The run's relationship graph on canvas, in Chromium, on a sample_db run: narrowed to a
schema by the API, a table found and focused, columns drawn on the tables (the ER view), PNG
and SVG downloads of the same drawing, a click opening a table; axe-core clean throughout."""

from __future__ import annotations

import re
import time
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.ui.axe import check_axe
from tests.ui.conftest import CHROMIUM, Credentials, PageFactory, UiServer
from tests.ui.test_ui import RUN_SECONDS, assert_clean, shot

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: scripts/setup installs it"
)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def run_id(ui_server: UiServer, ui_credentials: Credentials) -> str:
    """One run of the whole of sample_db (lineage on, no output formats: faster)."""
    creds = ui_credentials
    connection = {"host": creds.host, "port": creds.port, "user": creds.user,
                  "password": creds.password, "database": creds.database}  # fmt: skip
    body = {"connection": connection, "options": {"formats": []}}
    headers = {"Authorization": f"Bearer {ui_server.token}"}
    with httpx.Client(base_url=ui_server.url, headers=headers, timeout=10) as client:
        started = client.post("/workflows/v1/start", json=body)
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            status = client.get(f"/workflows/v1/status/{started.json()['workflow_id']}").json()
            if status["status"] != "running":
                assert status["status"] == "completed"
                return str(started.json()["run_id"])
            time.sleep(0.5)
    pytest.fail(f"the sample_db run did not finish in {RUN_SECONDS} s")


PINCH = """(canvas) => {
  const box = canvas.getBoundingClientRect();
  const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
  const send = (type, pointerId, dx) => canvas.dispatchEvent(new PointerEvent(type, {
    pointerId, pointerType: "touch", isPrimary: pointerId === 1, clientX: x + dx, clientY: y,
    button: type === "pointermove" ? -1 : 0, bubbles: true }));
  send("pointerdown", 1, -20);
  send("pointerdown", 2, 20);
  send("pointermove", 2, 60);
  send("pointerup", 2, 60);
  send("pointerup", 1, -20);
}"""


def drawn(page: Page) -> dict[str, str]:
    canvas = page.locator("#graph-page canvas.graph-canvas")
    expect(canvas).to_have_attribute("data-draws", re.compile(r"^[1-9]"))
    data: dict[str, str] = canvas.evaluate("(c) => ({ ...c.dataset })")
    return data


def svg_texts(path: Path) -> list[str]:
    tree = ElementTree.parse(path)  # noqa: S314 (the page's own export, written by this test)
    return [node.text or "" for node in tree.iter(f"{SVG}text")]


def test_graph_filters_finds_shows_columns_and_exports(
    new_page: PageFactory, ui_server: UiServer, run_id: str, artifacts: Path, tmp_path: Path
) -> None:
    page, log = new_page(1440, 900)
    page.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{ui_server.token}')")
    page.goto(f"{ui_server.url}/ui/#/explore/{run_id}/graph")
    whole = drawn(page)
    assert int(whole["edges"]) > 0
    assert whole["columns"] == "hidden"
    check_axe(page, "whole graph")

    # A schema: asked of the API (lineage filtered server-side): its tables and their neighbours.
    with page.expect_request(
        re.compile(r"kind=lineage.*schema=reporting|schema=reporting.*kind=lineage")
    ):
        page.get_by_label("Schema", exact=True).select_option("reporting")
    expect(page).to_have_url(re.compile(r"graph\?schema=reporting$"))
    expect(page.get_by_label("Schema", exact=True)).to_be_focused()  # where the keyboard was
    narrowed = drawn(page)
    assert 0 < int(narrowed["nodes"]) < int(whole["nodes"])
    tables = page.locator("#graph-tables option")
    labels = tables.evaluate_all("(options) => options.map((o) => o.value)")
    assert {"reporting.daily_sales", "ecommerce.categories"} <= set(labels)  # a foreign key
    assert "reporting.monthly_revenue" in labels  # the schema's table without relationships
    assert all(label.split(".")[0] in {"reporting", "ecommerce"} for label in labels)

    # Back to the whole run; find a table by its name: focused, zoomed to a readable size.
    page.get_by_label("Schema", exact=True).select_option("")
    expect(page).to_have_url(re.compile(r"/graph$"))
    page.get_by_label("Find a table").fill("orders")
    page.get_by_role("button", name="Find", exact=True).click()
    focused = drawn(page)
    assert focused["focus"] == "ecommerce.orders"
    assert float(focused["zoom"]) >= 1
    expect(page.get_by_role("link", name="Open ecommerce.orders")).to_be_visible()
    page.get_by_text("The same relationships as a list").click()  # built when first opened
    expect(page.get_by_role("table", name="Relationships")).to_contain_text("orders_user_id_fkey")
    page.get_by_label("Find a table").fill("no_such_table")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator("#graph-found")).to_have_text("No table matches “no_such_table”.")

    # Columns on the tables: drawn, and the SVG export (the same painting) carries them.
    page.get_by_label("Show columns").check()
    expect(page).to_have_url(re.compile(r"columns=1"))
    assert drawn(page)["columns"] == "shown"
    status = page.locator("#graph-status")  # every table has its columns: none drawn bare
    expect(status).to_have_text(re.compile(r"^\d+ tables and views with \d+ relationships\.$"))
    shot(page, artifacts, "15-graph-columns")
    check_axe(page, "graph with columns")
    with page.expect_download() as svg_download:
        page.get_by_role("button", name="Export SVG").click()
    assert svg_download.value.suggested_filename == "sourcesense-graph.svg"
    svg_path = tmp_path / "graph.svg"
    svg_download.value.save_as(svg_path)
    texts = svg_texts(svg_path)
    assert {"orders", "users", "user_id", "email", "category_sales_mv"} <= set(texts)
    assert {"PK", "FK", "PK FK"} <= set(texts)  # keys marked (sales_summary.product_id is both)
    with page.expect_download() as png_download:
        page.get_by_role("button", name="Export PNG").click()
    png_path = tmp_path / "graph.png"
    png_download.value.save_as(png_path)
    header = png_path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") > 400  # width of the whole picture

    # A click on the focused table (in the middle of the canvas) opens its page.
    page.get_by_label("Find a table").fill("ecommerce.users")
    page.get_by_role("button", name="Find", exact=True).click()
    assert drawn(page)["focus"] == "ecommerce.users"
    canvas = page.locator("#graph-page canvas.graph-canvas")
    canvas.hover()  # the name of the table under the pointer, whatever the zoom
    expect(page.locator(".graph-hovered")).to_have_text("ecommerce.users")
    zoom = float(drawn(page)["zoom"])
    canvas.evaluate(PINCH)  # two fingers moving apart zoom in
    expect(canvas).not_to_have_attribute("data-zoom", f"{zoom:.3f}")
    assert float(drawn(page)["zoom"]) > zoom
    canvas.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ecommerce.users")

    # On a phone the controls wrap: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{ui_server.url}/ui/#/explore/{run_id}/graph?columns=1")
    drawn(page)
    shot(page, artifacts, "16-graph-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_clean(log)
