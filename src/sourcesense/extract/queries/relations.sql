-- Tables, partitioned tables, partitions, views, materialized views and foreign tables.
-- A partitioned table carries its partition count and the summed size and rows of its leaves;
-- its row estimate is unknown (null) while any leaf's is (reltuples -1: never analyzed, PG 14+).
-- %(exact_sizes)s = false reads sizes from relpages instead, which takes no lock.
-- Calls that would wait on another session's ACCESS EXCLUSIVE lock are left out (null): see
-- locks.sql. A size needs the relation and its indexes, a view definition its sources, a
-- partition tree every partition.
WITH scoped AS (/*scoped_relations*/),
size_locked AS MATERIALIZED (
    SELECT l.oid FROM unnest(%(locked)s::oid[]) l(oid)
    UNION SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = ANY(%(locked)s::oid[])
),
tree_locked AS MATERIALIZED (
    SELECT a.relid AS oid
    FROM size_locked l CROSS JOIN LATERAL pg_catalog.pg_partition_ancestors(l.oid) a
),
definition_locked AS MATERIALIZED (
    SELECT rw.ev_class AS oid
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid
    WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = ANY(%(locked)s::oid[])
),
tree AS MATERIALIZED (
    SELECT s.oid,
           count(*) FILTER (WHERE t.level = 1) AS partition_count,
           sum(CASE WHEN %(exact_sizes)s THEN pg_catalog.pg_total_relation_size(t.relid)
                    ELSE pc.relpages::bigint * pg_catalog.current_setting('block_size')::bigint
               END) FILTER (WHERE t.isleaf) AS size_bytes,
           sum(pc.reltuples) FILTER (WHERE t.isleaf) AS row_estimate,
           bool_and(pc.reltuples >= 0) FILTER (WHERE t.isleaf) AS rows_known
    FROM scoped s
    CROSS JOIN LATERAL pg_catalog.pg_partition_tree(s.oid) t
    JOIN pg_catalog.pg_class pc ON pc.oid = t.relid
    WHERE s.relkind = 'p' AND NOT EXISTS (SELECT 1 FROM tree_locked k WHERE k.oid = s.oid)
    GROUP BY s.oid
)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       s.oid::bigint AS oid,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned_table' WHEN 'v' THEN 'view'
            WHEN 'm' THEN 'materialized_view' WHEN 'f' THEN 'foreign_table' END AS kind,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       cmt.description AS comment,
       CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 'u' THEN 'unlogged'
            ELSE 'temporary' END AS persistence,
       (SELECT count(*) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS column_count,
       CASE WHEN c.relkind = 'p' AND tree.oid IS NOT NULL AND tree.rows_known IS NOT FALSE
            THEN COALESCE(tree.row_estimate, 0)::bigint
            WHEN c.relkind IN ('r', 'm') AND c.reltuples >= 0 THEN c.reltuples::bigint
       END AS row_estimate,
       CASE WHEN c.relkind = 'p' AND tree.oid IS NOT NULL THEN COALESCE(tree.size_bytes, 0)
            WHEN c.relkind IN ('r', 'm')
            THEN CASE WHEN NOT %(exact_sizes)s
                      THEN c.relpages::bigint * pg_catalog.current_setting('block_size')::bigint
                      WHEN NOT EXISTS (SELECT 1 FROM size_locked k WHERE k.oid = c.oid)
                      THEN pg_catalog.pg_total_relation_size(c.oid)
                 END
       END AS size_bytes,
       st.n_live_tup AS live_tuples,
       st.n_dead_tup AS dead_tuples,
       st.last_vacuum, st.last_autovacuum, st.last_analyze, st.last_autoanalyze,
       CASE WHEN c.relkind IN ('v', 'm') AND NOT s.is_locked
                 AND NOT EXISTS (SELECT 1 FROM definition_locked k WHERE k.oid = c.oid)
            THEN pg_catalog.pg_get_viewdef(c.oid, true) END AS definition,
       c.relispopulated AS is_populated,
       CASE WHEN c.relkind = 'v' THEN COALESCE(opt.security_barrier, false) END
           AS security_barrier,
       CASE WHEN c.relkind = 'v' THEN COALESCE(opt.security_invoker, false) END
           AS security_invoker,
       CASE WHEN c.relkind = 'v' THEN opt.check_option END AS check_option,
       s.is_partition,
       pn.nspname AS parent_schema,
       parent.relname AS parent_table,
       CASE WHEN c.relispartition AND NOT s.is_locked
            THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       CASE pt.partstrat WHEN 'r' THEN 'range' WHEN 'l' THEN 'list' WHEN 'h' THEN 'hash' END
           AS partition_strategy,
       CASE WHEN c.relkind = 'p' AND NOT s.is_locked THEN pg_catalog.pg_get_partkeydef(c.oid) END
           AS partition_key,
       CASE WHEN c.relkind = 'p' AND tree.oid IS NOT NULL THEN COALESCE(tree.partition_count, 0)
       END AS partition_count,
       fs.srvname AS foreign_server,
       ts.spcname AS tablespace,
       c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable,
       NULL::text AS storage_engine
FROM scoped s
JOIN pg_catalog.pg_class c ON c.oid = s.oid
LEFT JOIN tree ON tree.oid = c.oid
-- View options as reloptions hold them (security_invoker is PG 15+, absent before: false).
LEFT JOIN LATERAL (
    SELECT bool_or(CASE WHEN o.option_name = 'security_barrier'
                        THEN o.option_value::boolean END) AS security_barrier,
           bool_or(CASE WHEN o.option_name = 'security_invoker'
                        THEN o.option_value::boolean END) AS security_invoker,
           min(CASE WHEN o.option_name = 'check_option' THEN o.option_value END) AS check_option
    FROM pg_catalog.pg_options_to_table(c.reloptions) o
    WHERE c.relkind = 'v'
) opt ON true
LEFT JOIN pg_catalog.pg_stat_all_tables st ON st.relid = c.oid
LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid
LEFT JOIN pg_catalog.pg_inherits inh ON c.relispartition AND inh.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class parent ON parent.oid = inh.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = parent.relnamespace
LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = c.oid AND cmt.classoid = 'pg_catalog.pg_class'::regclass AND cmt.objsubid = 0
ORDER BY s.schema_name, s.table_name
