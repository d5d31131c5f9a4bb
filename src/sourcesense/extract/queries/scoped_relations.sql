-- Relations in scope: user schemas only, filters and this database's scope (its schemas, and
-- tables matching any of its table patterns) applied, extension members left out.
-- Included by the other queries at their scoped_relations marker; never run alone.
-- is_locked: another session holds or awaits ACCESS EXCLUSIVE on it (%(locked)s, from locks.sql),
-- so the calls that take ACCESS SHARE on it (pg_get_expr, pg_get_viewdef, ...) are left out.
SELECT c.oid, n.nspname AS schema_name, c.relname AS table_name, c.relkind,
       c.relispartition AS is_partition, c.oid = ANY(%(locked)s::oid[]) AS is_locked
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class root ON root.oid = pg_catalog.pg_partition_root(c.oid)
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND n.nspname <> 'sourcesense_ddl'  -- our own optional DDL log
  AND (%(include_schema)s::text IS NULL OR n.nspname ~ %(include_schema)s::text)
  AND (%(exclude_schema)s::text IS NULL OR n.nspname !~ %(exclude_schema)s::text)
  AND (%(include_table)s::text IS NULL
       OR COALESCE(root.relname, c.relname) ~ %(include_table)s::text)
  AND (%(exclude_table)s::text IS NULL
       OR COALESCE(root.relname, c.relname) !~ %(exclude_table)s::text)
  AND (%(scope_schemas)s::text[] IS NULL OR n.nspname = ANY(%(scope_schemas)s::text[]))
  AND (%(scope_tables)s::text[] IS NULL
       OR COALESCE(root.relname, c.relname) ~ ANY(%(scope_tables)s::text[]))
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
