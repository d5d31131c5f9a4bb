// Step 2: databases and schemas as a searchable checklist, plus table patterns.

import { query, request } from "./api.js";
import { $, $$, clear, code, el } from "./dom.js";
import { errorView } from "./errors.js";
import { bindField, validateAll } from "./forms.js";
import { schemaKey, wizard } from "./state.js";
import { checkPattern } from "./validate.js";

let patternValidators = [];

export function initScope() {
  const include = $("#include-table");
  const exclude = $("#exclude-table");
  patternValidators = [
    [include, bindField(include, checkPattern, renderPreview)],
    [exclude, bindField(exclude, checkPattern, renderPreview)],
  ];
  $("#schema-search").addEventListener("input", applySearch);
  $("#schema-all").addEventListener("click", () => setShown(true));
  $("#schema-none").addEventListener("click", () => setShown(false));
  $("#schema-list").addEventListener("change", onCheck);
  $("#to-options").addEventListener("click", next);
}

/** Entering step 2: load the schemas once per tested connection. */
export async function enterScope(signal) {
  if (wizard.schemas) {
    renderList();
    return;
  }
  const list = clear($("#schema-list"));
  list.setAttribute("aria-busy", "true");
  list.append(el("p", { class: "busy", text: "Listing databases and schemas…" }));
  try {
    const schemas = await request(metadataPath(), { headers: passwordHeader(), signal });
    wizard.schemas = schemas;
    const current = wizard.connection.database;
    wizard.selected = new Set(schemas.filter((s) => s.catalog_name === current)
      .map((s) => schemaKey(s.catalog_name, s.schema_name)));
    renderList();
  } catch (error) {
    if (error.name === "AbortError") return;
    const retry = el("button", { type: "button", class: "secondary", text: "Try again",
      onclick: () => enterScope(signal) });
    clear(list, errorView(error, "Could not list the schemas", [retry]));
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

function metadataPath() {
  const { host, port, user, database, sslmode } = wizard.connection;
  return `/workflows/v1/metadata${query({ host, port, user, database, sslmode })}`;
}

function passwordHeader() {
  const { password } = wizard.connection;
  return password ? { "X-Source-Password": password } : {};
}

function byDatabase(schemas) {
  const groups = new Map();
  for (const item of schemas) {
    if (!groups.has(item.catalog_name)) groups.set(item.catalog_name, []);
    groups.get(item.catalog_name).push(item.schema_name);
  }
  const current = wizard.connection.database;
  return [...groups.entries()].sort(([a], [b]) => (b === current) - (a === current) || a.localeCompare(b));
}

function renderList() {
  const list = clear($("#schema-list"));
  if (!wizard.schemas.length) {
    list.append(el("p", { class: "empty", text: "This role sees no schemas it may read." }));
  }
  byDatabase(wizard.schemas).forEach(([catalog, schemas], index) => {
    list.append(databaseGroup(catalog, schemas, index));
  });
  applySearch();
}

function databaseGroup(catalog, schemas, index) {
  const isCurrent = catalog === wizard.connection.database;
  const allId = `db-${index}-all`;
  return el("fieldset", { class: "db-group", dataset: { catalog } },
    el("legend", {}, el("span", { class: "db-name", text: catalog }),
      isCurrent ? el("span", { class: "badge badge-info", text: "connected database" }) : null),
    el("div", { class: "choice db-all" },
      el("input", { type: "checkbox", id: allId, dataset: { all: catalog } }),
      el("label", { for: allId, text: `All schemas of ${catalog} (${schemas.length})` })),
    el("ul", { class: "schema-items" }, schemas.map((schema, position) =>
      schemaItem(catalog, schema, `db-${index}-s-${position}`))));
}

function schemaItem(catalog, schema, id) {
  const key = schemaKey(catalog, schema);
  return el("li", { class: "choice", dataset: { search: `${catalog} ${schema}`.toLowerCase() } },
    el("input", { type: "checkbox", id, checked: wizard.selected.has(key),
      dataset: { catalog, schema } }),
    el("label", { for: id, text: schema }));
}

function onCheck(event) {
  const box = event.target;
  if (box.dataset.all !== undefined) {
    const group = box.closest(".db-group");
    for (const item of $$("input[data-schema]", group)) item.checked = box.checked;
  }
  syncSelection();
}

function setShown(checked) {
  for (const box of $$("#schema-list li:not([hidden]) input[data-schema]")) box.checked = checked;
  syncSelection();
}

/** The checkboxes are the truth; mirror them into the wizard and the summaries. */
function syncSelection() {
  wizard.selected = new Set($$("#schema-list input[data-schema]")
    .filter((box) => box.checked)
    .map((box) => schemaKey(box.dataset.catalog, box.dataset.schema)));
  for (const group of $$("#schema-list .db-group")) {
    const boxes = $$("input[data-schema]", group);
    const checked = boxes.filter((box) => box.checked).length;
    const all = $("input[data-all]", group);
    all.checked = checked === boxes.length && boxes.length > 0;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }
  if (wizard.selected.size) $("#schema-error").textContent = "";
  renderCount();
  renderPreview();
}

function applySearch() {
  if (!wizard.schemas) return;
  const needle = $("#schema-search").value.trim().toLowerCase();
  for (const item of $$("#schema-list li")) item.hidden = !item.dataset.search.includes(needle);
  for (const group of $$("#schema-list .db-group")) {
    group.hidden = $$("li", group).every((item) => item.hidden);
  }
  syncSelection();
}

function renderCount() {
  const total = wizard.schemas.length;
  const shown = $$("#schema-list li:not([hidden])").length;
  const filtered = shown < total ? ` · ${shown} shown` : "";
  $("#schema-count").textContent = `${wizard.selected.size} of ${total} schemas selected${filtered}`;
}

/**
 * The filters of the current choice: the checked (database, schemas) pairs as an explicit
 * scope, read exactly (db_a.public and db_b.audit never read db_b.public), plus the table
 * patterns.
 */
export function scopeFilters() {
  const chosen = wizard.schemas.filter((s) => wizard.selected.has(schemaKey(s.catalog_name, s.schema_name)));
  const byName = new Map();
  for (const { catalog_name: database, schema_name: schema } of chosen) {
    if (!byName.has(database)) byName.set(database, []);
    byName.get(database).push(schema);
  }
  const scope = [...byName.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([database, schemas]) => ({ database, schemas: schemas.sort() }));
  const allDatabases = scope.some((entry) => entry.database !== wizard.connection.database);
  const filters = { scope };
  const include = $("#include-table").value;
  const exclude = $("#exclude-table").value;
  if (include) filters.include_table = include;
  if (exclude) filters.exclude_table = exclude;
  return { filters, allDatabases };
}

function renderPreview() {
  const preview = clear($("#filter-preview"));
  if (!wizard.schemas) return;
  const { filters } = scopeFilters();
  const { scope, ...patterns } = filters;
  const rows = scope.map((entry) => [entry.database, entry.schemas.join(", ")]);
  rows.push(...Object.entries(patterns).map(([name, value]) => [name, code(value)]));
  for (const [name, value] of rows) {
    preview.append(el("div", {}, el("dt", { text: name }), el("dd", {}, value)));
  }
}

function next() {
  if (!wizard.schemas) return;
  const patternsOk = validateAll(patternValidators);
  if (!wizard.selected.size) {
    $("#schema-error").textContent = "Choose at least one schema.";
    $("#schema-search").focus();
    return;
  }
  if (!patternsOk) return;
  const { filters, allDatabases } = scopeFilters();
  wizard.filters = filters;
  wizard.allDatabases = allDatabases;
  location.hash = "#/options";
}
