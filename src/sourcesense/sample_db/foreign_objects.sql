-- Objects in the schemas sample_db replaces, as schema.name: relations, standalone types and
-- routines. Left out: what belongs to another object and goes with it (indexes, a column's
-- sequence, a table's row type, array and multirange types).
SELECT n.nspname || '.' || c.relname
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND NOT (c.relkind = 'S' AND EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend AS d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
  ))
UNION ALL
SELECT n.nspname || '.' || t.typname
FROM pg_catalog.pg_type AS t
JOIN pg_catalog.pg_namespace AS n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class AS c ON c.oid = t.typrelid
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype IN ('b', 'c', 'd', 'e', 'r')
  AND t.typcategory <> 'A'
  AND (t.typrelid = 0 OR c.relkind = 'c')
UNION ALL
SELECT n.nspname || '.' || p.proname
FROM pg_catalog.pg_proc AS p
JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1
