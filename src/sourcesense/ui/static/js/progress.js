// Step 4: live progress of a run, from the SSE stream (read with fetch) or by polling.

import { ApiError, request } from "./api.js";
import { announce, clear, el, errorBox, heading } from "./dom.js";
import { errorView, runAdvice } from "./errors.js";
import * as format from "./format.js";
import { readEvents } from "./sse.js";

export const STAGES = [
  ["preflight", "Preflight"], ["schema_discovery", "Schema discovery"],
  ["table_metadata", "Table metadata"], ["column_metadata", "Column metadata"],
  ["foreign_keys", "Foreign keys"], ["lineage", "Lineage"], ["data_quality", "Data quality"],
  ["transformation", "Transformation"],
];
const STATUS_TEXT = {
  pending: "Waiting", running: "Running", done: "Done", failed: "Failed", skipped: "Skipped",
};
const POLL_MS = 500;
const MAX_POLL_FAILURES = 10;

export async function showProgress(root, workflowId, signal) {
  const tracker = new Tracker(workflowId);
  root.append(tracker.node);
  const timer = setInterval(() => tracker.tick(), 1000);
  signal.addEventListener("abort", () => clearInterval(timer));
  try {
    await watch(workflowId, (status) => tracker.update(status), signal);
  } catch (error) {
    if (error.name !== "AbortError") tracker.lost(error);
  } finally {
    clearInterval(timer);
  }
}

/** Follow the stream; when it cannot be read or breaks off, poll the status instead. */
async function watch(workflowId, onStatus, signal) {
  try {
    if (await stream(workflowId, onStatus, signal)) return;
  } catch (error) {
    if (error.name === "AbortError" || isFinal(error)) throw error;
  }
  await poll(workflowId, onStatus, signal);
}

function isFinal(error) {
  return error instanceof ApiError && (error.status === 404 || error.type === "Unauthorized");
}

const statusPath = (workflowId) => `/workflows/v1/status/${encodeURIComponent(workflowId)}`;

async function stream(workflowId, onStatus, signal) {
  const response = await request(`${statusPath(workflowId)}/stream`,
    { raw: true, signal, headers: { Accept: "text/event-stream" } });
  for await (const { event, data } of readEvents(response)) {
    onStatus(JSON.parse(data));
    if (event === "done") return true;
  }
  return false;
}

async function poll(workflowId, onStatus, signal) {
  let failures = 0;
  for (;;) {
    await sleep(POLL_MS, signal);
    try {
      const status = await request(statusPath(workflowId), { signal });
      failures = 0;
      onStatus(status);
      if (status.status !== "running") return;
    } catch (error) {
      failures += 1;
      if (error.name === "AbortError" || isFinal(error) || failures >= MAX_POLL_FAILURES) throw error;
    }
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
  });
}

/** The progress page of one run, updated in place. */
class Tracker {
  constructor(workflowId) {
    this.workflowId = workflowId;
    this.runId = workflowId.replace(/^sourcesense-/, "");
    this.last = null;
    this.rows = new Map();
    this.node = this.build();
  }

  build() {
    this.headline = heading(1, "Extraction running", { id: "progress-title" });
    this.stateLine = el("p", { class: "lead", id: "progress-state", text: "Waiting for the first update…" });
    this.elapsed = el("span", { id: "elapsed", text: "0:00" });
    this.bar = el("progress", { id: "progress-bar", max: STAGES.length, value: 0,
      "aria-label": "Stages finished" });
    this.databases = el("ul", { class: "databases", "aria-label": "Databases" });
    this.outcome = el("div", { id: "run-outcome" });
    this.cancelButton = el("button", { type: "button", class: "danger small", id: "cancel-run",
      text: "Cancel extraction", onclick: () => this.cancel() });
    this.cancelStatus = el("p", { class: "hint", id: "cancel-status", role: "status" });
    const list = el("ol", { class: "stages", id: "stages" }, STAGES.map(([name, label]) => this.row(name, label)));
    return el("div", { class: "progress-view" }, this.headline,
      el("p", { class: "run-id" }, "Run ", el("code", { text: this.runId })),
      el("div", { class: "card" },
        el("div", { class: "progress-head" }, this.stateLine,
          el("p", { class: "elapsed" }, "Elapsed ", this.elapsed)),
        this.bar, list, this.databases,
        el("div", { class: "actions cancel-actions" }, this.cancelButton, this.cancelStatus)),
      this.outcome);
  }

  row(name, label) {
    const parts = {
      status: el("span", { class: "stage-status", text: STATUS_TEXT.pending }),
      counts: el("span", { class: "stage-counts" }),
      time: el("span", { class: "stage-time" }),
      detail: el("p", { class: "stage-detail", hidden: true }),
    };
    const item = el("li", { class: "stage", dataset: { stage: name, status: "pending" } },
      el("span", { class: "stage-icon", "aria-hidden": "true" }),
      el("span", { class: "stage-name", text: label }), parts.status, parts.counts, parts.time,
      parts.detail);
    this.rows.set(name, { item, label, ...parts, stage: null });
    return item;
  }

  update(status) {
    this.last = status;
    const changes = [];
    for (const [name] of STAGES) {
      const stage = status.stages?.[name];
      if (stage && this.updateRow(name, stage)) changes.push(`${this.rows.get(name).label}: ${STATUS_TEXT[stage.status] || stage.status}`);
    }
    const finished = STAGES.filter(([name]) => ["done", "skipped", "failed"].includes(status.stages?.[name]?.status)).length;
    this.bar.value = finished;
    this.renderDatabases(status.databases || {}, status.status === "running");
    this.tick();
    if (status.status === "running") {
      this.stateLine.textContent = this.runningText(status);
      if (changes.length) announce(changes.join(". "));
    } else {
      this.finish(status);
    }
  }

  updateRow(name, stage) {
    const row = this.rows.get(name);
    const changed = row.stage?.status !== stage.status;
    row.stage = stage;
    row.item.dataset.status = stage.status;
    row.status.textContent = STATUS_TEXT[stage.status] || stage.status;
    // The transformation counts entities written so far, per output format.
    const unit = name === "transformation" ? " entities" : "";
    row.counts.textContent = Object.entries(stage.counts || {})
      .map(([kind, rows]) => `${kind.replaceAll("_", " ")} ${format.count(rows)}${unit}`).join(" · ");
    row.detail.hidden = !stage.detail;
    row.detail.textContent = stage.detail || "";
    return changed;
  }

  runningText(status) {
    const running = STAGES.filter(([name]) => status.stages?.[name]?.status === "running")
      .map(([, label]) => label);
    return running.length ? `Working on: ${running.join(", ")}` : "Working…";
  }

  /** Ask the server to stop the run (Temporal cancellation); the stream reports the end. */
  async cancel() {
    if (!window.confirm("Cancel this extraction? Its partial files are removed.")) return;
    this.cancelButton.disabled = true;
    this.cancelStatus.textContent = "Cancelling…";
    try {
      await request(`/workflows/v1/cancel/${encodeURIComponent(this.workflowId)}`, { method: "POST" });
      this.cancelStatus.textContent = "Cancelling: the stages are stopping…";
    } catch (error) {
      this.cancelButton.disabled = false;
      this.cancelStatus.textContent = `Could not cancel: ${error.message}`;
    }
  }

  renderDatabases(databases, running) {
    const entries = Object.entries(databases);
    clear(this.databases).hidden = entries.length === 0;
    for (const [name, raw] of entries) {
      // A database is "completed" once read, while later stages still run over it.
      const state = running && raw === "completed" ? "extracted"
        : !running && raw === "running" ? "stopped" : raw;
      this.databases.append(el("li", {}, el("span", { class: "db-name", text: name }), " ",
        el("span", { class: `badge badge-${tone(state)}`, text: state.replaceAll("_", " ") })));
    }
  }

  /** Per-stage and total elapsed times; running stages count up every second. */
  tick() {
    const now = Date.now();
    let start = null;
    let end = null;
    for (const { stage, time } of this.rows.values()) {
      if (!stage?.started_at) continue;
      const began = Date.parse(stage.started_at);
      const seconds = stage.seconds ?? (stage.status === "running" ? (now - began) / 1000 : null);
      time.textContent = seconds === null ? "" : format.seconds(seconds);
      start = start === null ? began : Math.min(start, began);
      if (seconds !== null) end = Math.max(end ?? 0, began + seconds * 1000);
    }
    if (start === null) return;
    const running = !this.last || this.last.status === "running";
    // Once closed, the run's own figure (the manifest's elapsed_seconds), as its results say.
    const total = running ? (now - start) / 1000 : this.last.elapsed_seconds ?? ((end ?? now) - start) / 1000;
    this.elapsed.textContent = running ? format.clock(total) : format.seconds(total);
  }

  finish(status) {
    this.tick();
    for (const row of this.rows.values()) {
      if (!row.stage || row.stage.status === "pending") row.status.textContent = "Not run";
      else if (row.stage.status === "running") { // a stopped run's stage never finished
        row.item.dataset.status = "stopped";
        row.status.textContent = "Stopped";
      }
    }
    const result = status.result;
    const ok = status.status === "completed" && result && result.status !== "failed";
    const warnings = ok && result.status === "completed_with_warnings";
    const cancelled = ["canceled", "cancelled"].includes(status.status);
    this.cancelButton.closest(".cancel-actions").hidden = true;
    this.headline.textContent = ok ? "Extraction finished"
      : cancelled ? "Extraction cancelled" : "Extraction failed";
    this.stateLine.textContent = ok
      ? `Finished${warnings ? " with warnings" : ""} in ${this.elapsed.textContent}.`
      : cancelled ? "Cancelled: the run was stopped and its partial files removed."
        : `Stopped: ${status.status.replaceAll("_", " ")}.`;
    const outcome = ok ? this.successView(result, warnings)
      : cancelled ? this.cancelledView() : this.failureView(status);
    clear(this.outcome, outcome);
    announce(this.stateLine.textContent);
  }

  successView(result, warnings) {
    const counts = result.counts || {};
    const summary = ["relations", "columns", "constraints", "indexes"]
      .filter((kind) => counts[kind] !== undefined)
      .map((kind) => `${format.count(counts[kind])} ${kind}`).join(", ");
    return el("div", { class: warnings ? "warning-box" : "success-box", role: "status" },
      el("p", { class: "success-title", text: warnings
        ? "Finished with warnings: some objects could not be read completely."
        : "All stages finished." }),
      summary ? el("p", { text: `Extracted ${summary}.` }) : null,
      (result.errors || []).length ? el("ul", { class: "messages" },
        result.errors.map((message) => el("li", { text: message }))) : null,
      el("div", { class: "actions" },
        el("a", { class: "button primary", href: `#/explore/${encodeURIComponent(result.run_id)}`,
          text: "Explore results" }),
        el("a", { class: "button secondary", href: "#/runs", text: "Run history" })));
  }

  cancelledView() {
    return el("div", { class: "warning-box", role: "status", id: "run-cancelled" },
      el("p", { class: "success-title", text: "The extraction was cancelled." }),
      el("p", { text: "Run history lists it as cancelled." }),
      el("div", { class: "actions" },
        el("a", { class: "button secondary", href: "#/connect", text: "New extraction" }),
        el("a", { class: "button secondary", href: "#/runs", text: "Run history" })));
  }

  failureView(status) {
    const failed = STAGES.map(([name]) => status.stages?.[name]).find((s) => s?.status === "failed");
    const message = status.error || failed?.detail || "The run stopped without a message.";
    return errorBox({
      title: "The extraction failed", message, advice: runAdvice(message),
      actions: [el("a", { class: "button secondary", href: "#/connect", text: "Back to connection" }),
        el("a", { class: "button secondary", href: "#/runs", text: "Run history" })],
    });
  }

  lost(error) {
    this.stateLine.textContent = "Progress updates stopped.";
    const reload = el("button", { type: "button", class: "secondary", text: "Try again",
      onclick: () => window.dispatchEvent(new HashChangeEvent("hashchange")) });
    clear(this.outcome, errorView(error, "Cannot follow this run", [reload]));
  }
}

function tone(state) {
  if (state === "completed") return "success";
  if (state === "failed") return "danger";
  if (state === "running" || state === "extracted") return "info";
  return "warning";
}

