-- Indexes assembled from pg_index (cheap); the full definition is optional (pg_get_indexdef
-- costs about 45 us per index). Indexes of partitions attached to a parent index are left out.
WITH scoped AS (/*scoped_relations*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       ic.relname AS index_name,
       i.indexrelid::bigint AS oid,
       am.amname AS access_method,
       ARRAY(SELECT CASE WHEN k.attnum = 0 AND NOT s.is_locked
                         THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         WHEN k.attnum = 0 THEN NULL
                         ELSE a.attname::text END
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE k.ord <= i.indnkeyatts
             ORDER BY k.ord) AS columns,
       ARRAY(SELECT a.attname::text
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE k.ord > i.indnkeyatts
             ORDER BY k.ord) AS include_columns,
       i.indisunique AS is_unique,
       -- PG 15+; read through jsonb so older servers give false instead of an error
       COALESCE((pg_catalog.to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false)
           AS nulls_not_distinct,
       i.indisprimary AS is_primary,
       i.indisexclusion AS is_exclusion,
       i.indisvalid AS is_valid,
       CASE WHEN NOT s.is_locked THEN pg_catalog.pg_get_expr(i.indpred, i.indrelid) END
           AS predicate,
       CASE WHEN NOT %(exact_sizes)s
            THEN ic.relpages::bigint * pg_catalog.current_setting('block_size')::bigint
            WHEN NOT i.indexrelid = ANY(%(locked)s::oid[])
            THEN pg_catalog.pg_relation_size(i.indexrelid)
       END AS size_bytes,
       CASE WHEN %(index_definitions)s AND NOT s.is_locked
            THEN pg_catalog.pg_get_indexdef(i.indexrelid) END AS definition,
       si.idx_scan AS scans,
       cmt.description AS comment,
       NULL::int[] AS prefix_lengths,
       NULL::boolean AS is_visible
FROM scoped s
JOIN pg_catalog.pg_index i ON i.indrelid = s.oid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
LEFT JOIN pg_catalog.pg_stat_all_indexes si ON si.indexrelid = i.indexrelid
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = i.indexrelid AND cmt.classoid = 'pg_catalog.pg_class'::regclass AND cmt.objsubid = 0
WHERE NOT (s.is_partition AND ic.relispartition)
ORDER BY s.schema_name, s.table_name, ic.relname
