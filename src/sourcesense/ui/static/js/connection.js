// Step 1: the connection form and its "Test connection" (POST /workflows/v1/preflight).

import { ApiError, request } from "./api.js";
import { $, announce, clear, el, facts } from "./dom.js";
import { errorView } from "./errors.js";
import { bindField, showServerDetails, validateAll } from "./forms.js";
import * as format from "./format.js";
import { resetScope, saveConnection, savedConnection, wizard } from "./state.js";
import {
  checkHost, checkPassword, checkPort, nameCheck, parsePostgresUrl,
} from "./validate.js";

const CHECKS = {
  host: checkHost,
  port: checkPort,
  database: nameCheck("database name"),
  user: nameCheck("user name"),
  password: checkPassword,
};

let inputs = {};
let validators = [];

export function initConnection() {
  const form = $("#connection-form");
  inputs = Object.fromEntries(
    ["host", "port", "database", "user", "password", "sslmode"].map((n) => [n, $(`#conn-${n}`)]));
  prefill();
  validators = Object.entries(CHECKS).map(([name, check]) =>
    [inputs[name], bindField(inputs[name], check, connectionChanged)]);
  inputs.sslmode.addEventListener("change", connectionChanged);
  inputs.host.addEventListener("paste", () => setTimeout(expandUrl, 0));
  inputs.host.addEventListener("change", expandUrl);
  $("#conn-password-toggle").addEventListener("click", togglePassword);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    testConnection();
  });
  $("#to-scope").addEventListener("click", () => { location.hash = "#/scope"; });
}

function prefill() {
  const saved = savedConnection();
  if (!saved) return;
  for (const name of ["host", "port", "database", "user", "sslmode"]) {
    if (saved[name] !== undefined && saved[name] !== null) inputs[name].value = saved[name];
  }
}

/** Pasting postgresql://user:pass@host:port/db into Host fills every field. */
function expandUrl() {
  const parsed = parsePostgresUrl(inputs.host.value);
  if (!parsed) return;
  for (const [name, value] of Object.entries(parsed)) {
    if (name !== "password" || value) inputs[name].value = value;
  }
  for (const [, validate] of validators) validate();
  connectionChanged();
  announce("The URL was split into host, port, database, user and password.");
}

function togglePassword(event) {
  const button = event.currentTarget;
  const showing = inputs.password.type === "text";
  inputs.password.type = showing ? "password" : "text";
  button.setAttribute("aria-pressed", String(!showing));
  button.textContent = showing ? "Show" : "Hide";
  button.setAttribute("aria-label", showing ? "Show password" : "Hide password");
}

/** Any edit invalidates an earlier successful test. */
function connectionChanged() {
  if (!wizard.preflight) return;
  wizard.preflight = null;
  resetScope();
  setNextEnabled(false);
  const panel = clear($("#preflight-result"));
  panel.append(el("p", { class: "hint", text: "The connection changed: test it again." }));
}

function setNextEnabled(enabled) {
  $("#to-scope").disabled = !enabled;
  $("#to-scope-hint").hidden = enabled;
}

function currentConnection() {
  const value = (name) => inputs[name].value;
  return {
    host: value("host").trim(),
    port: Number(value("port").trim()),
    user: value("user"),
    password: value("password") || null,
    database: value("database"),
    sslmode: value("sslmode") || null,
  };
}

async function testConnection() {
  const panel = $("#preflight-result");
  if (!validateAll(validators)) {
    clear(panel, el("p", { class: "hint", text: "Correct the highlighted fields first." }));
    return;
  }
  const connection = currentConnection();
  const button = $("#test-connection");
  button.disabled = true;
  button.textContent = "Testing…";
  clear(panel, el("p", { class: "busy", text: "Connecting…" }));
  try {
    // A failed connection is a successful test: { ok: false, error } (no HTTP error).
    const result = await request("/workflows/v1/preflight", { method: "POST", body: connection });
    if (result.ok) succeeded(connection, result);
    else failed(new ApiError(200, result.error.type, result.error.message));
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
    button.textContent = "Test connection";
  }
}

function succeeded(connection, result) {
  resetScope();
  wizard.connection = connection;
  wizard.preflight = result;
  saveConnection(connection);
  setNextEnabled(true);
  clear($("#preflight-result"), preflightView(result));
}

function failed(error) {
  wizard.preflight = null;
  setNextEnabled(false);
  if (error.type === "ValidationError") showServerDetails(error.details, inputs);
  clear($("#preflight-result"), errorView(error, "The connection test failed"));
}

function preflightView(result) {
  const statsNote = result.can_read_all_stats ? null : el("p", { class: "hint" },
    "Without pg_read_all_stats, statistics of tables owned by other roles may be missing. ",
    "Grant it with: GRANT pg_read_all_stats TO ", result.user, ";");
  return el("div", { class: "success-box", role: "status" },
    el("p", { class: "success-title" },
      `Connected to PostgreSQL ${result.server_version} as ${result.user}.`),
    facts([
      ["Server version", el("span", { id: "server-version", text: result.server_version })],
      ["Database", result.database],
      ["Superuser", format.yesNo(result.is_superuser)],
      ["Can read all statistics", format.yesNo(result.can_read_all_stats)],
      ["Databases visible", format.count(result.estimated_databases)],
      ["Relations in this database (estimate)", format.count(result.estimated_relations)],
    ]),
    statsNote);
}

/** Called when the wizard is reopened on step 1. */
export function enterConnection() {
  setNextEnabled(Boolean(wizard.preflight));
}
