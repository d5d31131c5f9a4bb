-- Sequences, including those behind identity columns (owned_by names the column).
WITH scoped AS (/*scoped_schemas*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       c.relname AS sequence_name,
       c.oid::bigint AS oid,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       pg_catalog.format_type(sq.seqtypid, NULL) AS data_type,
       sq.seqstart AS start_value,
       sq.seqincrement AS increment,
       sq.seqmin AS min_value,
       sq.seqmax AS max_value,
       sq.seqcache AS cache_size,
       sq.seqcycle AS is_cycle,
       -- As pg_sequences.last_value: SELECT or USAGE is enough. The value on disk, so with a
       -- CACHE above 1 it runs ahead of what sessions have handed out (docs/OUTPUT.md).
       CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
                 AND NOT c.oid = ANY(%(locked)s::oid[])
            THEN pg_catalog.pg_sequence_last_value(c.oid) END AS last_value,
       dn.nspname AS owned_by_schema,
       dc.relname AS owned_by_table,
       da.attname AS owned_by_column,
       COALESCE(d.deptype = 'i', false) AS is_identity,
       cmt.description AS comment
FROM scoped s
JOIN pg_catalog.pg_class c ON c.relnamespace = s.oid AND c.relkind = 'S'
JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = c.oid
LEFT JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
 AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
LEFT JOIN pg_catalog.pg_attribute da ON da.attrelid = d.refobjid AND da.attnum = d.refobjsubid
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = c.oid AND cmt.classoid = 'pg_catalog.pg_class'::regclass AND cmt.objsubid = 0
WHERE NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend e
    WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY s.schema_name, c.relname
