// What changed between two runs of a scope (GET /runs/{a}/diff/{b}), and one table's history
// across the scope's runs (GET /runs/{id}/history).

import { request } from "./api.js";
import { badge, clear, code, dataTable, el, heading } from "./dom.js";
import { errorView } from "./errors.js";
import { breadcrumbs } from "./explorer.js";
import * as format from "./format.js";
import { tableHref } from "./results.js";

const TONES = { added: "success", removed: "danger", renamed: "info", changed: "warning" };
const CHANGES = ["added", "removed", "renamed", "changed"];
const runPath = (runId) => `/runs/${encodeURIComponent(runId)}`;
export const diffHref = (older, newer) =>
  `#/diff/${older ? `${encodeURIComponent(older)}/` : ""}${encodeURIComponent(newer)}`;

/** #/diff/{newer} (against the scope's previous run) or #/diff/{older}/{newer}. */
export async function showDiff(root, older, newer, signal) {
  const body = el("div", { id: "diff-page", "aria-busy": "true" },
    el("p", { class: "busy", text: "Comparing the runs…" }));
  root.append(breadcrumbs([["Run history", "#/runs"], [`Run ${newer}`, `#/explore/${encodeURIComponent(newer)}`],
    ["Changes", null]]), heading(1, "Changes between runs", { id: "diff-title" }), body);
  try {
    const runs = await request(`${runPath(newer)}/scope`, { signal });
    const before = older || previousOf(runs, newer);
    const picker = pickers(runs, before, newer);
    if (!before) {
      clear(body, picker, el("p", { class: "empty", text: "This is the scope's first run: there is no earlier run to compare it with." }));
      return;
    }
    const changes = await request(`${runPath(before)}/diff/${encodeURIComponent(newer)}`, { signal });
    clear(body, picker, summary(changes), changesTable(newer, before, changes));
  } catch (error) {
    if (error.name !== "AbortError") clear(body, errorView(error, "Could not compare the runs"));
  } finally {
    body.setAttribute("aria-busy", "false");
  }
}

/** The run before `runId` among the scope's runs (newest first) that finished well. */
function previousOf(runs, runId) {
  const at = runs.findIndex((r) => r.run_id === runId);
  const earlier = runs.slice(at + 1).find((r) => ["completed", "completed_with_warnings"].includes(r.status));
  return earlier?.run_id || null;
}

function pickers(runs, older, newer) {
  const label = (r) => `${r.run_id} · ${format.dateTime(r.started_at)} · ${(r.status || "").replaceAll("_", " ")}`;
  const select = (id, chosen) => el("select", { id }, runs.map((r) => el("option",
    { value: r.run_id, text: label(r), selected: r.run_id === chosen })));
  const from = select("diff-from", older);
  const to = select("diff-to", newer);
  const go = (event) => {
    event.preventDefault();
    location.hash = diffHref(from.value, to.value);
  };
  return el("form", { class: "card diff-pickers", onsubmit: go, "aria-label": "Runs to compare" },
    el("div", { class: "form-grid" },
      el("div", { class: "field" }, el("label", { for: "diff-from", text: "Older run" }), from),
      el("div", { class: "field" }, el("label", { for: "diff-to", text: "Newer run" }), to)),
    el("p", { class: "hint", text: `${format.plural(runs.length, "run", "runs")} of this scope (same source, filters and databases).` }),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary small", text: "Compare" })));
}

function summary(changes) {
  const counts = Object.fromEntries(CHANGES.map((c) => [c, changes.filter((x) => x.change === c).length]));
  return el("p", { id: "diff-summary", class: "diff-summary", role: "status" }, changes.length
    ? CHANGES.filter((c) => counts[c]).map((c) => [badge(`${counts[c]} ${c}`, TONES[c]), " "])
    : "No differences: the two runs describe the same objects.");
}

function changesTable(newer, older, changes) {
  if (!changes.length) return null;
  return el("section", { class: "card", "aria-labelledby": "diff-list-title" },
    el("h2", { id: "diff-list-title", text: "Changes" }),
    dataTable({
      caption: { text: "Changes between the runs" },
      rows: changes,
      rowId: null,
      columns: [
        { label: "Change", value: (c) => badge(c.change, TONES[c.change]) },
        { label: "Table", value: (c) => tableLink(c.change === "removed" && c.object_kind === "relation" ? older : newer, c) },
        ...changeColumns,
      ],
    }));
}

const show = (value) => {
  if (value === null || value === undefined || value === "") return el("span", { class: "hint", text: "—" });
  return code(Array.isArray(value) ? value.join(", ") : typeof value === "object" ? JSON.stringify(value) : String(value));
};

const changeColumns = [
  { label: "Object", value: (c) => `${c.object_kind}${c.name ? ` ${c.name}` : ""}` },
  { label: "Field", value: (c) => c.field || "" },
  { label: "Before", value: (c) => show(c.before), className: "before" },
  { label: "After", value: (c) => show(c.after), className: "after" },
];

function tableLink(runId, c) {
  const ref = { catalog: c.catalog_name, schema: c.schema_name, table: c.table_name };
  return [el("a", { href: tableHref(runId, ref), text: format.qualified(c.schema_name, c.table_name) }),
    el("span", { class: "hint database", text: ` in ${c.catalog_name}` })];
}

/** The history section of a table page: its changes per run of the scope, newest first. */
export function tableHistory(runId, ref, signal) {
  const holder = el("div", { id: "table-history", "aria-busy": "true" },
    el("p", { class: "busy", text: "Loading the history…" }));
  loadHistory(runId, ref, holder, signal);
  return holder;
}

async function loadHistory(runId, ref, holder, signal) {
  try {
    const params = new URLSearchParams({ database: ref.catalog, schema: ref.schema, table: ref.table });
    const entries = await request(`${runPath(runId)}/history?${params}`, { signal });
    clear(holder, historyView(entries));
  } catch (error) {
    if (error.name !== "AbortError") clear(holder, errorView(error, "Could not load the history"));
  } finally {
    holder.setAttribute("aria-busy", "false");
  }
}

function historyView(entries) {
  if (!entries.length) {
    return el("p", { class: "empty", text: "No earlier run of this scope to compare with." });
  }
  const changed = entries.filter((e) => e.changes.length);
  const quiet = entries.length - changed.length;
  return [
    changed.length ? el("ol", { class: "history" }, changed.map((entry) => el("li", {},
      el("p", {}, el("strong", { text: format.dateTime(entry.run.started_at) }), " ",
        el("a", { href: diffHref(entry.previous_run_id, entry.run.run_id),
          text: `${format.plural(entry.changes.length, "change", "changes")} in run ${entry.run.run_id}` })),
      dataTable({ caption: { text: `Changes in run ${entry.run.run_id}` }, rows: entry.changes,
        columns: [{ label: "Change", value: (c) => badge(c.change, TONES[c.change]) }, ...changeColumns] }))))
      : null,
    el("p", { class: "hint", text: changed.length
      ? (quiet ? `No change in ${format.plural(quiet, "other run", "other runs")}.` : "")
      : `Unchanged across the last ${format.plural(entries.length + 1, "run", "runs")} of this scope.` }),
  ];
}
