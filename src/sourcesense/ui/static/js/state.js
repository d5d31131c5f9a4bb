// What the wizard has gathered so far. The password lives in memory only.

const SAVED_KEY = "sourcesense.connection";

export const wizard = {
  connection: null, // {host, port, user, password, database, sslmode}
  preflight: null, // the preflight result of that connection
  schemas: null, // [{catalog_name, schema_name}] from /metadata
  selected: new Set(), // "catalog\u0000schema" keys
  filters: {},
  allDatabases: false,
};

export function schemaKey(catalog, schema) {
  return `${catalog}\u0000${schema}`;
}

/** Remember the non-secret connection fields for this tab, to prefill the form. */
export function saveConnection(connection) {
  const { password: _secret, ...rest } = connection;
  sessionStorage.setItem(SAVED_KEY, JSON.stringify(rest));
}

export function savedConnection() {
  try {
    return JSON.parse(sessionStorage.getItem(SAVED_KEY) || "null");
  } catch {
    return null;
  }
}

export function resetScope() {
  wizard.schemas = null;
  wizard.selected = new Set();
  wizard.filters = {};
  wizard.allDatabases = false;
}
