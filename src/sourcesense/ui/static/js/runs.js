// Run history (GET /runs), exports (GET /runs/{id}/export) and deletion.

import { download, request } from "./api.js";
import { diffHref } from "./diff.js";
import { announce, badge, clear, el, factItems, heading } from "./dom.js";
import { errorView } from "./errors.js";
import * as format from "./format.js";

const FORMATS = [["jsonl", "JSONL"], ["parquet", "Parquet"], ["csv", "CSV"]];

export async function showRuns(root, signal) {
  const list = el("div", { id: "runs-list", "aria-busy": "true" },
    el("p", { class: "busy", text: "Loading runs…" }));
  root.append(heading(1, "Run history"),
    el("p", { class: "lead", text: "Every extraction this server has stored, newest first." }),
    list);
  try {
    const runs = await request("/runs", { signal });
    clear(list, runs.length ? el("ul", { class: "run-cards" }, runs.map(runCard))
      : el("p", { class: "empty" }, "No runs yet. ",
        el("a", { href: "#/connect", text: "Start an extraction" }), "."));
  } catch (error) {
    if (error.name !== "AbortError") clear(list, errorView(error, "Could not list the runs"));
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

export function statusBadge(status) {
  // extracting and processing: under way (info); cancelled: stopped on request (neutral).
  const tones = {
    completed: "success", completed_with_warnings: "warning", failed: "danger", cancelled: "neutral",
  };
  return badge((status || "unknown").replaceAll("_", " "), tones[status] || "info");
}

function runCard(run) {
  const counts = run.counts || {};
  const explore = `#/explore/${encodeURIComponent(run.run_id)}`;
  const exports = exportControls(run.run_id);
  const item = el("li", { class: "run-card card", dataset: { run: run.run_id } },
    el("div", { class: "run-card-head" },
      el("h2", {}, el("a", { href: explore, text: run.run_id })), statusBadge(run.status)),
    el("dl", { class: "facts compact" }, factItems([
      ["Source", run.source?.url || run.source?.database],
      ["Started", format.dateTime(run.started_at)],
      ["Server", run.server_version ? `PostgreSQL ${run.server_version}` : null],
      ["Contents", `${format.count(counts.relations ?? 0)} relations, ${format.count(counts.columns ?? 0)} columns`],
    ])),
    el("div", { class: "actions" },
      el("a", { class: "button primary small", href: explore, text: "Explore" }),
      el("a", { class: "button secondary small", href: diffHref(null, run.run_id), text: "Changes",
        "aria-label": `Changes in run ${run.run_id}` }),
      exports.group,
      el("button", { type: "button", class: "danger small push-end", text: "Delete",
        "aria-label": `Delete run ${run.run_id}`, onclick: () => remove(run.run_id, item) })),
    exports.status);
  return item;
}

/** Buttons downloading the run as a zip in each format, and the line saying how it went. */
export function exportControls(runId) {
  const status = el("p", { class: "export-status hint", role: "status" });
  const buttons = FORMATS.map(([fmt, label]) => el("button", {
    type: "button", class: "secondary small", text: `Export ${label}`, dataset: { format: fmt },
    "aria-label": `Export ${label} of run ${runId}`, // starts with the visible text
    onclick: (event) => exportRun(runId, fmt, label, event.currentTarget, status),
  }));
  return { group: el("span", { class: "export-group" }, buttons), status };
}

async function exportRun(runId, fmt, label, button, status) {
  button.disabled = true;
  status.textContent = `Preparing the ${label} export…`;
  try {
    const path = `/runs/${encodeURIComponent(runId)}/export?format=${fmt}`;
    const file = await download(path, `sourcesense-${runId}-${fmt}.zip`);
    status.textContent = `Downloaded ${file.name} (${format.bytes(file.size)}).`;
  } catch (error) {
    status.textContent = `Export failed: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

async function remove(runId, item) {
  // A native confirm() is keyboard- and screen-reader-friendly and cannot be skipped by mistake.
  if (!window.confirm(`Delete run ${runId} and all its files? This cannot be undone.`)) return;
  try {
    await request(`/runs/${encodeURIComponent(runId)}`, { method: "DELETE" });
    const list = item.parentElement;
    item.remove();
    if (list && !list.children.length) list.replaceWith(el("p", { class: "empty", text: "No runs left." }));
    announce(`Run ${runId} deleted.`);
  } catch (error) {
    item.append(errorView(error, "The run could not be deleted"));
  }
}
