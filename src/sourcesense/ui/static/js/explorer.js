// The results explorer: a run's summary, search across schemas, tables and columns, and a
// browsable list of tables.

import { badge, clear, code, dataTable, el, facts, heading } from "./dom.js";
import { diffHref } from "./diff.js";
import { errorView } from "./errors.js";
import * as format from "./format.js";
import { kindLinks } from "./kinds.js";
import { page, tableHref } from "./results.js";
import { exportControls, statusBadge } from "./runs.js";

const SEARCH_LIMIT = 50;
const BROWSE_LIMIT = 100;
const DEBOUNCE_MS = 250;
const NOUNS = { schemas: ["schema", "schemas"], relations: ["table", "tables"], columns: ["column", "columns"] };

/** params: {q} for a search, {catalog, schema} for one schema's tables. */
export async function showExplorer(root, runId, params, signal) {
  const summary = el("div", { class: "card", id: "run-summary-card" },
    el("p", { class: "busy", text: "Loading the run…" }));
  const results = el("div", { id: "search-results" });
  const status = el("p", { id: "search-status", class: "hint", role: "status" });
  const input = el("input", { id: "explore-search", type: "search", autocomplete: "off",
    spellcheck: "false", value: params.q || "", "aria-describedby": "search-status",
    placeholder: "e.g. email, orders, analytics" });
  root.append(
    breadcrumbs(params.schema
      ? [["Run history", "#/runs"], [`Run ${runId}`, `#/explore/${encodeURIComponent(runId)}`], [params.schema, null]]
      : [["Run history", "#/runs"], [`Run ${runId}`, null]]),
    heading(1, params.schema ? `Schema ${params.schema}` : "Results", { id: "explore-title" }),
    summary,
    el("form", { class: "card search-form", role: "search",
      onsubmit: (event) => event.preventDefault() },
    el("label", { for: "explore-search", text: "Search schemas, tables and columns" }),
    input, status),
    results);
  loadSummary(runId, summary, signal);
  let current = null;
  const search = (q) => {
    current?.abort(); // a newer search replaces one still loading
    current = new AbortController();
    return runSearch(runId, q, params, results, status, AbortSignal.any([signal, current.signal]));
  };
  const searchSoon = debounced(search);
  input.addEventListener("input", () => {
    rememberQuery(input.value);
    searchSoon(input.value.trim());
  });
  await search((params.q || "").trim());
}

export function breadcrumbs(items) {
  return el("nav", { class: "breadcrumbs", "aria-label": "Breadcrumb" },
    el("ol", {}, items.map(([text, href]) => el("li", {}, href
      ? el("a", { href, text }) : el("span", { "aria-current": "page", text })))));
}

function debounced(action) {
  let timer = null;
  return (value) => {
    clearTimeout(timer);
    timer = setTimeout(() => action(value), DEBOUNCE_MS);
  };
}

/** Keep the search in the address, so Back returns to it (without a new history entry). */
function rememberQuery(q) {
  const [path] = location.hash.split("?");
  const suffix = q.trim() ? `?q=${encodeURIComponent(q.trim())}` : "";
  history.replaceState(null, "", `${path}${suffix}`);
}

async function loadSummary(runId, target, signal) {
  try {
    const { manifest } = await page(runId, "schemas", { limit: 1, signal });
    clear(target, summaryView(runId, manifest));
  } catch (error) {
    if (error.name !== "AbortError") clear(target, errorView(error, "Could not load the run"));
  }
}

function summaryView(runId, manifest) {
  const counts = manifest.counts || {};
  const warnings = [...(manifest.errors || []), ...(manifest.warnings || [])];
  const exports = exportControls(runId);
  return el("div", { class: "run-summary" },
    el("div", { class: "run-card-head" }, el("h2", {}, "Run ", code(runId)), statusBadge(manifest.status)),
    facts([
      ["Source", manifest.source?.url],
      ["Server", manifest.server_version ? `PostgreSQL ${manifest.server_version}` : null],
      ["Started", format.dateTime(manifest.started_at)],
      ["Took", format.seconds(manifest.elapsed_seconds)],
      ["Contains", ["schemas", "relations", "columns", "constraints", "indexes"]
        .map((kind) => `${format.count(counts[kind] ?? 0)} ${kind}`).join(", ")],
    ]),
    warnings.length ? el("details", { class: "warnings" },
      el("summary", { text: `${warnings.length} warning${warnings.length === 1 ? "" : "s"}` }),
      el("ul", { class: "messages" }, warnings.map((text) => el("li", { text })))) : null,
    el("div", { class: "actions" },
      el("a", { class: "button primary small", href: `#/explore/${encodeURIComponent(runId)}/graph`,
        text: "Relationship graph" }),
      el("a", { class: "button secondary small", href: diffHref(null, runId), text: "Changes" }),
      exports.group),
    exports.status,
    kindLinks(runId, counts));
}

async function runSearch(runId, q, params, results, status, signal) {
  if (signal.aborted) return;
  results.setAttribute("aria-busy", "true");
  try {
    if (q) await showMatches(runId, q, params, results, status, signal);
    else await showTables(runId, params, results, status, signal);
  } catch (error) {
    if (error.name !== "AbortError") clear(results, errorView(error, "The search failed"));
  } finally {
    results.setAttribute("aria-busy", "false");
  }
}

async function showMatches(runId, q, params, results, status, signal) {
  const { schema, catalog: database } = params;
  const kinds = schema ? ["relations", "columns"] : ["schemas", "relations", "columns"];
  const pages = await Promise.all(kinds.map((kind) =>
    page(runId, kind, { q, database, schema, limit: SEARCH_LIMIT, manifest: false, signal })));
  const found = Object.fromEntries(pages.map(({ entities }) => [entities.kind, entities]));
  const total = Object.values(found).reduce((sum, entities) => sum + entities.total, 0);
  const parts = kinds.map((kind) => format.plural(found[kind].total, ...NOUNS[kind]));
  status.textContent = `${parts.join(", ")} match “${q}”.`; // a live region: read out
  clear(results, total ? kinds.map((kind) => matchGroup(runId, found[kind])) :
    el("p", { class: "empty", text: "Nothing matches. Try part of a name, e.g. “user”." }));
}

const GROUPS = {
  schemas: ["Schemas", (runId, row) => [
    el("a", { href: schemaHref(runId, row), text: row.schema_name }),
    el("span", { class: "hint", text: ` in ${row.catalog_name}${row.comment ? ` — ${row.comment}` : ""}` })]],
  relations: ["Tables and views", (runId, row) => [
    el("a", { href: tableHref(runId, refOf(row)), text: `${row.schema_name}.${row.table_name}` }), " ",
    badge(format.humanize(row.kind || "table")), inDatabase(row),
    row.comment ? el("span", { class: "hint", text: ` ${row.comment}` }) : null]],
  columns: ["Columns", (runId, row) => [
    el("a", { href: tableHref(runId, refOf(row), row.column_name),
      text: `${row.schema_name}.${row.table_name}.${row.column_name}` }), " ",
    el("code", { class: "type", text: row.data_type }), inDatabase(row),
    row.comment ? el("span", { class: "hint", text: ` ${row.comment}` }) : null]],
};

/** Which database a match is in: runs may read several with the same schema names. */
function inDatabase(row) {
  return el("span", { class: "hint database", text: ` in ${row.catalog_name}` });
}

function matchGroup(runId, entities) {
  if (!entities.total) return null;
  const [title, render] = GROUPS[entities.kind];
  const more = entities.total > entities.items.length
    ? el("p", { class: "hint", text: `Showing the first ${entities.items.length} of ${format.count(entities.total)}; type more of the name to narrow the list.` })
    : null;
  return el("section", { class: "card match-group", "aria-label": title },
    el("h2", {}, `${title} `, el("span", { class: "count", text: `(${format.count(entities.total)})` })),
    el("ul", { class: "matches", dataset: { kind: entities.kind } },
      entities.items.map((row) => el("li", {}, render(runId, row)))),
    more);
}

async function showTables(runId, params, results, status, signal) {
  const { entities } = await page(runId, "relations",
    { database: params.catalog, schema: params.schema, limit: BROWSE_LIMIT, manifest: false, signal });
  const rows = entities.items;
  status.textContent = entities.total > rows.length
    ? `Showing ${rows.length} of ${format.count(entities.total)} tables and views; search to find others.`
    : `${format.count(rows.length)} tables and views.`;
  clear(results, el("section", { class: "card" },
    el("h2", { text: params.schema ? `Tables in ${params.schema}` : "Tables and views" }),
    dataTable({
      caption: { text: "Tables and views" },
      rows,
      columns: [
        { label: "Table", value: (row) => el("a", { href: tableHref(runId, refOf(row)), text: `${row.schema_name}.${row.table_name}` }) },
        { label: "Kind", value: (row) => format.humanize(row.kind || "") },
        { label: "Rows (estimate)", value: (row) => format.count(row.row_estimate), className: "num" },
        { label: "Size", value: (row) => format.bytes(row.size_bytes), className: "num" },
        { label: "Columns", value: (row) => format.count(row.column_count), className: "num" },
        { label: "Comment", value: (row) => row.comment || "" },
      ],
      empty: "No tables or views in this run.",
    })));
}

function refOf(row) {
  return { catalog: row.catalog_name, schema: row.schema_name, table: row.table_name };
}

function schemaHref(runId, row) {
  const parts = [row.catalog_name, row.schema_name].map(encodeURIComponent).join("/");
  return `#/explore/${encodeURIComponent(runId)}/schema/${parts}`;
}
