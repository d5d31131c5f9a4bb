-- Schemas in scope: user schemas only, schema filters and this database's scope applied.
-- Included by the other queries at their scoped_schemas marker; never run alone.
SELECT n.oid, n.nspname AS schema_name
FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND n.nspname <> 'sourcesense_ddl'  -- our own optional DDL log
  AND (%(include_schema)s::text IS NULL OR n.nspname ~ %(include_schema)s::text)
  AND (%(exclude_schema)s::text IS NULL OR n.nspname !~ %(exclude_schema)s::text)
  AND (%(scope_schemas)s::text[] IS NULL OR n.nspname = ANY(%(scope_schemas)s::text[]))
