// SourceSense web UI: a hash router over the wizard steps and the results views.

import { ensureToken, request } from "./js/api.js";
import { enterConnection, initConnection } from "./js/connection.js";
import { $, $$, clear } from "./js/dom.js";
import { explain } from "./js/errors.js";
import { showDiff } from "./js/diff.js";
import { showExplorer } from "./js/explorer.js";
import { showGraph } from "./js/graphpage.js";
import { showKind, showRoles } from "./js/kinds.js";
import { enterOptions, initOptions } from "./js/options.js";
import { showProgress } from "./js/progress.js";
import { showRuns } from "./js/runs.js";
import { enterScope, initScope } from "./js/scope.js";
import { wizard } from "./js/state.js";
import { showTable } from "./js/table.js";
import { initTokenDialog } from "./js/token.js";

const decode = (parts) => parts.map(decodeURIComponent);

/** Each route: a pattern over the hash path, the step it belongs to, and how to show it. */
const ROUTES = [
  { pattern: /^\/connect$/, view: "connect", step: "connect", title: "Connection",
    enter: () => enterConnection() },
  { pattern: /^\/scope$/, view: "scope", step: "scope", title: "Scope", needs: () => wizard.preflight,
    enter: (_, __, signal) => enterScope(signal) },
  { pattern: /^\/options$/, view: "options", step: "options", title: "Options",
    needs: () => wizard.preflight && wizard.selected.size, enter: () => enterOptions() },
  { pattern: /^\/run\/([^/]+)$/, step: "progress", title: "Progress",
    show: (root, [id], _, signal) => showProgress(root, id, signal) },
  { pattern: /^\/runs$/, title: "Run history", nav: "runs",
    show: (root, _, __, signal) => showRuns(root, signal) },
  { pattern: /^\/explore\/([^/]+)$/, title: "Results",
    show: (root, [run], params, signal) => showExplorer(root, run, params, signal) },
  { pattern: /^\/explore\/([^/]+)\/schema\/([^/]+)\/([^/]+)$/, title: "Schema",
    show: (root, [run, catalog, schema], params, signal) =>
      showExplorer(root, run, { ...params, catalog, schema }, signal) },
  { pattern: /^\/explore\/([^/]+)\/table\/([^/]+)\/([^/]+)\/([^/]+)$/, title: "Table",
    show: (root, [run, catalog, schema, table], params, signal) =>
      showTable(root, run, { catalog, schema, table }, params, signal) },
  { pattern: /^\/explore\/([^/]+)\/graph$/, title: "Graph",
    show: (root, [run], params, signal) => showGraph(root, run, params, signal) },
  { pattern: /^\/explore\/([^/]+)\/kind\/([^/]+)$/, title: "Objects",
    show: (root, [run, kind], params, signal) => showKind(root, run, kind, params, signal) },
  { pattern: /^\/explore\/([^/]+)\/roles$/, title: "Grants per role",
    show: (root, [run], params, signal) => showRoles(root, run, params, signal) },
  { pattern: /^\/diff\/([^/]+)$/, title: "Changes", nav: "runs",
    show: (root, [newer], _, signal) => showDiff(root, null, newer, signal) },
  { pattern: /^\/diff\/([^/]+)\/([^/]+)$/, title: "Changes", nav: "runs",
    show: (root, [older, newer], _, signal) => showDiff(root, older, newer, signal) },
];

let active = null; // AbortController of the shown view
let firstRoute = true;

function parseHash() {
  const [path, search = ""] = location.hash.replace(/^#/, "").split("?");
  return { path: path || "/connect", params: Object.fromEntries(new URLSearchParams(search)) };
}

function route() {
  const { path, params } = parseHash();
  const match = ROUTES.map((r) => [r, r.pattern.exec(path)]).find(([, m]) => m);
  if (!match) {
    location.replace("#/connect");
    return;
  }
  const [definition, found] = match;
  if (definition.needs && !definition.needs()) {
    showNotice("Start with the connection: test it, then choose the scope.");
    location.replace("#/connect");
    return;
  }
  active?.abort();
  active = new AbortController();
  render(definition, decode(found.slice(1)), params, active.signal);
}

function render(definition, args, params, signal) {
  hideNoticeUnlessFresh();
  for (const view of $$(".view")) view.hidden = true;
  const section = $(definition.view ? `#view-${definition.view}` : "#view-dynamic");
  if (!definition.view) clear(section);
  section.hidden = false;
  updateChrome(definition);
  document.title = `${definition.title} · SourceSense`;
  const work = definition.view ? definition.enter(args, params, signal)
    : definition.show(section, args, params, signal);
  if (!firstRoute) focusHeading(section);
  firstRoute = false;
  Promise.resolve(work).catch((error) => {
    if (error?.name !== "AbortError") showNotice(error.message);
  });
}

function focusHeading(section) {
  const title = section.querySelector("h1");
  title?.setAttribute("tabindex", "-1");
  title?.focus({ preventScroll: false });
}

function updateChrome(definition) {
  const stepper = $("#stepper");
  stepper.hidden = !definition.step;
  const steps = $$("li", stepper);
  const current = steps.findIndex((li) => li.dataset.step === definition.step);
  steps.forEach((li, index) => {
    li.classList.toggle("done", index < current);
    if (index === current) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  });
  const section = definition.step ? "wizard" : definition.nav;
  for (const link of $$("[data-nav]")) {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let noticeFresh = false;

function showNotice(message) {
  const notice = $("#notice");
  notice.textContent = message;
  notice.hidden = false;
  noticeFresh = true;
}

function hideNoticeUnlessFresh() {
  if (noticeFresh) {
    noticeFresh = false;
    return;
  }
  $("#notice").hidden = true;
}

/** Ask for the token up front when the API wants one (GET /health says so, without a 401). */
async function probeApi() {
  try {
    const health = await request("/health");
    if (health.auth === "bearer") await ensureToken();
    await request("/runs");
  } catch (error) {
    const { title } = explain(error);
    showNotice(`${title}: ${error.message}`);
  }
}

function start() {
  initTokenDialog();
  initConnection();
  initScope();
  initOptions();
  window.addEventListener("hashchange", route);
  route();
  probeApi();
}

start();
