-- The self-check's own view of a database, one query per kind (tests/selfcheck.py). Written
-- for the test, apart from src/sourcesense/extract/queries: PostgreSQL's views
-- (information_schema, pg_indexes, pg_sequences, pg_policies, pg_stats) and rendering
-- functions (format_type, pg_get_*def, pg_get_expr, obj_description) wherever they say it.
-- Each section starts with "-- kind: <name>"; /*scope*/ is replaced by the "scope" section.

-- kind: scope
-- Relations of user schemas (PostgreSQL reserves pg_* schema names), not extension members.
SELECT c.oid, n.nspname AS schema_name, c.relname AS table_name, c.relkind, c.relispartition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = ANY ('{r,p,v,m,f}')
  AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'sourcesense_ddl')
  AND c.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend
                    WHERE classid = 'pg_catalog.pg_class'::regclass AND deptype = 'e')

-- kind: databases
SELECT d.datname AS catalog_name, d.oid::bigint AS oid, r.rolname::text AS owner,
       pg_catalog.pg_encoding_to_char(d.encoding)::text AS encoding,
       d.datcollate::text AS collation, d.datctype::text AS ctype,
       pg_catalog.has_database_privilege(d.datname, 'CONNECT') AS can_connect,
       pg_catalog.shobj_description(d.oid, 'pg_database') AS comment
FROM pg_catalog.pg_database d
JOIN pg_catalog.pg_roles r ON r.oid = d.datdba
WHERE d.datname = pg_catalog.current_database()

-- kind: schemas
SELECT s.schema_name::text, n.oid::bigint AS oid, s.schema_owner::text AS owner,
       pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment
FROM information_schema.schemata s
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schema_name
WHERE s.schema_name NOT LIKE 'pg\_%'
  AND s.schema_name NOT IN ('information_schema', 'sourcesense_ddl')

-- kind: relations
WITH rel AS (/*scope*/),
leaves AS (
    SELECT rel.oid, count(*) FILTER (WHERE lc.reltuples < 0) AS unknown,
           sum(lc.reltuples) AS rows
    FROM rel
    CROSS JOIN LATERAL pg_catalog.pg_partition_tree(rel.oid) t
    JOIN pg_catalog.pg_class lc ON lc.oid = t.relid
    WHERE rel.relkind = 'p' AND t.isleaf
    GROUP BY rel.oid
)
SELECT rel.schema_name::text, rel.table_name::text, c.oid::bigint AS oid,
       (ARRAY['table', 'partitioned_table', 'view', 'materialized_view', 'foreign_table'])[
           array_position('{r,p,v,m,f}'::char[], c.relkind::char)] AS kind,
       o.rolname::text AS owner,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary'
            ELSE 'permanent' END AS persistence,
       (SELECT count(*) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum >= 1 AND NOT a.attisdropped) AS column_count,
       CASE WHEN c.relkind = 'p' AND COALESCE(l.unknown, 0) = 0
            THEN COALESCE(l.rows, 0)::bigint
            WHEN c.relkind IN ('r', 'm') AND c.reltuples <> -1 THEN c.reltuples::bigint
       END AS row_estimate,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid, true) END
           AS definition,
       c.relispopulated AS is_populated,
       CASE WHEN c.relkind = 'v' THEN COALESCE((SELECT option_value::boolean
            FROM pg_catalog.pg_options_to_table(c.reloptions)
            WHERE option_name = 'security_barrier'), false) END AS security_barrier,
       CASE WHEN c.relkind = 'v' THEN COALESCE((SELECT option_value::boolean
            FROM pg_catalog.pg_options_to_table(c.reloptions)
            WHERE option_name = 'security_invoker'), false) END AS security_invoker,
       lower(NULLIF(v.check_option, 'NONE')) AS check_option,
       c.relispartition AS is_partition,
       CASE WHEN c.relispartition THEN pn.nspname::text END AS parent_schema,
       CASE WHEN c.relispartition THEN pc.relname::text END AS parent_table,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END
           AS partition_bound,
       CASE WHEN c.relkind = 'p' THEN lower(split_part(pg_catalog.pg_get_partkeydef(c.oid),
            ' ', 1)) END AS partition_strategy,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relkind = 'p' THEN (SELECT count(*) FROM pg_catalog.pg_inherits i
            WHERE i.inhparent = c.oid) END AS partition_count,
       ft.foreign_server_name::text AS foreign_server,
       (SELECT spcname::text FROM pg_catalog.pg_tablespace WHERE oid = c.reltablespace)
           AS tablespace,
       c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable
FROM rel
JOIN pg_catalog.pg_class c ON c.oid = rel.oid
JOIN pg_catalog.pg_roles o ON o.oid = c.relowner
LEFT JOIN leaves l ON l.oid = c.oid
LEFT JOIN information_schema.views v
  ON v.table_schema = rel.schema_name AND v.table_name = rel.table_name
LEFT JOIN information_schema.foreign_tables ft
  ON ft.foreign_table_schema = rel.schema_name AND ft.foreign_table_name = rel.table_name
LEFT JOIN pg_catalog.pg_inherits pi ON c.relispartition AND pi.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = pi.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace

-- kind: columns
-- Partitions repeat their parent's columns, so only the parent's are listed.
WITH rel AS (/*scope*/)
SELECT rel.schema_name::text, rel.table_name::text, a.attname::text AS column_name,
       rel.oid::bigint AS table_oid, a.attnum::int AS ordinal,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod)
            WHEN elem.oid IS NOT NULL THEN pg_catalog.format_type(elem.oid, NULL)
            ELSE pg_catalog.format_type(t.oid, NULL) END AS base_type,
       CASE WHEN t.typtype = 'd' THEN 'domain' WHEN elem.oid IS NOT NULL THEN 'array'
            WHEN t.typtype = 'e' THEN 'enum' WHEN t.typtype = 'c' THEN 'composite'
            WHEN t.typtype = 'r' THEN 'range' WHEN t.typtype = 'm' THEN 'multirange'
            WHEN t.typtype = 'b' THEN 'base' ELSE 'pseudo' END AS type_kind,
       -- information_schema's answer (a NOT NULL domain counts), and for the materialized
       -- views it omits, its rule
       COALESCE(ic.is_nullable::text = 'YES', NOT (a.attnotnull OR t.typnotnull))
           AS is_nullable,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END
           AS column_default,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by_default' END AS identity,
       CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END AS generated,
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END
           AS generation_expression,
       (SELECT collname::text FROM pg_catalog.pg_collation
        WHERE oid = a.attcollation AND a.attcollation <> t.typcollation) AS collation,
       -- the declared type (a domain's base) as format_type prints it: parsed in Python
       pg_catalog.format_type(COALESCE(NULLIF(t.typbasetype, 0), a.atttypid),
           CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) AS true_type,
       pg_catalog.col_description(a.attrelid, a.attnum) AS comment
FROM rel
JOIN pg_catalog.pg_attribute a ON a.attrelid = rel.oid AND a.attnum >= 1 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type elem ON elem.typarray = t.oid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN information_schema.columns ic
  ON ic.table_schema = rel.schema_name AND ic.table_name = rel.table_name
 AND ic.column_name = a.attname
WHERE NOT rel.relispartition

-- kind: constraints
-- A partition's copies of its parent's keys and CHECKs are the parent's; NOT NULL
-- constraints (PostgreSQL 18) are a column attribute. Flags are read back from the
-- definition PostgreSQL prints (parsed in Python).
WITH rel AS (/*scope*/)
SELECT rel.schema_name::text, rel.table_name::text, con.conname::text AS constraint_name,
       CASE con.contype WHEN 'p' THEN 'primary_key' WHEN 'f' THEN 'foreign_key'
            WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check' ELSE 'exclusion' END
           AS constraint_type,
       (SELECT array_agg(a.attname::text ORDER BY k.i)
        FROM generate_subscripts(con.conkey, 1) k(i)
        JOIN pg_catalog.pg_attribute a
          ON a.attrelid = con.conrelid AND a.attnum = con.conkey[k.i]) AS columns,
       fn.nspname::text AS referenced_schema,
       fc.relname::text AS referenced_table,
       (SELECT array_agg(a.attname::text ORDER BY k.i)
        FROM generate_subscripts(con.confkey, 1) k(i)
        JOIN pg_catalog.pg_attribute a
          ON a.attrelid = con.confrelid AND a.attnum = con.confkey[k.i]) AS referenced_columns,
       con.confupdtype::text AS update_code,
       con.confdeltype::text AS delete_code,
       con.confmatchtype::text AS match_code,
       pg_catalog.pg_get_constraintdef(con.oid, true) AS definition,
       con.convalidated AS is_validated,
       con.condeferrable AS is_deferrable,
       con.condeferred AS is_deferred,
       CASE WHEN con.contype IN ('p', 'u', 'x') THEN ic.relname::text END AS index_name,
       pg_catalog.obj_description(con.oid, 'pg_constraint') AS comment
FROM rel
JOIN pg_catalog.pg_constraint con ON con.conrelid = rel.oid
LEFT JOIN pg_catalog.pg_class fc ON con.contype = 'f' AND fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_catalog.pg_class ic ON ic.oid = con.conindid
WHERE con.contype IN ('p', 'f', 'u', 'c', 'x')
  AND NOT (rel.relispartition AND (con.conparentid <> 0 OR NOT con.conislocal))

-- kind: indexes
-- pg_indexes prints each index; a partition's index attached to its parent's is the parent's.
WITH rel AS (/*scope*/)
SELECT rel.schema_name::text, rel.table_name::text, x.indexname::text AS index_name,
       ic.oid::bigint AS oid, am.amname::text AS access_method,
       (SELECT array_agg(CASE WHEN i.indkey[k] = 0
                              THEN pg_catalog.pg_get_indexdef(i.indexrelid, k + 1, true)
                              ELSE (SELECT attname::text FROM pg_catalog.pg_attribute
                                    WHERE attrelid = i.indrelid AND attnum = i.indkey[k]) END
                         ORDER BY k)
        FROM generate_series(0, i.indnkeyatts - 1) k) AS columns,
       COALESCE((SELECT array_agg(a.attname::text ORDER BY k)
                 FROM generate_series(i.indnkeyatts, i.indnatts - 1) k
                 JOIN pg_catalog.pg_attribute a
                   ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]), '{}') AS include_columns,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisexclusion AS is_exclusion,
       i.indisvalid AS is_valid,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS predicate,
       x.indexdef AS definition,
       pg_catalog.obj_description(ic.oid, 'pg_class') AS comment
FROM rel
JOIN pg_catalog.pg_indexes x ON x.schemaname = rel.schema_name AND x.tablename = rel.table_name
JOIN pg_catalog.pg_namespace xn ON xn.nspname = x.schemaname
JOIN pg_catalog.pg_class ic ON ic.relname = x.indexname AND ic.relnamespace = xn.oid
JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE NOT (rel.relispartition
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = ic.oid))

-- kind: sequences
SELECT s.schemaname::text AS schema_name, s.sequencename::text AS sequence_name,
       c.oid::bigint AS oid, s.sequenceowner::text AS owner, s.data_type::text AS data_type,
       s.start_value, s.increment_by AS increment, s.min_value, s.max_value, s.cache_size,
       s.cycle AS is_cycle, s.last_value,
       own.nspname::text AS owned_by_schema, own.relname::text AS owned_by_table,
       own.attname::text AS owned_by_column,
       own.deptype IS NOT DISTINCT FROM 'i' AS is_identity,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment
FROM pg_catalog.pg_sequences s
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
LEFT JOIN LATERAL (
    SELECT tn.nspname, tc.relname, ta.attname, d.deptype
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
    JOIN pg_catalog.pg_attribute ta ON ta.attrelid = tc.oid AND ta.attnum = d.refobjsubid
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
) own ON true
WHERE s.schemaname NOT LIKE 'pg\_%' AND s.schemaname NOT IN ('information_schema', 'sourcesense_ddl')
  AND c.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend
                    WHERE classid = 'pg_catalog.pg_class'::regclass AND deptype = 'e')

-- kind: routines
SELECT n.nspname::text AS schema_name, p.proname::text AS routine_name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_arguments,
       p.oid::bigint AS oid,
       CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window'
            ELSE 'function' END AS kind,
       o.rolname::text AS owner, l.lanname::text AS language,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS return_type,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END
           AS volatility,
       p.prosecdef AS is_security_definer, p.proisstrict AS is_strict,
       CASE WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_function_sqlbody(p.oid)
            WHEN l.lanname NOT IN ('c', 'internal') THEN p.prosrc END AS definition,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_roles o ON o.oid = p.proowner
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'sourcesense_ddl')
  AND p.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend
                    WHERE classid = 'pg_catalog.pg_proc'::regclass AND deptype = 'e')

-- kind: triggers
-- Triggers cloned onto partitions are their parent's. tgtype bits are decoded in Python.
WITH rel AS (/*scope*/)
SELECT rel.schema_name::text, rel.table_name::text, t.tgname::text AS trigger_name,
       t.tgtype::int AS tgtype, fn.nspname::text AS function_schema,
       f.proname::text AS function_name, t.tgenabled::text AS enabled_code,
       pg_catalog.pg_get_triggerdef(t.oid, true) AS definition,
       pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment
FROM rel
JOIN pg_catalog.pg_trigger t ON t.tgrelid = rel.oid
JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0

-- kind: policies
WITH rel AS (/*scope*/)
SELECT p.schemaname::text AS schema_name, p.tablename::text AS table_name,
       p.policyname::text AS policy_name, lower(p.cmd) AS command,
       lower(p.permissive) AS policy_type, p.roles::text[] AS roles,
       p.qual AS using_expression, p.with_check AS with_check_expression,
       pg_catalog.obj_description(pol.oid, 'pg_policy') AS comment
FROM pg_catalog.pg_policies p
JOIN rel ON rel.schema_name = p.schemaname AND rel.table_name = p.tablename
JOIN pg_catalog.pg_policy pol ON pol.polrelid = rel.oid AND pol.polname = p.policyname

-- kind: types
-- User enums, composites (not a table's row type), domains and ranges; not extension members.
SELECT n.nspname::text AS schema_name, t.typname::text AS type_name, t.oid::bigint AS oid,
       CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'c' THEN 'composite' WHEN 'd' THEN 'domain'
            ELSE 'range' END AS kind,
       o.rolname::text AS owner,
       CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(enumlabel::text ORDER BY enumsortorder)
            FROM pg_catalog.pg_enum WHERE enumtypid = t.oid) END AS enum_labels,
       CASE WHEN t.typtype = 'c' THEN (
            SELECT array_agg(attname || ' ' || pg_catalog.format_type(atttypid, atttypmod)
                             ORDER BY attnum)
            FROM pg_catalog.pg_attribute
            WHERE attrelid = t.typrelid AND attnum >= 1 AND NOT attisdropped) END
           AS composite_fields,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END
           AS base_type,
       CASE WHEN t.typtype = 'd' THEN t.typnotnull END AS domain_not_null,
       d.domain_default::text AS domain_default,
       CASE WHEN t.typtype = 'd' THEN COALESCE((
            SELECT array_agg(pg_catalog.pg_get_constraintdef(oid, true) ORDER BY conname)
            FROM pg_catalog.pg_constraint WHERE contypid = t.oid AND contype = 'c'), '{}') END
           AS domain_constraints,
       (SELECT pg_catalog.format_type(rngsubtype, NULL) FROM pg_catalog.pg_range
        WHERE rngtypid = t.oid) AS range_subtype,
       pg_catalog.obj_description(t.oid, 'pg_type') AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_roles o ON o.oid = t.typowner
LEFT JOIN information_schema.domains d
  ON t.typtype = 'd' AND d.domain_schema = n.nspname AND d.domain_name = t.typname
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'sourcesense_ddl')
  AND (t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND (SELECT relkind FROM pg_catalog.pg_class
                                WHERE oid = t.typrelid) = 'c'))
  AND t.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend
                    WHERE classid = 'pg_catalog.pg_type'::regclass AND deptype = 'e')

-- kind: extensions
SELECT x.extname::text AS extension_name, x.extversion AS version,
       n.nspname::text AS schema_name, o.rolname::text AS owner,
       pg_catalog.obj_description(x.oid, 'pg_extension') AS comment
FROM pg_catalog.pg_extension x
JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
JOIN pg_catalog.pg_roles o ON o.oid = x.extowner

-- kind: privileges
-- An explicit ACL, else the owner's implicit one (acldefault), as the server applies it.
WITH rel AS (/*scope*/),
acl AS (
    SELECT rel.schema_name, rel.table_name, NULL::text AS column_name,
           pg_catalog.aclexplode(COALESCE(c.relacl, pg_catalog.acldefault('r', c.relowner))) AS e
    FROM rel JOIN pg_catalog.pg_class c ON c.oid = rel.oid
    UNION ALL
    SELECT rel.schema_name, rel.table_name, a.attname::text, pg_catalog.aclexplode(a.attacl)
    FROM rel JOIN pg_catalog.pg_attribute a
      ON a.attrelid = rel.oid AND a.attnum >= 1 AND a.attacl IS NOT NULL
)
SELECT schema_name::text, table_name::text, column_name,
       COALESCE((SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid = (e).grantee),
                'PUBLIC') AS grantee,
       (e).privilege_type::text AS privilege_type,
       (SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid = (e).grantor) AS grantor,
       CASE WHEN column_name IS NULL THEN 'table' ELSE 'column' END AS object_kind,
       (e).is_grantable
FROM acl

-- kind: view_dependencies
-- What a view's rewrite rule depends on, per column (attnum 0: the whole relation).
WITH rel AS (/*scope*/)
SELECT DISTINCT rel.schema_name::text, rel.table_name::text,
       sn.nspname::text AS source_schema, sc.relname::text AS source_table,
       sa.attname::text AS source_column,
       CASE sc.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned_table'
            WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' WHEN 'f' THEN 'foreign_table'
            WHEN 'S' THEN 'sequence' ELSE 'other' END AS source_kind
FROM rel
JOIN pg_catalog.pg_rewrite r ON r.ev_class = rel.oid AND r.rulename = '_RETURN'
JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
 AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'n'
 AND d.refobjid <> rel.oid
JOIN pg_catalog.pg_class sc ON sc.oid = d.refobjid
JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace
LEFT JOIN pg_catalog.pg_attribute sa ON sa.attrelid = sc.oid AND sa.attnum = d.refobjsubid
                                     AND d.refobjsubid >= 1
WHERE rel.relkind IN ('v', 'm')

-- kind: column_stats
WITH rel AS (/*scope*/)
SELECT st.schemaname::text AS schema_name, st.tablename::text AS table_name,
       st.attname::text AS column_name, st.inherited,
       st.null_frac::float8 AS null_fraction, st.avg_width, st.n_distinct::float8 AS n_distinct,
       st.correlation::float8 AS correlation
FROM pg_catalog.pg_stats st
JOIN rel ON rel.schema_name = st.schemaname AND rel.table_name = st.tablename
WHERE NOT rel.relispartition
