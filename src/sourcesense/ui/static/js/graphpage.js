// The whole run's relationship graph: every table in a foreign key or a view's lineage.

import { clear, dataTable, el, heading } from "./dom.js";
import { errorView } from "./errors.js";
import { breadcrumbs } from "./explorer.js";
import { refOf, relationships, tableHref } from "./results.js";
import { graphOf } from "./table.js";

const LARGE = 300;

export async function showGraph(root, runId, params, signal) {
  const body = el("div", { id: "graph-page", "aria-busy": "true" },
    el("p", { class: "busy", text: "Loading relationships…" }));
  const runHref = `#/explore/${encodeURIComponent(runId)}`;
  root.append(breadcrumbs([["Run history", "#/runs"], [`Run ${runId}`, runHref], ["Graph", null]]),
    heading(1, "Relationship graph", { id: "graph-title" }), body);
  try {
    const edges = await relationships(runId);
    if (signal.aborted) return;
    clear(body, graphPage(runId, edges, params.focus));
  } catch (error) {
    if (error.name !== "AbortError") clear(body, errorView(error, "Could not load the relationships"));
  } finally {
    body.setAttribute("aria-busy", "false");
  }
}

function graphPage(runId, edges, focus) {
  if (!edges.length) {
    return el("p", { class: "empty", text: "This run has no foreign keys and no view lineage." });
  }
  const ids = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const note = ids.length > LARGE
    ? el("p", { class: "hint", text: `${ids.length} tables: zoom in, or open a table for its neighbourhood.` })
    : el("p", { class: "hint", text: `${ids.length} tables and views with ${edges.length} relationships.` });
  return [
    note,
    el("div", { class: "card graph-card" }, graphOf(runId, ids, edges, focus, "Relationships of the run")),
    el("details", { class: "card" }, el("summary", { text: "The same relationships as a list" }),
      edgeTable(runId, edges)),
  ];
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
