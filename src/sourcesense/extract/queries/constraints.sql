-- Primary, foreign, unique, check and exclusion constraints. NOT NULL (contype 'n', PG 18+)
-- lives on columns instead. Copies a partition holds only because its parent has them are left
-- out: keys cloned from the parent (conparentid <> 0) and inherited CHECKs (not conislocal).
-- Columns newer than PG 12 (confdelsetcols, indnullsnotdistinct: 15; conenforced, conperiod:
-- 18) are read through jsonb, so older servers give their implicit value instead of an error.
WITH scoped AS (/*scoped_relations*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       con.conname AS constraint_name,
       CASE con.contype WHEN 'p' THEN 'primary_key' WHEN 'f' THEN 'foreign_key'
            WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' END
           AS constraint_type,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       rn.nspname AS referenced_schema,
       rc.relname AS referenced_table,
       CASE WHEN con.contype = 'f' THEN
           ARRAY(SELECT a.attname::text
                 FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_catalog.pg_attribute a
                   ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                 ORDER BY k.ord) END AS referenced_columns,
       CASE WHEN con.contype = 'f' THEN CASE con.confupdtype WHEN 'a' THEN 'no_action'
            WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set_null'
            WHEN 'd' THEN 'set_default' END END AS on_update,
       CASE WHEN con.contype = 'f' THEN CASE con.confdeltype WHEN 'a' THEN 'no_action'
            WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set_null'
            WHEN 'd' THEN 'set_default' END END AS on_delete,
       CASE WHEN con.contype = 'f' THEN CASE con.confmatchtype WHEN 'f' THEN 'full'
            WHEN 'p' THEN 'partial' ELSE 'simple' END END AS match_type,
       CASE WHEN con.contype = 'f' AND pg_catalog.jsonb_typeof(j.con -> 'confdelsetcols') = 'array'
                 AND pg_catalog.jsonb_array_length(j.con -> 'confdelsetcols') > 0 THEN
           ARRAY(SELECT a.attname::text
                 FROM pg_catalog.jsonb_array_elements_text(j.con -> 'confdelsetcols')
                      WITH ORDINALITY k(attnum, ord)
                 JOIN pg_catalog.pg_attribute a
                   ON a.attrelid = con.conrelid AND a.attnum = k.attnum::int2
                 ORDER BY k.ord) END AS on_delete_columns,
       CASE WHEN NOT s.is_locked THEN pg_catalog.pg_get_constraintdef(con.oid, true)
       END AS definition,
       con.convalidated AS is_validated,
       COALESCE((j.con ->> 'conenforced')::boolean, true) AS is_enforced,
       CASE WHEN con.contype IN ('p', 'u', 'f')
            THEN COALESCE((j.con ->> 'conperiod')::boolean, false) END AS is_temporal,
       CASE WHEN con.contype IN ('p', 'u')
            THEN COALESCE((pg_catalog.to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false)
       END AS nulls_not_distinct,
       con.condeferrable AS is_deferrable,
       con.condeferred AS is_deferred,
       ic.relname AS index_name,
       cmt.description AS comment
FROM scoped s
JOIN pg_catalog.pg_constraint con ON con.conrelid = s.oid
CROSS JOIN LATERAL (SELECT pg_catalog.to_jsonb(con) AS con) j
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype IN ('p', 'u')
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid AND con.contype = 'f'
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_catalog.pg_class ic ON ic.oid = con.conindid AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = con.oid AND cmt.classoid = 'pg_catalog.pg_constraint'::regclass AND cmt.objsubid = 0
WHERE con.contype IN ('p', 'f', 'u', 'c', 'x') AND con.conparentid = 0
  AND (con.conislocal OR NOT s.is_partition)
ORDER BY s.schema_name, s.table_name, con.conname
