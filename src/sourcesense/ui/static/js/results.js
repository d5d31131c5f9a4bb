// Reading a run's results: pages of entities, the manifest, and table-level relationships.

import { query, request } from "./api.js";

const PAGE = 500;
const MAX_ROWS = 20_000;
const edgeCache = new Map();
export const EDGE_FIELDS = "edge_kind,level,catalog_name,source_schema,source_table,target_schema,target_table,constraint_name";

/**
 * One page: {manifest, entities: {kind, total, offset, limit, items}}, filtered on the server.
 * filters: q (name), text (names, comments, types), database, schema, table, level (lineage),
 * sort, fields (columns to keep), manifest (false: leave it out).
 */
export function page(runId, kind, { offset = 0, limit = 50, signal, ...filters } = {}) {
  const params = query({ kind, ...filters, offset, limit });
  return request(`/workflows/v1/results/${encodeURIComponent(runId)}${params}`, { signal });
}

/** Every item of a kind (up to MAX_ROWS), page by page, without the manifest. */
export async function all(runId, kind, { signal, ...filters } = {}) {
  const items = [];
  for (let offset = 0; offset < MAX_ROWS; offset += PAGE) {
    const { entities } = await page(runId, kind,
      { ...filters, manifest: false, offset, limit: PAGE, signal });
    items.push(...entities.items);
    if (items.length >= entities.total || !entities.items.length) break;
  }
  return items;
}

/** Every row of a kind for one table: the API filters by database, schema and table. */
export function ofTable(runId, kind, ref, signal) {
  return all(runId, kind, { database: ref.catalog, schema: ref.schema, table: ref.table, signal });
}

/**
 * The relationships of one table only: its table-level lineage edges (filtered on the server),
 * or, for a run without lineage, those of the whole run from its constraints.
 */
export async function tableRelationships(runId, ref, signal) {
  const edges = await all(runId, "lineage", { database: ref.catalog, schema: ref.schema,
    table: ref.table, level: "table", fields: EDGE_FIELDS, signal });
  if (edges.length) return merged(edges.map(fromLineage));
  const { entities } = await page(runId, "lineage", { limit: 1, fields: "level", manifest: false, signal });
  return entities.total ? [] : relationships(runId);
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
  const lineage = await all(runId, "lineage", { level: "table", fields: EDGE_FIELDS });
  const raw = lineage.length ? lineage.map(fromLineage) : (await all(runId, "constraints"))
    .filter((c) => c.constraint_type === "foreign_key").map(fromConstraint);
  return merged(raw);
}

export function merged(raw) {
  const found = new Map();
  for (const edge of raw) {
    const key = `${edge.from}|${edge.to}|${edge.kind}`;
    if (found.has(key)) found.get(key).names.push(...edge.names);
    else found.set(key, edge);
  }
  return [...found.values()];
}

export function fromLineage(edge) {
  const source = nodeId(edge.catalog_name, edge.source_schema, edge.source_table);
  const target = nodeId(edge.catalog_name, edge.target_schema, edge.target_table);
  if (edge.edge_kind === "foreign_key") {
    return { from: target, to: source, kind: "fk", names: edge.constraint_name ? [edge.constraint_name] : [] };
  }
  return { from: source, to: target, kind: "view", names: [] };
}

export function fromConstraint(constraint) {
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
