-- User-defined enums, composite types, domains and ranges; extension members left out.
WITH scoped AS (/*scoped_schemas*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       t.typname AS type_name,
       t.oid::bigint AS oid,
       CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'c' THEN 'composite' WHEN 'd' THEN 'domain'
            WHEN 'r' THEN 'range' END AS kind,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       CASE WHEN t.typtype = 'e' THEN
           ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                 WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS enum_labels,
       CASE WHEN t.typtype = 'c' THEN
           ARRAY(SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                 FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY a.attnum) END AS composite_fields,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END
           AS base_type,
       CASE WHEN t.typtype = 'd' THEN t.typnotnull END AS domain_not_null,
       t.typdefault AS domain_default,
       CASE WHEN t.typtype = 'd' THEN
           ARRAY(SELECT pg_catalog.pg_get_constraintdef(dc.oid, true)
                 FROM pg_catalog.pg_constraint dc
                 WHERE dc.contypid = t.oid AND dc.contype = 'c' ORDER BY dc.conname) END
           AS domain_constraints,
       pg_catalog.format_type(r.rngsubtype, NULL) AS range_subtype,
       cmt.description AS comment
FROM scoped s
JOIN pg_catalog.pg_type t ON t.typnamespace = s.oid
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = t.oid AND cmt.classoid = 'pg_catalog.pg_type'::regclass AND cmt.objsubid = 0
WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND tc.relkind = 'c'))
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY s.schema_name, t.typname
