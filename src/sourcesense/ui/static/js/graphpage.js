// The run's relationship graph: every table in a foreign key or a view's lineage, on canvas,
// narrowed to a database or schema on the server, with search, columns on the tables (an ER
// view, up to COLUMN_LIMIT tables) and PNG or SVG export.

import { all, EDGE_FIELDS, fromConstraint, fromLineage, merged, nodeId, page, refOf, relationships, tableHref } from "./results.js";
import { announce, clear, dataTable, el, heading } from "./dom.js";
import { errorView } from "./errors.js";
import { breadcrumbs } from "./explorer.js";
import { CanvasGraph } from "./graph-canvas.js";
import { buildScene, toPng, toSvg } from "./graph-paint.js";

const COLUMN_LIMIT = 300;
const COLUMN_FIELDS = "catalog_name,schema_name,table_name,column_name,ordinal,data_type";
const KEY_FIELDS = "catalog_name,schema_name,table_name,constraint_type,columns";
let refocus = null; // the filter control a user changed: focused again on the redrawn page

export async function showGraph(root, runId, params, signal) {
  const body = el("div", { id: "graph-page", "aria-busy": "true" },
    el("p", { class: "busy", text: "Loading relationships…" }));
  const runHref = `#/explore/${encodeURIComponent(runId)}`;
  root.append(breadcrumbs([["Run history", "#/runs"], [`Run ${runId}`, runHref], ["Graph", null]]),
    heading(1, "Relationship graph", { id: "graph-title" }), body);
  const scope = { database: params.database || "", schema: params.schema || "" };
  try {
    const [schemas, edges] = await Promise.all([schemaList(runId, signal), edgesOf(runId, scope, signal)]);
    const nodes = await nodesOf(runId, edges, scope, signal);
    const withColumns = params.columns === "1" && nodes.length <= COLUMN_LIMIT;
    const columns = withColumns ? await columnsOf(runId, nodes, signal) : null;
    if (signal.aborted) return;
    const started = performance.now();
    clear(body, graphPage({ runId, params, scope, schemas, nodes, edges, columns }));
    if (refocus) document.getElementById(refocus)?.focus();
    refocus = null;
    performance.measure("graph-build", { start: started, end: performance.now() });
  } catch (error) {
    if (error.name !== "AbortError") clear(body, errorView(error, "Could not load the relationships"));
  } finally {
    body.setAttribute("aria-busy", "false");
  }
}

/** The run's (database, schema) pairs, for the filter. */
async function schemaList(runId, signal) {
  const rows = await all(runId, "schemas", { fields: "catalog_name,schema_name", signal });
  return rows.map((row) => ({ database: row.catalog_name, schema: row.schema_name }));
}

/** Table-level relationships: the whole run's (cached), or those touching the scope, filtered by the API. */
async function edgesOf(runId, scope, signal) {
  if (!scope.database && !scope.schema) return relationships(runId);
  const lineage = await all(runId, "lineage", { ...scope, level: "table", fields: EDGE_FIELDS, signal });
  if (lineage.length) return merged(lineage.map(fromLineage));
  const { entities } = await page(runId, "lineage", { limit: 1, fields: "level", manifest: false, signal });
  if (entities.total) return [];
  const constraints = await all(runId, "constraints", { ...scope, signal });
  return merged(constraints.filter((c) => c.constraint_type === "foreign_key").map(fromConstraint));
}

/** The tables of the edges; with a schema chosen, its tables without relationships too. */
async function nodesOf(runId, edges, scope, signal) {
  const views = new Set(edges.filter((e) => e.kind === "view").map((e) => e.to));
  const kinds = new Map([...new Set(edges.flatMap((e) => [e.from, e.to]))]
    .map((id) => [id, views.has(id) ? "view" : "table"]));
  if (scope.schema) {
    const relations = await all(runId, "relations",
      { ...scope, fields: "catalog_name,schema_name,table_name,kind", signal });
    for (const row of relations) {
      const id = nodeId(row.catalog_name, row.schema_name, row.table_name);
      kinds.set(id, row.kind.includes("view") ? "view" : "table");
    }
  }
  return [...kinds].map(([id, kind]) => ({ id, ...refOf(id), kind }));
}

/** Columns of the shown tables with their keys, asked per (database, schema) of the tables. */
async function columnsOf(runId, nodes, signal) {
  const wanted = new Set(nodes.map((node) => node.id));
  const pairs = [...new Set(nodes.map((node) => JSON.stringify([node.catalog, node.schema])))].map((p) => JSON.parse(p));
  const byTable = new Map();
  const keys = new Map(); // "id\u0000column" -> ["PK", "FK"]
  for (const [database, schema] of pairs) {
    const [columns, constraints] = await Promise.all([
      all(runId, "columns", { database, schema, fields: COLUMN_FIELDS, signal }),
      all(runId, "constraints", { database, schema, fields: KEY_FIELDS, signal })]);
    for (const row of constraints) {
      const key = { primary_key: "PK", foreign_key: "FK" }[row.constraint_type];
      const id = nodeId(row.catalog_name, row.schema_name, row.table_name);
      for (const column of key && wanted.has(id) ? row.columns || [] : []) {
        const at = `${id}\u0000${column}`;
        keys.set(at, [...new Set([...(keys.get(at) || []), key])]);
      }
    }
    for (const row of columns) {
      const id = nodeId(row.catalog_name, row.schema_name, row.table_name);
      if (!wanted.has(id)) continue;
      if (!byTable.has(id)) byTable.set(id, []);
      byTable.get(id).push(row);
    }
  }
  for (const [id, rows] of byTable) {
    byTable.set(id, rows.sort((a, b) => a.ordinal - b.ordinal).map((c) => ({
      name: c.column_name, type: c.data_type, key: (keys.get(`${id}\u0000${c.column_name}`) || []).sort().reverse().join(" "),
    })));
  }
  return byTable;
}

function graphPage({ runId, params, scope, schemas, nodes, edges, columns }) {
  const controls = filterForm(runId, params, scope, schemas, nodes.length);
  if (!nodes.length) {
    return [controls, el("p", { class: "empty", text: "No foreign keys and no view lineage here." })];
  }
  const label = `Relationships of ${scope.schema || scope.database || "the run"}`;
  const scene = buildScene(nodes, edges, columns);
  const hovered = el("span", { class: "graph-hovered", "aria-hidden": "true" });
  const graph = new CanvasGraph(scene, { label,
    onOpen: (node) => { location.hash = tableHref(runId, refOf(node.id)); },
    onHover: (node) => { hovered.textContent = node ? `${node.schema}.${node.table}` : ""; } });
  // all() stops at 20,000 rows: a schema with more columns leaves some tables bare.
  const bare = columns ? nodes.filter((node) => !columns.has(node.id)).length : 0;
  const status = el("p", { class: "hint", id: "graph-status", role: "status",
    text: `${nodes.length} tables and views with ${edges.length} relationships.${bare
      ? ` ${bare} drawn without columns: none were extracted, or their schema has more than 20,000 (choose a schema).` : ""}` });
  const found = el("p", { class: "graph-found", id: "graph-found" });
  const search = searchForm(runId, nodes, graph, found);
  if (params.focus && scene.byId.has(params.focus)) requestAnimationFrame(() => graph.focusOn(params.focus));
  return [
    controls, status,
    el("div", { class: "card graph-card" },
      el("figure", { class: "graph" }, toolbar(graph, scene, label, search), found, graph.frame, legend(hovered))),
    edgeList(runId, edges),
  ];
}

function filterForm(runId, params, scope, schemas, count) {
  const databases = [...new Set(schemas.map((s) => s.database))].sort();
  const select = (id, text, value, options) => el("div", { class: "field" },
    el("label", { for: id, text }),
    el("select", { id, name: id.replace("graph-", "") },
      el("option", { value: "", text: "All", selected: !value }),
      options.map((option) => el("option", { value: option, text: option, selected: option === value }))));
  const inDatabase = schemas.filter((s) => !scope.database || s.database === scope.database);
  const form = el("form", { class: "graph-filters", "aria-label": "Graph filters" },
    select("graph-database", "Database", scope.database, databases),
    select("graph-schema", "Schema", scope.schema, [...new Set(inDatabase.map((s) => s.schema))].sort()),
    el("div", { class: "field check" },
      el("input", { type: "checkbox", id: "graph-columns", name: "columns", value: "1",
        checked: params.columns === "1", disabled: count > COLUMN_LIMIT && params.columns !== "1",
        "aria-describedby": "graph-columns-hint" }),
      el("label", { for: "graph-columns", text: "Show columns" }),
      el("span", { class: "hint", id: "graph-columns-hint",
        text: ` up to ${COLUMN_LIMIT} tables: choose a schema for a larger run` })),
    el("button", { type: "submit", id: "graph-apply", class: "secondary small", text: "Apply" }));
  const apply = (control) => {
    refocus = control?.id || null;
    const data = Object.fromEntries(new FormData(form));
    const next = new URLSearchParams(Object.entries(data).filter(([, v]) => v));
    location.hash = `#/explore/${encodeURIComponent(runId)}/graph${next.toString() ? `?${next}` : ""}`;
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(event.submitter); });
  form.addEventListener("change", (event) => {
    if (event.target.name === "database") form.elements.schema.value = ""; // may not be in it
    apply(event.target);
  });
  return form;
}

function searchForm(runId, nodes, graph, found) {
  const labels = nodes.map((node) => `${node.schema}.${node.table}`);
  const input = el("input", { type: "search", id: "graph-search", list: "graph-tables", autocomplete: "off" });
  const form = el("form", { class: "graph-search", role: "search", "aria-label": "Graph search" },
    el("label", { for: "graph-search", text: "Find a table" }), input,
    el("datalist", { id: "graph-tables" }, labels.map((text) => el("option", { value: text }))),
    el("button", { type: "submit", class: "secondary small", text: "Find" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = input.value.trim().toLowerCase();
    const index = [(l) => l === wanted, (l) => l.endsWith(`.${wanted}`), (l) => l.includes(wanted)]
      .map((match) => labels.findIndex((text) => match(text.toLowerCase()))).find((i) => i >= 0);
    if (!wanted || index === undefined) {
      clear(found, `No table matches “${input.value}”.`);
      announce(`No table matches ${input.value}`);
      return;
    }
    const node = nodes[index];
    graph.focusOn(node.id);
    clear(found, "Found ", el("a", { href: tableHref(runId, refOf(node.id)), text: `Open ${labels[index]}` }),
      " (Enter on the graph opens it too).");
    announce(`Found ${labels[index]}`);
  });
  return form;
}

function toolbar(graph, scene, label, search) {
  const button = (text, title, action) => el("button", {
    type: "button", class: "secondary small", title, text, onclick: action,
  });
  const zoom = (text, name, action) => el("button", {
    type: "button", class: "secondary small", "aria-label": name, title: name, text, onclick: action,
  });
  return el("div", { class: "graph-toolbar", role: "toolbar", "aria-label": "Graph view" },
    zoom("+", "Zoom in", () => graph.zoomCenter(1.25)),
    zoom("−", "Zoom out", () => graph.zoomCenter(0.8)),
    button("Fit", "Fit the graph to the view", () => graph.fit()),
    search,
    button("Export PNG", "Download the whole graph as a PNG image",
      async () => save(await toPng(scene), "sourcesense-graph.png")),
    button("Export SVG", "Download the whole graph as an SVG drawing",
      () => save(new Blob([toSvg(scene, label)], { type: "image/svg+xml" }), "sourcesense-graph.svg")));
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

function legend(hovered) {
  return el("figcaption", { class: "graph-legend" }, hovered,
    el("span", { class: "legend-fk" }, "references (foreign key)"),
    el("span", { class: "legend-view" }, "read by (view lineage)"),
    el("span", { class: "legend-hint" }, "Drag to pan, wheel to zoom, select a table to open it."));
}

/** The same relationships as a table, built when first opened (thousands of rows). */
function edgeList(runId, edges) {
  const details = el("details", { class: "card" }, el("summary", { text: "The same relationships as a list" }));
  details.addEventListener("toggle", () => {
    if (details.open && details.childElementCount === 1) details.append(edgeTable(runId, edges));
  });
  return details;
}

function edgeTable(runId, edges) {
  const link = (id) => {
    const ref = refOf(id);
    return el("a", { href: tableHref(runId, ref), text: `${ref.schema}.${ref.table}` });
  };
  return dataTable({
    caption: { text: "Relationships" },
    rows: edges,
    columns: [
      { label: "From", value: (e) => link(e.from) },
      { label: "Relationship", value: (e) => (e.kind === "fk" ? "references" : "is read by view") },
      { label: "To", value: (e) => link(e.to) },
      { label: "Foreign key", value: (e) => e.names.join(", ") },
    ],
  });
}
