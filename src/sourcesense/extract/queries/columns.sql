-- Columns of every relation in scope except partitions (they repeat their parent's columns).
WITH scoped AS (/*scoped_relations*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       s.oid::bigint AS table_oid,
       a.attname AS column_name,
       a.attnum::int AS ordinal,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod)
            WHEN t.typcategory = 'A' THEN pg_catalog.format_type(t.typelem, NULL)
            ELSE pg_catalog.format_type(a.atttypid, NULL) END AS base_type,
       -- A domain over an array is a domain first (its typcategory is the array's 'A').
       CASE WHEN t.typtype = 'd' THEN 'domain'
            WHEN t.typcategory = 'A' THEN 'array'
            ELSE CASE t.typtype WHEN 'b' THEN 'base' WHEN 'e' THEN 'enum'
                 WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range' WHEN 'm' THEN 'multirange'
                 ELSE 'pseudo' END END AS type_kind,
       -- As information_schema.columns: a NOT NULL domain makes its columns not nullable.
       NOT (a.attnotnull OR (t.typtype = 'd' AND t.typnotnull)) AS is_nullable,
       CASE WHEN a.attgenerated = '' AND NOT s.is_locked
            THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END
           AS column_default,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by_default' END AS identity,
       CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END AS generated,
       CASE WHEN a.attgenerated <> '' AND NOT s.is_locked
            THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END
           AS generation_expression,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
       -- As information_schema.columns: char/varchar in characters, bit/varbit in bits.
       CASE WHEN tm.typmod < 0 THEN NULL
            WHEN tm.type_id IN (1042, 1043) THEN tm.typmod - 4
            WHEN tm.type_id IN (1560, 1562) THEN tm.typmod END AS max_length,
       CASE WHEN tm.type_id = 1700 AND tm.typmod >= 4
            THEN ((tm.typmod - 4) >> 16) & 65535 END AS numeric_precision,
       -- The scale is a signed 11-bit field (negative from PostgreSQL 15 on: numeric(3,-2)).
       CASE WHEN tm.type_id = 1700 AND tm.typmod >= 4
            THEN (((tm.typmod - 4) & 2047) # 1024) - 1024 END AS numeric_scale,
       cmt.description AS comment,
       NULL::text AS character_set
FROM scoped s
JOIN pg_catalog.pg_attribute a ON a.attrelid = s.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
-- The type and modifier that hold the length, precision and scale: a domain's (one level, as
-- information_schema's _pg_truetypid and _pg_truetypmod), else the column's own.
CROSS JOIN LATERAL (
    SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS type_id,
           CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod
) tm
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = a.attrelid AND cmt.classoid = 'pg_catalog.pg_class'::regclass AND cmt.objsubid = a.attnum
WHERE NOT s.is_partition
ORDER BY s.schema_name, s.table_name, a.attnum
