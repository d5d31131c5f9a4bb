// The results explorer: a run's summary, search across schemas, tables and columns, and a
// browsable list of tables.

import { badge, clear, code, el, facts, heading } from "./dom.js";
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
const KIND_LABELS = { schemas: "Schemas", relations: "Tables and views", columns: "Columns" };
// The table list's sortable columns: [label, API column, first direction].
const SORTS = [["Table", "table_name", ""], ["Kind", "kind", ""], ["Rows (estimate)", "row_estimate", "-"],
  ["Size", "size_bytes", "-"], ["Columns", "column_count", "-"]];

/** params: {q} for a search, {catalog, schema} for one schema's tables. */
export async function showExplorer(root, runId, params, signal) {
  const summary = el("div", { class: "card", id: "run-summary-card" },
    el("p", { class: "busy", text: "Loading the run…" }));
  const results = el("div", { id: "search-results" });
  const status = el("p", { id: "search-status", class: "hint", role: "status" });
  const input = el("input", { id: "explore-search", type: "search", autocomplete: "off",
    spellcheck: "false", value: params.q || "", "aria-describedby": "search-status search-help",
    placeholder: "e.g. email, orders, jsonb, analytics" });
  const filters = new Facets(params, () => search(input.value.trim()));
  root.append(
    breadcrumbs(params.schema
      ? [["Run history", "#/runs"], [`Run ${runId}`, `#/explore/${encodeURIComponent(runId)}`], [params.schema, null]]
      : [["Run history", "#/runs"], [`Run ${runId}`, null]]),
    heading(1, params.schema ? `Schema ${params.schema}` : "Results", { id: "explore-title" }),
    summary,
    el("form", { class: "card search-form", role: "search",
      onsubmit: (event) => event.preventDefault() },
    el("label", { for: "explore-search", text: "Search schemas, tables and columns" }),
    input,
    el("p", { class: "hint", id: "search-help",
      text: "Matches names, comments, data types and database names." }),
    filters.node, status),
    results);
  loadSummary(runId, summary, signal);
  let current = null;
  const search = (q) => {
    current?.abort(); // a newer search replaces one still loading
    current = new AbortController();
    return runSearch(runId, q, params, filters, results, status,
      AbortSignal.any([signal, current.signal]));
  };
  const searchSoon = debounced(search);
  input.addEventListener("input", () => {
    rememberQuery(input.value);
    searchSoon(input.value.trim());
  });
  await Promise.all([search((params.q || "").trim()), filters.prime(runId, signal)]);
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

/**
 * The search's facet filters (kind, database, schema, PII class, has-comment), as selects
 * whose options carry the counts of the last search; a change searches again.
 */
class Facets {
  constructor(params, onChange) {
    this.params = params;
    this.selects = {};
    const make = (key, label, first) => {
      const select = el("select", { id: `facet-${key}`, onchange: onChange },
        el("option", { value: "", text: first }));
      this.selects[key] = select;
      return el("div", { class: "facet" }, el("label", { for: `facet-${key}`, text: label }), select);
    };
    this.node = el("fieldset", { class: "facets", id: "search-facets" },
      el("legend", { text: "Narrow the search" }),
      make("kind", "Kind", "All kinds"),
      params.schema ? null : make("database", "Database", "All databases"),
      params.schema ? null : make("schema", "Schema", "All schemas"),
      make("pii", "PII class", "Any or none"),
      make("has_comment", "Comment", "With or without"));
  }

  /** The API filters chosen; a schema page is pinned to its database and schema. */
  chosen() {
    const value = (key) => this.selects[key]?.value || undefined;
    const comment = value("has_comment");
    return {
      kind: value("kind"),
      database: this.params.schema ? this.params.catalog : value("database"),
      schema: this.params.schema || value("schema"),
      pii: value("pii"),
      has_comment: comment === undefined ? undefined : comment === "true",
    };
  }

  /** Options before any search, from one call: the columns' counts of the whole run (or
   * schema); the kinds are listed without counts until a search. */
  async prime(runId, signal) {
    const where = { database: this.params.catalog, schema: this.params.schema };
    try {
      const { entities } = await page(runId, "columns",
        { ...where, facets: true, limit: 1, fields: "schema_name", manifest: false, signal });
      if (!this.searched) this.show({ columns: entities }, false);
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  /** Options from the counts of what matched, keeping the current choice. */
  show(found, withKinds = true) {
    const merged = (name) => {
      const counts = {};
      for (const entities of Object.values(found)) {
        for (const [key, n] of Object.entries(entities.facets?.[name] || {})) counts[key] = (counts[key] || 0) + n;
      }
      return counts;
    };
    const kinds = Object.fromEntries(Object.entries(found).map(([kind, e]) => [kind, e.total]));
    const allKinds = Object.fromEntries(Object.keys(KIND_LABELS)
      .filter((kind) => kind !== "schemas" || !this.params.schema).map((kind) => [kind, null]));
    this.fill("kind", withKinds ? kinds : allKinds, (kind) => KIND_LABELS[kind]);
    // Before a search the counts are the columns' only: names are listed without them.
    const plain = (counts) => (withKinds ? counts
      : Object.fromEntries(Object.keys(counts).map((key) => [key, null])));
    this.fill("database", plain(merged("catalog_name")));
    this.fill("schema", plain(merged("schema_name")));
    const pii = found.columns?.facets?.pii_class || {};
    this.fill("pii", { ...(Object.keys(pii).some((k) => k !== "none") ? { any: null } : {}), ...pii },
      (key) => (key === "any" ? "Any PII class" : key === "none" ? "No PII class" : format.humanize(key)));
    this.fill("has_comment", plain({ true: 0, false: 0, ...merged("has_comment") }),
      (key) => (key === "true" ? "With a comment" : "Without a comment"));
  }

  fill(key, counts, label = (value) => value) {
    const select = this.selects[key];
    if (!select) return;
    const current = select.value;
    const keys = Object.keys(counts).sort();
    if (current && !keys.includes(current)) keys.unshift(current); // kept, though nothing matches
    select.replaceChildren(select.options[0],
      ...keys.map((value) => el("option", { value,
        text: counts[value] === null || counts[value] === undefined
          ? label(value) : `${label(value)} (${format.count(counts[value])})` })));
    select.value = current;
  }
}

async function runSearch(runId, q, params, filters, results, status, signal) {
  if (signal.aborted) return;
  results.setAttribute("aria-busy", "true");
  try {
    const chosen = filters.chosen();
    const narrowed = chosen.kind || chosen.pii || chosen.has_comment !== undefined
      || (!params.schema && (chosen.database || chosen.schema));
    if (q || narrowed) await showMatches(runId, q, params, filters, results, status, signal);
    else await showTables(runId, params, results, status, signal);
  } catch (error) {
    if (error.name !== "AbortError") clear(results, errorView(error, "The search failed"));
  } finally {
    results.setAttribute("aria-busy", "false");
  }
}

async function showMatches(runId, q, params, filters, results, status, signal) {
  const { kind, ...chosen } = filters.chosen();
  // PII classes are columns'; a has-comment filter leaves out nothing that has comments.
  const all = params.schema ? ["relations", "columns"] : ["schemas", "relations", "columns"];
  const searched = chosen.pii ? ["columns"] : all;
  const pages = await Promise.all(searched.map((name) => page(runId, name,
    { text: q, ...chosen, facets: true, limit: SEARCH_LIMIT, manifest: false, signal })));
  const found = Object.fromEntries(pages.map(({ entities }) => [entities.kind, entities]));
  filters.searched = true;
  filters.show(found);
  const kinds = kind ? [kind].filter((name) => found[name]) : searched;
  const total = kinds.reduce((sum, name) => sum + found[name].total, 0);
  const parts = kinds.map((name) => format.plural(found[name].total, ...NOUNS[name]));
  const what = q ? ` match “${q}”` : " match the filters";
  status.textContent = `${parts.join(", ")}${what}.`; // a live region: read out
  clear(results, total ? kinds.map((name) => matchGroup(runId, found[name])) :
    el("p", { class: "empty", text: "Nothing matches. Try part of a name, e.g. “user”, or fewer filters." }));
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

/** The table list: one page at a time from the server, sorted there by a column header. */
async function showTables(runId, params, results, status, signal, view = { offset: 0, sort: "table_name" }) {
  const { entities } = await page(runId, "relations", { database: params.catalog,
    schema: params.schema, sort: view.sort, offset: view.offset, limit: BROWSE_LIMIT,
    manifest: false, signal });
  const rows = entities.items;
  const go = (next) => showTables(runId, params, results, status, signal, { ...view, ...next })
    .catch((error) => { if (error.name !== "AbortError") clear(results, errorView(error, "The list failed")); });
  const first = entities.total ? view.offset + 1 : 0;
  const last = view.offset + rows.length;
  status.textContent = entities.total > rows.length
    ? `Showing ${format.count(first)}–${format.count(last)} of ${format.count(entities.total)} tables and views.`
    : `${format.count(rows.length)} tables and views.`;
  const title = params.schema ? `Tables in ${params.schema}` : "Tables and views";
  clear(results, el("section", { class: "card", id: "table-list", "aria-labelledby": "table-list-title" },
    el("h2", { id: "table-list-title", text: title }),
    rows.length ? sortableTable(runId, rows, view.sort, (sort) => go({ sort, offset: 0 }))
      : el("p", { class: "empty", text: "No tables or views in this run." }),
    pager(entities, view.offset, (offset) => go({ offset }))));
}

function sortableTable(runId, rows, sort, onSort) {
  const header = ([label, column, first]) => {
    const active = sort.replace(/^-/, "") === column;
    const descending = active && sort.startsWith("-");
    const next = active ? (descending ? column : `-${column}`) : `${first}${column}`;
    const direction = active ? (descending ? "descending" : "ascending") : "none";
    return el("th", { scope: "col", "aria-sort": direction },
      el("button", { type: "button", class: "sort", dataset: { sort: column },
        onclick: () => onSort(next) }, label,
      el("span", { class: "sort-mark", "aria-hidden": "true",
        text: active ? (descending ? " ▼" : " ▲") : "" })));
  };
  const cells = (row) => [
    el("a", { href: tableHref(runId, refOf(row)), text: `${row.schema_name}.${row.table_name}` }),
    format.humanize(row.kind || ""), format.count(row.row_estimate), format.bytes(row.size_bytes),
    format.count(row.column_count), row.comment || ""];
  const numeric = [false, false, true, true, true, false];
  const table = el("table", { id: "tables-table" },
    el("caption", { class: "visually-hidden", text: "Tables and views, sortable by column" }),
    el("thead", {}, el("tr", {}, SORTS.map(header), el("th", { scope: "col", text: "Comment" }))),
    el("tbody", {}, rows.map((row) => el("tr", {},
      cells(row).map((value, i) => el("td", { class: numeric[i] ? "num" : undefined }, value))))));
  return el("div", { class: "table-scroll", tabindex: "0", role: "region",
    "aria-label": "Tables and views list" }, table);
}

function pager(entities, offset, onPage) {
  if (entities.total <= BROWSE_LIMIT) return null;
  const pages = Math.ceil(entities.total / BROWSE_LIMIT);
  const current = Math.floor(offset / BROWSE_LIMIT) + 1;
  return el("nav", { class: "pager", "aria-label": "Pages of tables" },
    el("button", { type: "button", class: "secondary small", text: "Previous page",
      disabled: offset === 0, onclick: () => onPage(Math.max(0, offset - BROWSE_LIMIT)) }),
    el("span", { class: "hint", id: "page-number", text: `Page ${current} of ${format.count(pages)}` }),
    el("button", { type: "button", class: "secondary small", text: "Next page",
      disabled: current >= pages, onclick: () => onPage(offset + BROWSE_LIMIT) }));
}

function refOf(row) {
  return { catalog: row.catalog_name, schema: row.schema_name, table: row.table_name };
}

function schemaHref(runId, row) {
  const parts = [row.catalog_name, row.schema_name].map(encodeURIComponent).join("/");
  return `#/explore/${encodeURIComponent(runId)}/schema/${parts}`;
}
