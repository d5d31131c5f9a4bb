-- User triggers on relations in scope. Triggers cloned onto partitions are left out: internal
-- on PG 12-14, marked by tgparentid (read through jsonb, as PG 12 lacks the column) since 13.
WITH scoped AS (/*scoped_relations*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       t.tgname AS trigger_name,
       CASE WHEN t.tgtype & 2 <> 0 THEN 'before' WHEN t.tgtype & 64 <> 0 THEN 'instead_of'
            ELSE 'after' END AS timing,
       array_remove(ARRAY[
           CASE WHEN t.tgtype & 4 <> 0 THEN 'insert' END,
           CASE WHEN t.tgtype & 16 <> 0 THEN 'update' END,
           CASE WHEN t.tgtype & 8 <> 0 THEN 'delete' END,
           CASE WHEN t.tgtype & 32 <> 0 THEN 'truncate' END], NULL) AS events,
       CASE WHEN t.tgtype & 1 <> 0 THEN 'row' ELSE 'statement' END AS level,
       fn.nspname AS function_schema,
       f.proname AS function_name,
       CASE t.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
            WHEN 'A' THEN 'always' END AS enabled,
       CASE WHEN NOT s.is_locked THEN pg_catalog.pg_get_triggerdef(t.oid, true) END AS definition,
       cmt.description AS comment
FROM scoped s
JOIN pg_catalog.pg_trigger t ON t.tgrelid = s.oid
JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = t.oid AND cmt.classoid = 'pg_catalog.pg_trigger'::regclass AND cmt.objsubid = 0
WHERE NOT t.tgisinternal
  AND COALESCE((pg_catalog.to_jsonb(t) ->> 'tgparentid')::oid, 0) = 0
ORDER BY s.schema_name, s.table_name, t.tgname
