// Reading a run's results: pages of entities, the manifest, and table-level relationships.

import { query, request } from "./api.js";

const PAGE = 500;
const MAX_ROWS = 20_000;
const edgeCache = new Map();

/** One page: {manifest, entities: {kind, total, offset, limit, items}}. */
export function page(runId, kind, { q, schema, table, offset = 0, limit = 50, signal } = {}) {
  const params = query({ kind, q, schema, table, offset, limit });
  return request(`/workflows/v1/results/${encodeURIComponent(runId)}${params}`, { signal });
}

/** Every item of a kind (up to MAX_ROWS), page by page. */
export async function all(runId, kind, { schema, table, signal } = {}) {
  const items = [];
  for (let offset = 0; offset < MAX_ROWS; offset += PAGE) {
    const { entities } = await page(runId, kind, { schema, table, offset, limit: PAGE, signal });
    items.push(...entities.items);
    if (items.length >= entities.total || !entities.items.length) break;
  }
  return items;
}

/** Every row of a kind for one table (the API filters by schema and table name). */
export async function ofTable(runId, kind, ref, signal) {
  const rows = await all(runId, kind, { schema: ref.schema, table: ref.table, signal });
  return rows.filter((row) => !row.catalog_name || row.catalog_name === ref.catalog);
}

export function nodeId(catalog, schema, table) {
  return JSON.stringify([catalog, schema, table]);
}

export function refOf(id) {
  const [catalog, schema, table] = JSON.parse(id);
  return { catalog, schema, table };
}

/**
 * Table-level relationships, drawn from -> to:
 * foreign keys from the referencing table to the referenced one; views from the source they read.
 * From lineage edges; from the constraints when the run has no lineage.
 */
export function relationships(runId) {
  if (!edgeCache.has(runId)) {
    const loading = loadRelationships(runId);
    loading.catch(() => edgeCache.delete(runId));
    edgeCache.set(runId, loading);
  }
  return edgeCache.get(runId);
}

async function loadRelationships(runId) {
  const lineage = (await all(runId, "lineage")).filter((edge) => edge.level === "table");
  const raw = lineage.length ? lineage.map(fromLineage) : (await all(runId, "constraints"))
    .filter((c) => c.constraint_type === "foreign_key").map(fromConstraint);
  const merged = new Map();
  for (const edge of raw) {
    const key = `${edge.from}|${edge.to}|${edge.kind}`;
    if (merged.has(key)) merged.get(key).names.push(...edge.names);
    else merged.set(key, edge);
  }
  return [...merged.values()];
}

function fromLineage(edge) {
  const source = nodeId(edge.catalog_name, edge.source_schema, edge.source_table);
  const target = nodeId(edge.catalog_name, edge.target_schema, edge.target_table);
  if (edge.edge_kind === "foreign_key") {
    return { from: target, to: source, kind: "fk", names: edge.constraint_name ? [edge.constraint_name] : [] };
  }
  return { from: source, to: target, kind: "view", names: [] };
}

function fromConstraint(constraint) {
  return {
    from: nodeId(constraint.catalog_name, constraint.schema_name, constraint.table_name),
    to: nodeId(constraint.catalog_name, constraint.referenced_schema, constraint.referenced_table),
    kind: "fk",
    names: [constraint.constraint_name],
  };
}

/** The hash route of a table page. */
export function tableHref(runId, ref, column) {
  const parts = [ref.catalog, ref.schema, ref.table].map(encodeURIComponent).join("/");
  const suffix = column ? `?column=${encodeURIComponent(column)}` : "";
  return `#/explore/${encodeURIComponent(runId)}/table/${parts}${suffix}`;
}
