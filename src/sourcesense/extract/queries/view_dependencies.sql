-- What each view and materialized view reads, as the server recorded it when the view was
-- created (pg_depend on the view's _RETURN rule): the ground truth for view lineage.
-- source_column is null for a dependency on a whole relation (e.g. SELECT count(*)).
WITH scoped AS (/*scoped_relations*/)
SELECT DISTINCT
       pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       sn.nspname AS source_schema,
       sc.relname AS source_table,
       CASE sc.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned_table' WHEN 'v' THEN 'view'
            WHEN 'm' THEN 'materialized_view' WHEN 'f' THEN 'foreign_table'
            WHEN 'S' THEN 'sequence' ELSE 'other' END
           AS source_kind,
       sa.attname::text AS source_column
FROM scoped s
JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = s.oid AND rw.rulename = '_RETURN'
JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
 AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'n'
JOIN pg_catalog.pg_class sc ON sc.oid = d.refobjid AND sc.oid <> s.oid
JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
LEFT JOIN pg_catalog.pg_attribute sa
  ON sa.attrelid = d.refobjid AND sa.attnum = d.refobjsubid AND d.refobjsubid > 0
WHERE s.relkind IN ('v', 'm')
ORDER BY 2, 3, 4, 5, 7 NULLS FIRST
