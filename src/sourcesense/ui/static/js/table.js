// The page of one table: columns and keys, constraints, indexes, statistics, quality profile,
// PII flags, findings, triggers, policies, grants, column lineage, its relationships as a
// graph, and its history across the scope's runs.

import { request } from "./api.js";
import { tableHistory } from "./diff.js";
import { badge, clear, code, dataTable, el, facts, heading } from "./dom.js";
import { errorView } from "./errors.js";
import { breadcrumbs } from "./explorer.js";
import * as format from "./format.js";
import { relationshipGraph } from "./graph.js";
import { POLICY_COLUMNS, TRIGGER_COLUMNS } from "./kinds.js";
import { columnLineage } from "./lineage.js";
import { nodeId, ofTable, refOf, relationships, tableHref, tableRelationships } from "./results.js";

const KINDS = ["relations", "columns", "constraints", "indexes", "column_profiles", "findings",
  "triggers", "policies", "privileges"];

export async function showTable(root, runId, ref, params, signal) {
  const name = format.qualified(ref.schema, ref.table);
  const body = el("div", { id: "table-page", "aria-busy": "true" },
    el("p", { class: "busy", text: "Loading the table…" }));
  const runHref = `#/explore/${encodeURIComponent(runId)}`;
  const schemaHref = `${runHref}/schema/${encodeURIComponent(ref.catalog)}/${encodeURIComponent(ref.schema)}`;
  root.append(breadcrumbs([["Run history", "#/runs"], [`Run ${runId}`, runHref],
    [ref.schema, schemaHref], [ref.table, null]]), heading(1, name, { id: "table-title" }), body);
  try {
    const [rows, edges] = await Promise.all([
      tableRows(runId, ref, signal),
      tableRelationships(runId, ref, signal),
    ]);
    clear(body, tablePage(runId, ref, rows, edges, signal));
    highlightColumn(params.column);
  } catch (error) {
    if (error.name !== "AbortError") clear(body, errorView(error, "Could not load the table"));
  } finally {
    body.setAttribute("aria-busy", "false");
  }
}

/** Every kind's rows of the table in one call (GET /runs/{id}/table); a kind with more rows
 * than that call returns is paged through the results API. */
async function tableRows(runId, ref, signal) {
  const params = new URLSearchParams({ database: ref.catalog, schema: ref.schema, table: ref.table,
    kinds: KINDS.join(",") });
  const found = await request(`/runs/${encodeURIComponent(runId)}/table?${params}`, { signal });
  const entries = await Promise.all(KINDS.map(async (kind) => {
    const { total, items } = found[kind];
    return [kind, items.length < total ? await ofTable(runId, kind, ref, signal) : items];
  }));
  return Object.fromEntries(entries);
}

function tablePage(runId, ref, rows, edges, signal) {
  const relation = rows.relations[0];
  if (!relation) {
    return el("p", { class: "empty", text: "This run has no such table. It may be outside the run's scope." });
  }
  const pii = new Map(rows.column_profiles.filter((p) => p.pii_class).map((p) => [p.column_name, p]));
  const sections = [
    ["columns", "Columns", columnsTable(runId, rows.columns, rows.constraints, pii)],
    ["constraints", "Constraints", constraintsTable(runId, rows.constraints)],
    ["indexes", "Indexes", indexesTable(rows.indexes)],
    ["quality", "Data quality", qualityView(rows.column_profiles, relation.kind)],
    ["findings", "Findings", findingsList(rows.findings)],
    ["triggers", "Triggers", objectTable("Triggers", rows.triggers, TRIGGER_COLUMNS, "trigger_name", "No triggers.")],
    ["policies", "Policies", objectTable("Row-level security policies", rows.policies, POLICY_COLUMNS, "policy_name",
      relation.row_security ? "Row security is on, with no policy: no row is visible to other roles." : "No policies.")],
    ["grants", "Grants", grantsTable(rows.privileges)],
    ["lineage", "Column lineage", columnLineage(runId, ref, signal)],
    ["relationships", "Relationships", relationshipsView(runId, ref, edges)],
    ["history", "History", tableHistory(runId, ref, signal)],
  ];
  if (relation.definition) {
    sections.push(["definition", "Definition", el("pre", { class: "sql" }, el("code", { text: relation.definition }))]);
  }
  return [
    el("p", { class: "table-kind" }, badge(format.humanize(relation.kind || "table"), "info"),
      relation.comment ? el("span", { class: "comment", text: relation.comment }) : null),
    el("nav", { class: "jump-links", "aria-label": "Sections of this page" },
      el("ul", {}, sections.map(([id, title]) => el("li", {}, el("a", { href: `#${id}`, text: title,
        onclick: (event) => jumpTo(event, id) }))))),
    el("section", { class: "card", "aria-labelledby": "overview-title" },
      el("h2", { id: "overview-title", text: "Statistics" }), statistics(relation)),
    sections.map(([id, title, content]) => el("section", { class: "card", id, "aria-labelledby": `${id}-title` },
      el("h2", { id: `${id}-title`, tabindex: "-1", text: title }), content)),
  ];
}

/** In-page links would change the route: scroll and focus instead. */
function jumpTo(event, id) {
  event.preventDefault();
  const title = document.getElementById(`${id}-title`);
  title.scrollIntoView({ block: "start" });
  title.focus({ preventScroll: true });
}

function statistics(r) {
  const latest = (a, b) => [a, b].filter(Boolean).sort().at(-1);
  return facts([
    ["Owner", r.owner],
    ["Rows (estimate)", format.count(r.row_estimate)],
    ["Live rows", r.live_tuples === null ? null : format.count(r.live_tuples)],
    ["Dead rows", r.dead_tuples === null ? null : format.count(r.dead_tuples)],
    ["Total size", format.bytes(r.size_bytes)],
    ["Columns", format.count(r.column_count)],
    ["Last analyze", format.dateTime(latest(r.last_analyze, r.last_autoanalyze))],
    ["Last vacuum", format.dateTime(latest(r.last_vacuum, r.last_autovacuum))],
    ["Persistence", r.persistence],
    ["Row security", r.row_security ? "Enabled" : null],
    ["Partition of", r.is_partition ? `${r.parent_schema}.${r.parent_table} ${r.partition_bound || ""}` : null],
    ["Partitioning", r.partition_strategy ? `${r.partition_key} · ${format.count(r.partition_count)} partitions` : null],
    ["Foreign server", r.foreign_server],
    ["Tablespace", r.tablespace],
    ["Readable by the role", r.readable === false ? "No: no SELECT privilege" : null],
  ], "facts stats");
}

function keyBadges(runId, constraints) {
  const keys = new Map();
  const add = (column, node) => {
    if (!keys.has(column)) keys.set(column, []);
    keys.get(column).push(node);
  };
  for (const c of constraints) {
    const columns = c.columns || [];
    if (c.constraint_type === "primary_key") columns.forEach((col) => add(col, badge("PK", "key")));
    if (c.constraint_type === "unique") columns.forEach((col) => add(col, badge("UQ", "neutral")));
    if (c.constraint_type === "foreign_key") {
      columns.forEach((col, i) => add(col, fkLink(runId, c, c.referenced_columns?.[i])));
    }
  }
  return keys;
}

function fkLink(runId, c, column) {
  const target = { catalog: c.catalog_name, schema: c.referenced_schema, table: c.referenced_table };
  return el("a", { class: "badge badge-fk", href: tableHref(runId, target, column),
    title: `Foreign key ${c.constraint_name}` },
  `FK → ${c.referenced_table}${column ? `.${column}` : ""}`);
}

function columnsTable(runId, columns, constraints, pii) {
  const keys = keyBadges(runId, constraints);
  const sorted = [...columns].sort((a, b) => a.ordinal - b.ordinal);
  return dataTable({
    caption: { text: "Columns" },
    rows: sorted,
    rowId: (row) => `col-${row.column_name}`,
    columns: [
      { label: "#", value: (row) => String(row.ordinal), className: "num" },
      { label: "Name", value: (row) => el("span", { class: "column-name", text: row.column_name }) },
      { label: "Type", value: (row) => code(row.data_type) },
      { label: "Nullable", value: (row) => (row.is_nullable ? "Yes" : "No") },
      { label: "Default", value: (row) => columnDefault(row) },
      { label: "Keys", value: (row) => keys.get(row.column_name) || "" },
      { label: "PII", value: (row) => (pii.has(row.column_name) ? badge(format.humanize(pii.get(row.column_name).pii_class), "warning") : "") },
      { label: "Comment", value: (row) => row.comment || "" },
    ],
    empty: "No columns.",
  });
}

function columnDefault(row) {
  if (row.identity) return code(`identity (${row.identity.replace("_", " ")})`);
  if (row.generated) return code(`generated: ${row.generation_expression}`);
  return row.column_default ? code(row.column_default) : "";
}

function constraintsTable(runId, constraints) {
  return dataTable({
    caption: { text: "Constraints" },
    rows: constraints,
    columns: [
      { label: "Name", value: (c) => c.constraint_name },
      { label: "Type", value: (c) => format.humanize(c.constraint_type) },
      { label: "Columns", value: (c) => format.list(c.columns) },
      { label: "References", value: (c) => (c.referenced_table ? el("a", {
        href: tableHref(runId, { catalog: c.catalog_name, schema: c.referenced_schema, table: c.referenced_table }),
        text: `${c.referenced_schema}.${c.referenced_table} (${format.list(c.referenced_columns)})`,
      }) : "") },
      { label: "Rules", value: (c) => fkRules(c) },
      { label: "Definition", value: (c) => (c.definition ? code(c.definition) : "") },
      { label: "Validated", value: (c) => format.yesNo(c.is_validated) },
    ],
    empty: "No constraints.",
  });
}

function fkRules(c) {
  if (c.constraint_type !== "foreign_key") return "";
  return `on update ${c.on_update?.replaceAll("_", " ")}, on delete ${c.on_delete?.replaceAll("_", " ")}`;
}

function indexesTable(indexes) {
  return dataTable({
    caption: { text: "Indexes" },
    rows: indexes,
    columns: [
      { label: "Name", value: (i) => i.index_name },
      { label: "Method", value: (i) => i.access_method },
      { label: "Columns", value: (i) => format.list(i.columns) +
        (i.include_columns?.length ? ` include (${format.list(i.include_columns)})` : "") },
      { label: "Kind", value: (i) => [i.is_primary && "primary", i.is_unique && "unique",
        i.is_exclusion && "exclusion", !i.is_valid && "INVALID"].filter(Boolean).join(", ") },
      { label: "Predicate", value: (i) => (i.predicate ? code(i.predicate) : "") },
      { label: "Size", value: (i) => format.bytes(i.size_bytes), className: "num" },
      { label: "Scans", value: (i) => format.count(i.scans), className: "num" },
    ],
    empty: "No indexes.",
  });
}

// Kinds whose rows sampled profiling reads (quality/profiling.py SAMPLED_KINDS).
const SAMPLED_KINDS = ["table", "partitioned_table", "materialized_view"];

function qualityView(profiles, kind) {
  if (!profiles.length) {
    return el("p", { class: "empty", text: "No profile: the run had no data quality step for this table." });
  }
  const sampled = profiles.some((p) => p.method !== "statistics");
  const sampleable = SAMPLED_KINDS.includes(kind || "table");
  const note = sampled ? null : el("p", { class: "hint", text: sampleable
    ? "Statistics only (pg_stats as of the last ANALYZE). Choose sampled profiling for ranges, lengths and value-based PII detection."
    : `Statistics only: sampled profiling reads tables and materialized views, not a ${format.humanize(kind).toLowerCase()}.` });
  const sorted = [...profiles].sort((a, b) => a.ordinal - b.ordinal);
  return [note, dataTable({
    caption: { text: "Data quality profile" },
    rows: sorted,
    columns: [
      { label: "Column", value: (p) => p.column_name },
      { label: "PII", className: "nowrap", value: (p) => (p.pii_class ? [badge(format.humanize(p.pii_class), "warning"),
        el("span", { class: "hint", text: ` by ${p.pii_source}` })] : "") },
      { label: "Method", value: (p) => p.method },
      { label: "Nulls", value: (p) => format.ratio(p.null_ratio ?? p.null_fraction), className: "num" },
      { label: "Distinct", value: (p) => format.count(p.n_distinct ?? p.sample_distinct_count), className: "num" },
      { label: "Avg width", value: (p) => (p.avg_width === null ? "—" : `${p.avg_width} B`), className: "num" },
      { label: "Min", value: (p) => p.min_value ?? "—" },
      { label: "Max", value: (p) => p.max_value ?? "—" },
      { label: "Mean", value: (p) => format.number(p.mean), className: "num" },
      { label: "Length", value: (p) => (p.min_length === null ? "—" : `${p.min_length}–${p.max_length}`) },
    ],
  })];
}

/** Rows of a kind named by `nameKey`, with the kind's columns from kinds.js. */
function objectTable(caption, rows, columns, nameKey, empty) {
  return dataTable({ caption: { text: caption }, rows, empty,
    columns: [{ label: "Name", value: (row) => el("strong", { text: row[nameKey] }) }, ...columns] });
}

/** One row per grantee and column, its privileges together (an owner holds a dozen). */
function grantsTable(privileges) {
  const groups = new Map();
  for (const g of privileges) {
    const key = `${g.grantee}\u0000${g.column_name || ""}`;
    if (!groups.has(key)) groups.set(key, { ...g, privileges: [] });
    groups.get(key).privileges.push(g.is_grantable ? `${g.privilege_type} (grantable)` : g.privilege_type);
  }
  const rows = [...groups.values()].sort((a, b) => a.grantee.localeCompare(b.grantee));
  return dataTable({ caption: { text: "Grants" }, rows, empty: "No grants recorded for this table.",
    columns: [
      { label: "Grantee", value: (g) => el("strong", { text: g.grantee }) },
      { label: "Column", value: (g) => g.column_name || "(whole table)" },
      { label: "Privileges", value: (g) => g.privileges.sort().join(", ") },
      { label: "Grantor", value: (g) => g.grantor },
    ] });
}

function findingsList(findings) {
  if (!findings.length) return el("p", { class: "empty", text: "No findings for this table." });
  const tones = { critical: "danger", warning: "warning", info: "info" };
  return el("ul", { class: "findings" }, findings.map((f) => el("li", {},
    badge(f.severity, tones[f.severity] || "neutral"), " ", el("strong", { text: format.humanize(f.check) }),
    el("p", { text: f.message }))));
}

// ---- Relationships: a neighbourhood graph and the same facts as lists.

function relationshipsView(runId, ref, edges) {
  const focus = nodeId(ref.catalog, ref.schema, ref.table);
  const touching = edges.filter((e) => e.from === focus || e.to === focus);
  if (!touching.length) {
    return el("p", { class: "empty", text: "No foreign keys or view lineage involve this table." });
  }
  const holder = el("div", { class: "graph-holder" });
  const depth = el("select", { id: "graph-depth" },
    el("option", { value: "1", text: "Direct neighbours" }),
    el("option", { value: "2", text: "Two steps away" }));
  // Two steps away needs the neighbours' edges too: the run's relationships, loaded when asked.
  const draw = async () => {
    const steps = Number(depth.value);
    const known = steps > 1 ? await relationships(runId) : edges;
    clear(holder, neighbourhood(runId, focus, known, steps));
  };
  depth.addEventListener("change", () => draw().catch((error) =>
    clear(holder, errorView(error, "Could not load the relationships"))));
  draw();
  const graphHref = `#/explore/${encodeURIComponent(runId)}/graph?focus=${encodeURIComponent(focus)}`;
  return [
    el("div", { class: "toolbar" },
      el("div", { class: "field" }, el("label", { for: "graph-depth", text: "Show" }), depth),
      el("a", { class: "button secondary small", href: graphHref, text: "Open the full graph" })),
    holder,
    relationLists(runId, focus, touching),
  ];
}

function neighbourhood(runId, focus, edges, depth) {
  const reach = new Set([focus]);
  let frontier = [focus];
  for (let step = 0; step < depth; step += 1) {
    const next = edges.flatMap((e) => [frontier.includes(e.from) && e.to, frontier.includes(e.to) && e.from])
      .filter((id) => id && !reach.has(id));
    next.forEach((id) => reach.add(id));
    frontier = [...new Set(next)];
  }
  const shown = edges.filter((e) => reach.has(e.from) && reach.has(e.to));
  return graphOf(runId, [...reach], shown, focus, `Relationships of ${refOf(focus).table}`);
}

/** A graph element of some nodes (ids) and edges, nodes linking to table pages. */
export function graphOf(runId, ids, edges, focusId, label) {
  const views = new Set(edges.filter((e) => e.kind === "view").map((e) => e.to));
  const nodes = ids.map((id) => ({ id, ...refOf(id), kind: views.has(id) ? "view" : "table" }));
  return relationshipGraph({ nodes, edges, focusId, label,
    hrefFor: (node) => tableHref(runId, refOf(node.id)) });
}

function relationLists(runId, focus, touching) {
  const link = (id) => {
    const ref = refOf(id);
    return el("a", { href: tableHref(runId, ref), text: format.qualified(ref.schema, ref.table) });
  };
  const groups = [
    ["References", touching.filter((e) => e.kind === "fk" && e.from === focus), (e) => e.to],
    ["Referenced by", touching.filter((e) => e.kind === "fk" && e.to === focus), (e) => e.from],
    ["Reads from", touching.filter((e) => e.kind === "view" && e.to === focus), (e) => e.from],
    ["Read by views", touching.filter((e) => e.kind === "view" && e.from === focus), (e) => e.to],
  ].filter(([, list]) => list.length);
  return el("dl", { class: "facts relation-lists" }, groups.map(([title, list, other]) =>
    el("div", {}, el("dt", { text: title }), el("dd", {}, el("ul", {}, list.map((e) =>
      el("li", {}, link(other(e)), e.names.length ? el("span", { class: "hint", text: ` (${e.names.join(", ")})` }) : null)))))));
}

function highlightColumn(column) {
  if (!column) return;
  const row = document.getElementById(`col-${column}`);
  if (!row) return;
  row.classList.add("highlight");
  row.tabIndex = -1;
  row.scrollIntoView({ block: "center" });
  row.focus({ preventScroll: true });
}
