// Column lineage of one table or view: the columns it reads (upstream) and the columns that
// read it (downstream), each with how it is transformed. Edges come filtered by the server to
// the ones touching this table (lineage/edges.parquet, view edges only: foreign keys are shown
// as keys and relationships).

import { clear, code, dataTable, el } from "./dom.js";
import { errorView } from "./errors.js";
import * as format from "./format.js";
import { all, tableHref } from "./results.js";

const FIELDS = "edge_kind,level,catalog_name,source_schema,source_table,source_column," +
  "target_schema,target_table,target_column,transformation";

/** The column lineage section's content: loads on its own, so the rest of the page need not wait. */
export function columnLineage(runId, ref, signal) {
  const holder = el("div", { id: "lineage-columns", "aria-busy": "true" },
    el("p", { class: "busy", text: "Loading column lineage…" }));
  load(runId, ref, holder, signal);
  return holder;
}

async function load(runId, ref, holder, signal) {
  try {
    const filters = { database: ref.catalog, schema: ref.schema, table: ref.table, fields: FIELDS, signal };
    // One call for every level: the table-level edges of one table are few.
    const edges = (await all(runId, "lineage", filters))
      .filter((e) => e.edge_kind === "view" && e.level !== "table");
    clear(holder, view(runId, ref, edges));
  } catch (error) {
    if (error.name !== "AbortError") clear(holder, errorView(error, "Could not load the column lineage"));
  } finally {
    holder.setAttribute("aria-busy", "false");
  }
}

const isTable = (ref, schema, table) => schema === ref.schema && table === ref.table;

function view(runId, ref, edges) {
  const upstream = edges.filter((e) => isTable(ref, e.target_schema, e.target_table));
  const downstream = edges.filter((e) => isTable(ref, e.source_schema, e.source_table));
  if (!upstream.length && !downstream.length) {
    return el("p", { class: "empty", text: "No view reads this table's columns, and it reads none itself." });
  }
  // Columns fed directly first, then what the view's joins, filters and groups read.
  const rank = (e, side) => `${e.level === "indirect" ? 1 : 0}${e[side] ?? ""}\u0000${JSON.stringify(e)}`;
  const byColumn = (side) => (a, b) => rank(a, side).localeCompare(rank(b, side));
  return [
    upstream.length ? el("h3", { text: "Upstream: where its columns come from" }) : null,
    upstream.length ? dataTable({
      caption: { text: "Upstream column lineage" },
      rows: upstream.sort(byColumn("target_column")),
      columns: [
        { label: "Column", value: (e) => (e.target_column ? code(e.target_column) : el("span", { class: "hint", text: "(the view's rows)" })) },
        { label: "From", value: (e) => columnLink(runId, e.catalog_name, e.source_schema, e.source_table, e.source_column) },
        { label: "Transformation", value: transformation },
      ],
    }) : null,
    downstream.length ? el("h3", { text: "Downstream: what reads its columns" }) : null,
    downstream.length ? dataTable({
      caption: { text: "Downstream column lineage" },
      rows: downstream.sort(byColumn("source_column")),
      columns: [
        { label: "Column", value: (e) => code(e.source_column) },
        { label: "Into", value: (e) => columnLink(runId, e.catalog_name, e.target_schema, e.target_table, e.target_column) },
        { label: "Transformation", value: transformation },
      ],
    }) : null,
  ];
}

function columnLink(runId, catalog, schema, table, column) {
  const ref = { catalog, schema, table };
  const name = column ? `${schema}.${table}.${column}` : `${schema}.${table}`;
  return el("a", { href: tableHref(runId, ref, column || undefined), class: "lineage-link", text: name });
}

function transformation(edge) {
  const kind = edge.transformation || (edge.level === "indirect" ? "indirect" : "direct");
  const tone = edge.level === "indirect" ? "neutral" : "info";
  return el("span", { class: `badge badge-${tone}`, dataset: { transformation: kind } },
    format.humanize(kind));
}
