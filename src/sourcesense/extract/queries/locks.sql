-- Relations another session holds or awaits in ACCESS EXCLUSIVE mode (a migration, VACUUM
-- FULL, REINDEX, ALTER TABLE, LOCK TABLE): the only mode that conflicts with the ACCESS SHARE
-- lock that pg_get_viewdef, pg_get_expr, pg_get_indexdef, pg_get_constraintdef,
-- pg_get_triggerdef, pg_get_partkeydef, pg_get_function_sqlbody, pg_partition_tree and the
-- size functions take. A waiting request counts too: ours would queue behind it. Read before
-- the kinds (and again when a kind meets a lock taken since), so those calls are left out
-- instead of waiting.
-- One row per relation in scope (or routine) whose fields this leaves out, with the locked
-- relation.
WITH scoped AS (/*scoped_relations*/),
locked AS MATERIALIZED (
    SELECT l.relation AS oid, min(l.pid) AS pid, bool_or(l.granted) AS granted
    FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                        WHERE d.datname = pg_catalog.current_database())
      AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
    GROUP BY l.relation
),
named AS (
    SELECT l.oid, l.pid, l.granted, n.nspname, c.relname, c.relkind,
           COALESCE(i.indrelid, l.oid) AS owner_oid
    FROM locked l
    JOIN pg_catalog.pg_class c ON c.oid = l.oid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = l.oid
),
affected AS (
    SELECT k.oid AS locked_oid, k.owner_oid AS oid,
           CASE WHEN k.relkind IN ('i', 'I') THEN 'index' ELSE 'self' END AS reason
    FROM named k
    UNION ALL
    SELECT k.oid, rw.ev_class, 'source'
    FROM named k
    JOIN pg_catalog.pg_depend d
      ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = k.oid
     AND d.classid = 'pg_catalog.pg_rewrite'::regclass
    JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid AND rw.ev_class <> k.oid
    UNION ALL
    SELECT k.oid, a.relid, 'partition'
    FROM named k CROSS JOIN LATERAL pg_catalog.pg_partition_ancestors(k.owner_oid) a
    WHERE a.relid <> k.owner_oid
    UNION ALL
    -- Functions with a SQL-standard body that reads it (routines.sql); oid is a pg_proc oid.
    SELECT DISTINCT k.oid, d.objid, 'routine'
    FROM named k
    JOIN pg_catalog.pg_depend d
      ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = k.oid
     AND d.classid = 'pg_catalog.pg_proc'::regclass
)
SELECT DISTINCT
       k.oid::bigint AS locked_oid,
       k.nspname AS locked_schema,
       k.relname AS locked_name,
       k.pid,
       k.granted,
       COALESCE(s.schema_name, q.nspname, r.schema_name) AS schema_name,
       COALESCE(s.table_name, q.relname, r.routine_name) AS table_name,
       CASE WHEN q.oid IS NOT NULL THEN 'sequence' ELSE a.reason END AS reason
FROM named k
LEFT JOIN affected a ON a.locked_oid = k.oid
LEFT JOIN scoped s ON s.oid = a.oid AND a.reason <> 'routine'
LEFT JOIN named q ON q.oid = k.oid AND q.relkind = 'S' AND a.reason = 'self'
 AND q.nspname NOT IN ('pg_catalog', 'information_schema')
LEFT JOIN LATERAL (
    SELECT n.nspname AS schema_name, p.proname AS routine_name
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE a.reason = 'routine' AND p.oid = a.oid
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
) r ON true
ORDER BY 1, 6, 7
