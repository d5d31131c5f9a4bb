"""The diff, history, column lineage and object pages in Chromium, on a small database that is
extracted, altered and extracted again; axe-core checks every page for serious or critical
accessibility violations."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.pg import PgServer
from tests.ui.axe import check_axe
from tests.ui.conftest import CHROMIUM, BrowserLog, Credentials, PageFactory, UiServer
from tests.ui.test_scope import run_scope
from tests.ui.test_ui import assert_clean, shot

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: scripts/setup installs it"
)

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TABLE customers (id int PRIMARY KEY, name text, mood mood, score positive);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers, amount numeric);
CREATE VIEW customer_totals AS
  SELECT c.id AS customer_id, upper(c.name) AS shout, sum(o.amount) AS total
  FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE SEQUENCE invoice_no START 1000;
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY positive_ids ON customers FOR SELECT USING (id > 0);
"""
CHANGE = """
ALTER TABLE customers ADD COLUMN email text;
ALTER TABLE orders RENAME COLUMN amount TO amount_eur;
CREATE TABLE refunds (id int PRIMARY KEY);
"""


@dataclass(frozen=True)
class Runs:
    database: str
    role: str
    before: str
    after: str


@pytest.fixture(scope="module")
def runs(
    embedded_server: PgServer, ui_server: UiServer, ui_credentials: Credentials
) -> Iterator[Runs]:
    """Two runs of one database, with a column added, one renamed and a table created between."""
    role = f"sstest_pages_reader_{secrets.token_hex(3)}"
    with embedded_server.temp_database("sstest_pages") as database:
        with embedded_server.connect(database) as conn:
            conn.execute(SCHEMA)
            conn.execute(f'CREATE ROLE "{role}"')
            conn.execute(f'GRANT SELECT, INSERT ON orders TO "{role}"')
        try:
            before = extract(ui_server, ui_credentials, database)
            with embedded_server.connect(database) as conn:
                conn.execute(CHANGE)
            yield Runs(database, role, before, extract(ui_server, ui_credentials, database))
        finally:
            with embedded_server.connect(database) as conn:
                conn.execute(f'DROP OWNED BY "{role}"')
                conn.execute(f'DROP ROLE "{role}"')


def extract(server: UiServer, creds: Credentials, database: str) -> str:
    connection = {"host": creds.host, "port": creds.port, "user": creds.user,
                  "password": creds.password, "database": database}  # fmt: skip
    return run_scope(server, connection, [{"database": database, "schemas": ["public"]}])


def open_page(new_page: PageFactory, server: UiServer) -> tuple[Page, BrowserLog]:
    page, log = new_page(1440, 900)
    page.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{server.token}')")
    return page, log


def table_url(server: UiServer, run_id: str, database: str, table: str) -> str:
    return f"{server.url}/ui/#/explore/{run_id}/table/{database}/public/{table}"


def test_diff_of_two_runs_shows_the_changes(
    new_page: PageFactory, ui_server: UiServer, runs: Runs, artifacts: Path
) -> None:
    page, log = open_page(new_page, ui_server)
    page.goto(f"{ui_server.url}/ui/#/runs")
    card = page.locator(f'li.run-card[data-run="{runs.after}"]')
    card.get_by_role("link", name=f"Changes in run {runs.after}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes between runs")
    expect(page.get_by_label("Older run")).to_have_value(runs.before)  # the scope's previous run
    summary = page.locator("#diff-summary")
    expect(summary).to_contain_text("2 added")  # the column email and the table refunds
    expect(summary).to_contain_text("1 renamed")
    rows = page.locator("#diff-page tbody tr")
    added = rows.filter(has_text="column email")
    expect(added).to_contain_text("added")
    expect(added.get_by_role("link", name="public.customers")).to_be_visible()
    renamed = rows.filter(has_text="renamed")
    expect(renamed.locator("td.before")).to_have_text("amount")
    expect(renamed.locator("td.after")).to_have_text("amount_eur")
    expect(rows.filter(has_text="public.refunds")).to_contain_text("added")
    shot(page, artifacts, "30-diff")
    check_axe(page, "diff")

    # Swapping the runs reads the diff the other way round.
    page.get_by_label("Older run").select_option(runs.after)
    page.get_by_label("Newer run").select_option(runs.before)
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#diff-summary")).to_contain_text("2 removed")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: tables scroll, not the page
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the diff page is {width} px wide on a phone"
    assert_clean(log)


def test_view_page_shows_column_lineage(
    new_page: PageFactory, ui_server: UiServer, runs: Runs, artifacts: Path
) -> None:
    page, log = open_page(new_page, ui_server)
    page.goto(table_url(ui_server, runs.after, runs.database, "customer_totals"))
    lineage = page.locator("#lineage")
    upstream = lineage.get_by_role("region", name="Upstream column lineage")
    shout = upstream.locator("tr", has_text="shout")
    expect(shout.get_by_role("link", name="public.customers.name")).to_be_visible()
    expect(shout.locator("[data-transformation=expression]")).to_be_visible()
    total = upstream.locator("tr", has=page.locator("td code", has_text=re.compile("^total$")))
    expect(total.get_by_role("link", name="public.orders.amount_eur")).to_be_visible()
    expect(total.locator("[data-transformation=aggregate]")).to_be_visible()
    lineage.scroll_into_view_if_needed()
    shot(page, artifacts, "31-column-lineage", lineage)
    check_axe(page, "view page")

    # Clickable: the source column's table, the column highlighted; its downstream side there.
    shout.get_by_role("link", name="public.customers.name").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("public.customers")
    expect(page.locator("#col-name")).to_have_class(re.compile("highlight"))
    downstream = page.locator("#lineage").get_by_role("region", name="Downstream column lineage")
    expect(downstream.get_by_role("link", name="public.customer_totals.shout")).to_be_visible()
    assert_clean(log)


def test_table_page_lists_triggers_grants_policies_and_history(
    new_page: PageFactory, ui_server: UiServer, runs: Runs, artifacts: Path
) -> None:
    page, log = open_page(new_page, ui_server)
    page.goto(table_url(ui_server, runs.after, runs.database, "orders"))
    expect(page.locator("#triggers")).to_contain_text("orders_touch")
    expect(page.locator("#triggers")).to_contain_text("before insert")
    grants = page.locator("#grants tr", has_text=runs.role)
    expect(grants).to_have_count(1)  # one row per grantee and column
    expect(grants).to_contain_text("INSERT, SELECT")
    history = page.locator("#history")
    expect(history).to_contain_text("1 change in run")
    expect(history.locator("td.after")).to_have_text("amount_eur")
    shot(page, artifacts, "32-table-objects")
    check_axe(page, "table page")
    page.goto(table_url(ui_server, runs.after, runs.database, "customers"))
    expect(page.locator("#policies")).to_contain_text("positive_ids")
    expect(page.locator("#policies")).to_contain_text("(id > 0)")
    assert_clean(log)


KIND_ROWS = {  # kind: the link to its page, and what the page shows
    "routines": ("Functions and procedures", ["touch", "plpgsql"]),
    "triggers": ("Triggers", ["orders_touch", "public.orders"]),
    "sequences": ("Sequences", ["invoice_no", "1,000", "public.orders.id"]),
    "types": ("Types", ["mood", "happy", "positive", "VALUE > 0"]),
    "extensions": ("Extensions", ["plpgsql"]),
    "policies": ("Row-level security policies", ["positive_ids", "public.customers"]),
    "privileges": ("Grants", ["public.orders", "INSERT"]),
}


def test_every_kind_has_a_page_with_its_rows(
    new_page: PageFactory, ui_server: UiServer, runs: Runs, artifacts: Path
) -> None:
    page, log = open_page(new_page, ui_server)
    page.goto(f"{ui_server.url}/ui/#/explore/{runs.after}")
    links = page.get_by_role("navigation", name="Other objects of the run")
    expect(links.locator("li", has_text="Triggers")).to_contain_text("(1)")  # the run's count
    shot(page, artifacts, "34-run-summary", page.locator("#run-summary-card"))
    for kind, (title, expected) in KIND_ROWS.items():
        links.get_by_role("link", name=title, exact=True).click()
        expect(page).to_have_url(re.compile(f"/kind/{kind}$"))
        results = page.locator("#kind-results")
        expect(results).to_have_attribute("aria-busy", "false")
        for text in expected:
            expect(results).to_contain_text(text)
        check_axe(page, f"{kind} page")
        page.go_back()
    page.goto(f"{ui_server.url}/ui/#/explore/{runs.after}/kind/routines")
    page.get_by_text("Body of touch").click()  # the definition, folded until asked for
    expect(page.locator("#kind-results pre")).to_contain_text("RETURN NEW")
    page.get_by_label("Search routines by name").fill("nothing-like-it")
    expect(page.locator("#kind-status")).to_have_text("No routines matching “nothing-like-it”.")
    shot(page, artifacts, "33-routines")

    page.goto(f"{ui_server.url}/ui/#/explore/{runs.after}/roles")
    page.get_by_role("link", name=runs.role).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Grants of {runs.role}")
    expect(page.locator("#roles-page tbody tr")).to_have_count(2)
    check_axe(page, "roles page")
    assert_clean(log)
