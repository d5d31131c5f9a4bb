// Step 3: options, a summary of the whole request, and POST /workflows/v1/start.

import { request } from "./api.js";
import { $, $$, clear, code, factItems } from "./dom.js";
import { errorView } from "./errors.js";
import { bindField, validateAll } from "./forms.js";
import { wizard } from "./state.js";
import { checkWebhook } from "./validate.js";

let validateWebhook = () => true;

export function initOptions() {
  const webhook = $("#opt-webhook");
  validateWebhook = bindField(webhook, checkWebhook);
  for (const radio of $$("input[name=quality]")) radio.addEventListener("change", syncQuality);
  $("#opt-include-pii").addEventListener("change", syncQuality);
  $("#options-form").addEventListener("submit", (event) => {
    event.preventDefault();
    start();
  });
}

function syncQuality() {
  const sampled = $("#quality-sample").checked;
  const include = $("#opt-include-pii");
  include.disabled = !sampled;
  if (!sampled) include.checked = false;
  // Masking applies only to PII values that are included at all.
  const anonymize = $("#opt-anonymize");
  anonymize.disabled = !include.checked;
  if (!include.checked) anonymize.checked = false;
}

export function enterOptions() {
  clear($("#start-result"));
  const { host, port, user, database } = wizard.connection;
  const schemas = [...wizard.selected].map((key) => key.split("\u0000"))
    .map(([catalog, schema]) => (wizard.allDatabases ? `${catalog}.${schema}` : schema)).sort();
  const { include_table: include, exclude_table: exclude } = wizard.filters;
  clear($("#run-summary"), ...factItems([
    ["Source", `${user}@${host}:${port}/${database}`],
    ["Databases", wizard.filters.scope.map((entry) => entry.database).join(", ")],
    [schemas.length === 1 ? "Schema" : `Schemas (${schemas.length})`, schemas.join(", ")],
    ["Include tables", include ? code(include) : "all"],
    ["Exclude tables", exclude ? code(exclude) : "none"],
  ]));
}

function chosenOptions() {
  const webhook = $("#opt-webhook").value.trim();
  return {
    all_databases: wizard.allDatabases,
    lineage: $("#opt-lineage").checked,
    profile: $("#quality-sample").checked,
    include_pii_values: $("#opt-include-pii").checked,
    anonymize: $("#opt-anonymize").checked,
    estimate_sizes: $("#opt-estimate").checked,
    formats: $$("input[name=formats]").filter((box) => box.checked).map((box) => box.value),
    webhook_url: webhook || null,
  };
}

async function start() {
  if (!validateAll([[$("#opt-webhook"), validateWebhook]])) return;
  const button = $("#start-run");
  const result = clear($("#start-result"));
  button.disabled = true;
  button.textContent = "Starting…";
  const body = { connection: wizard.connection, filters: wizard.filters, options: chosenOptions() };
  try {
    const started = await request("/workflows/v1/start", { method: "POST", body });
    location.hash = `#/run/${encodeURIComponent(started.workflow_id)}`;
  } catch (error) {
    result.append(errorView(error, "The extraction could not start"));
  } finally {
    button.disabled = false;
    button.textContent = "Start extraction";
  }
}
