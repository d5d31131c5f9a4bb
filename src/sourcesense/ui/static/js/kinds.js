// Pages of the other kinds a run extracts: routines, triggers, sequences, types, extensions,
// policies and grants. Each is one paged, searchable list read with the results API's own
// filtering (name, database, sort, paging): nothing is fetched beyond the shown page.

import { request } from "./api.js";
import { append, badge, clear, code, dataTable, el, heading } from "./dom.js";
import { errorView } from "./errors.js";
import { breadcrumbs } from "./explorer.js";
import * as format from "./format.js";
import { page, tableHref } from "./results.js";

const LIMIT = 50;
const DEBOUNCE_MS = 250;

const tableLink = (runId, row) => el("a", { href: tableHref(runId, refOf(row)),
  text: format.qualified(row.schema_name, row.table_name) });
const where = (row) => `${row.catalog_name} · ${row.schema_name}`;
const definition = (text, label) => (text ? el("details", { class: "definition" },
  el("summary", { text: label }), el("pre", { class: "sql" }, el("code", { text }))) : "");
const list = (values) => format.list(values);

/** Per kind: title, name column, what its rows show. Exported: the table page reuses them. */
export const KIND_PAGES = {
  routines: { title: "Functions and procedures", noun: "routines", sort: "routine_name",
    columns: () => [
      { label: "Name", value: (r) => [el("strong", { text: r.routine_name }), el("span", { class: "hint", text: `(${r.arguments || ""})` })] },
      { label: "Schema", value: where },
      { label: "Kind", value: (r) => format.humanize(r.kind || "") },
      { label: "Returns", value: (r) => (r.return_type ? code(r.return_type) : "—") },
      { label: "Language", value: (r) => r.language },
      { label: "Properties", value: (r) => [r.volatility, r.is_security_definer && "security definer", r.is_strict && "strict"].filter(Boolean).join(", ") },
      { label: "Definition", value: (r) => definition(r.definition, `Body of ${r.routine_name}`) },
      { label: "Comment", value: (r) => r.comment || "" },
    ] },
  triggers: { title: "Triggers", noun: "triggers", sort: "trigger_name",
    columns: (runId) => [
      { label: "Name", value: (t) => el("strong", { text: t.trigger_name }) },
      { label: "Table", value: (t) => tableLink(runId, t) },
      ...TRIGGER_COLUMNS,
    ] },
  sequences: { title: "Sequences", noun: "sequences", sort: "sequence_name",
    columns: (runId) => [
      { label: "Name", value: (s) => el("strong", { text: s.sequence_name }) },
      { label: "Schema", value: where },
      { label: "Type", value: (s) => code(s.data_type) },
      { label: "Start", value: (s) => format.count(s.start_value), className: "num" },
      { label: "Increment", value: (s) => format.count(s.increment), className: "num" },
      { label: "Range", value: (s) => `${format.count(s.min_value)} – ${format.count(s.max_value)}` },
      { label: "Last value", value: (s) => format.count(s.last_value), className: "num" },
      { label: "Cycle", value: (s) => format.yesNo(s.is_cycle) },
      { label: "Owned by", value: (s) => (s.owned_by_table ? el("a", {
        href: tableHref(runId, { catalog: s.catalog_name, schema: s.owned_by_schema, table: s.owned_by_table }, s.owned_by_column),
        text: `${s.owned_by_schema}.${s.owned_by_table}.${s.owned_by_column}${s.is_identity ? " (identity)" : ""}` }) : "—") },
    ] },
  types: { title: "Types", noun: "types", sort: "type_name",
    columns: () => [
      { label: "Name", value: (t) => el("strong", { text: t.type_name }) },
      { label: "Schema", value: where },
      { label: "Kind", value: (t) => badge(format.humanize(t.kind || ""), "info") },
      { label: "Definition", value: typeDefinition },
      { label: "Comment", value: (t) => t.comment || "" },
    ] },
  extensions: { title: "Extensions", noun: "extensions", sort: "extension_name",
    columns: () => [
      { label: "Name", value: (x) => el("strong", { text: x.extension_name }) },
      { label: "Database", value: (x) => x.catalog_name },
      { label: "Version", value: (x) => x.version },
      { label: "Schema", value: (x) => x.schema_name },
      { label: "Owner", value: (x) => x.owner },
      { label: "Description", value: (x) => x.comment || "" },
    ] },
  policies: { title: "Row-level security policies", noun: "policies", sort: "policy_name",
    columns: (runId) => [
      { label: "Name", value: (p) => el("strong", { text: p.policy_name }) },
      { label: "Table", value: (p) => tableLink(runId, p) },
      ...POLICY_COLUMNS,
    ] },
  privileges: { title: "Grants", noun: "grants", sort: "table_name",
    columns: (runId) => [
      { label: "Table", value: (g) => tableLink(runId, g) },
      ...GRANT_COLUMNS,
    ] },
};

export const TRIGGER_COLUMNS = [
  { label: "When", value: (t) => `${(t.timing || "").replaceAll("_", " ")} ${list(t.events)}` },
  { label: "Level", value: (t) => `for each ${t.level}` },
  { label: "Function", value: (t) => code(`${t.function_schema}.${t.function_name}()`) },
  { label: "Enabled", value: (t) => t.enabled },
  { label: "Definition", value: (t) => definition(t.definition, `CREATE TRIGGER ${t.trigger_name}`) },
];

export const POLICY_COLUMNS = [
  { label: "Command", value: (p) => (p.command || "").toUpperCase() },
  { label: "Type", value: (p) => p.policy_type },
  { label: "Roles", value: (p) => list(p.roles) },
  { label: "Using", value: (p) => (p.using_expression ? code(p.using_expression) : "—") },
  { label: "With check", value: (p) => (p.with_check_expression ? code(p.with_check_expression) : "—") },
];

export const GRANT_COLUMNS = [
  { label: "Column", value: (g) => g.column_name || "(whole table)" },
  { label: "Privilege", value: (g) => g.privilege_type },
  { label: "Grantee", value: (g) => g.grantee },
  { label: "Grantor", value: (g) => g.grantor },
  { label: "Grant option", value: (g) => format.yesNo(g.is_grantable) },
];

function typeDefinition(t) {
  if (t.kind === "enum") return el("span", { class: "labels" }, (t.enum_labels || []).map((label) => code(label)));
  if (t.kind === "domain") {
    return [code(t.base_type), t.domain_not_null ? " not null" : "",
      t.domain_default ? [" default ", code(t.domain_default)] : "",
      (t.domain_constraints || []).map((check) => [" ", code(check)])];
  }
  if (t.kind === "composite") return list(t.composite_fields);
  if (t.kind === "range") return ["range of ", code(t.range_subtype || "")];
  return "";
}

function refOf(row) {
  return { catalog: row.catalog_name, schema: row.schema_name, table: row.table_name };
}

const runHref = (runId) => `#/explore/${encodeURIComponent(runId)}`;

/** #/explore/{run}/kind/{kind}?q=&offset=: one kind's rows, searchable and paged. */
export async function showKind(root, runId, kind, params, signal) {
  const spec = KIND_PAGES[kind];
  if (!spec) {
    root.append(heading(1, "No such page"), el("p", { class: "empty", text: `Runs hold no kind called “${kind}”.` }));
    return;
  }
  const input = el("input", { id: "kind-search", type: "search", autocomplete: "off",
    spellcheck: "false", value: params.q || "", "aria-describedby": "kind-status" });
  const status = el("p", { id: "kind-status", class: "hint", role: "status" });
  const results = el("div", { id: "kind-results", "aria-busy": "true" });
  append(root, [
    breadcrumbs([["Run history", "#/runs"], [`Run ${runId}`, runHref(runId)], [spec.title, null]]),
    heading(1, spec.title, { id: "kind-title" }),
    kind === "privileges" ? el("p", {}, el("a", { href: `${runHref(runId)}/roles`, text: "Grants per role" })) : null,
    el("form", { class: "card search-form", role: "search", onsubmit: (event) => event.preventDefault() },
      el("label", { for: "kind-search", text: `Search ${spec.noun} by name` }), input, status),
    results]);
  let current = null;
  const load = (offset) => {
    current?.abort();
    current = new AbortController();
    return loadKind(runId, kind, { q: input.value.trim(), offset }, results, status,
      AbortSignal.any([signal, current.signal]));
  };
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(0), DEBOUNCE_MS);
  });
  await load(Number(params.offset) || 0);
}

async function loadKind(runId, kind, { q, offset }, results, status, signal) {
  const spec = KIND_PAGES[kind];
  results.setAttribute("aria-busy", "true");
  try {
    const { entities } = await page(runId, kind,
      { q, sort: spec.sort, offset, limit: LIMIT, manifest: false, signal });
    status.textContent = pageStatus(entities, spec.noun, q);
    clear(results, el("section", { class: "card", "aria-label": spec.title },
      dataTable({ caption: { text: spec.title }, rows: entities.items, columns: spec.columns(runId),
        empty: q ? `No ${spec.noun} match “${q}”.` : `This run has no ${spec.noun}.` }),
      pager(entities, (next) => loadKind(runId, kind, { q, offset: next }, results, status, signal))));
  } catch (error) {
    if (error.name !== "AbortError") clear(results, errorView(error, `Could not load the ${spec.noun}`));
  } finally {
    results.setAttribute("aria-busy", "false");
  }
}

function pageStatus(entities, noun, q) {
  const { total, offset, items } = entities;
  const matching = q ? ` matching “${q}”` : "";
  if (!total) return `No ${noun}${matching}.`;
  return `${format.count(offset + 1)}–${format.count(offset + items.length)} of ${format.count(total)} ${noun}${matching}.`;
}

/** Previous / next buttons over a page {total, offset, limit}; none when one page holds all. */
export function pager(entities, go) {
  const { total, offset, limit } = entities;
  if (total <= limit) return null;
  return el("div", { class: "actions pager" },
    el("button", { type: "button", class: "secondary small", text: "Previous page",
      disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) }),
    el("button", { type: "button", class: "secondary small", text: "Next page",
      disabled: offset + limit >= total, onclick: () => go(offset + limit) }));
}

/** #/explore/{run}/roles?role=: the roles holding grants, and one role's grants. */
export async function showRoles(root, runId, params, signal) {
  const body = el("div", { id: "roles-page", "aria-busy": "true" });
  root.append(
    breadcrumbs([["Run history", "#/runs"], [`Run ${runId}`, runHref(runId)],
      ["Grants", `${runHref(runId)}/kind/privileges`], ["Per role", null]]),
    heading(1, params.role ? `Grants of ${params.role}` : "Grants per role", { id: "roles-title" }), body);
  try {
    const base = `/runs/${encodeURIComponent(runId)}/roles`;
    const roles = await request(base, { signal });
    const chosen = params.role || null;
    const grants = chosen ? await request(`${base}/${encodeURIComponent(chosen)}?limit=500`, { signal }) : null;
    clear(body, rolesList(runId, roles, chosen), grants ? roleGrants(runId, grants) : null);
  } catch (error) {
    if (error.name !== "AbortError") clear(body, errorView(error, "Could not load the grants"));
  } finally {
    body.setAttribute("aria-busy", "false");
  }
}

function rolesList(runId, roles, chosen) {
  if (!roles.length) return el("p", { class: "empty", text: "This run records no grants." });
  return el("section", { class: "card", "aria-labelledby": "roles-list-title" },
    el("h2", { id: "roles-list-title", text: "Roles" }),
    el("ul", { class: "role-list" }, roles.map((r) => el("li", {},
      el("a", { href: `${runHref(runId)}/roles?role=${encodeURIComponent(r.role)}`, text: r.role,
        "aria-current": r.role === chosen ? "page" : null }),
      el("span", { class: "hint", text: ` ${format.plural(r.grants, "grant", "grants")}` })))));
}

function roleGrants(runId, grants) {
  const more = grants.total > grants.items.length
    ? el("p", { class: "hint", text: `Showing the first ${grants.items.length} of ${format.count(grants.total)}.` }) : null;
  return el("section", { class: "card", "aria-labelledby": "role-grants-title" },
    el("h2", { id: "role-grants-title", text: `Privileges of ${grants.role}` }),
    dataTable({ caption: { text: `Privileges of ${grants.role}` }, rows: grants.items,
      columns: [{ label: "Table", value: (g) => tableLink(runId, g) }, ...GRANT_COLUMNS.filter((c) => c.label !== "Grantee")],
      empty: "No grants." }), more);
}

/** Links to every kind's page, with the run's counts: for the run's summary. */
export function kindLinks(runId, counts = {}) {
  const entries = Object.entries(KIND_PAGES);
  return el("nav", { class: "kind-links", "aria-label": "Other objects of the run" },
    el("ul", {}, entries.map(([kind, spec]) => el("li", {},
      el("a", { href: `${runHref(runId)}/kind/${kind}`, text: spec.title }),
      counts[kind] === undefined ? null : el("span", { class: "hint", text: ` (${format.count(counts[kind])})` })))));
}
