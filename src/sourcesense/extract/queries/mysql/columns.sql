SELECT 'def' AS catalog_name,
       c.TABLE_SCHEMA AS schema_name,
       c.TABLE_NAME AS table_name,
       NULL AS table_oid,
       c.COLUMN_NAME AS column_name,
       c.ORDINAL_POSITION AS ordinal,
       c.COLUMN_TYPE AS data_type,
       c.DATA_TYPE AS base_type,
       CASE WHEN c.DATA_TYPE IN ('enum', 'set') THEN c.DATA_TYPE ELSE 'base' END AS type_kind,
       c.IS_NULLABLE = 'YES' AS is_nullable,
       -- MariaDB writes a DEFAULT NULL as the word NULL and quotes string defaults.
       CASE WHEN %(mariadb)s AND c.COLUMN_DEFAULT = 'NULL' THEN NULL ELSE c.COLUMN_DEFAULT END
         AS column_default,
       CASE WHEN LOCATE('auto_increment', c.EXTRA) > 0 THEN 'auto_increment' END AS identity,
       CASE WHEN LOCATE('STORED GENERATED', c.EXTRA) > 0 THEN 'stored'
            WHEN LOCATE('VIRTUAL GENERATED', c.EXTRA) > 0 THEN 'virtual' END AS generated,
       NULLIF(c.GENERATION_EXPRESSION, '') AS generation_expression,
       c.COLLATION_NAME AS collation,
       CASE WHEN c.CHARACTER_MAXIMUM_LENGTH <= 2147483647 THEN c.CHARACTER_MAXIMUM_LENGTH END
         AS max_length,
       c.NUMERIC_PRECISION AS numeric_precision,
       c.NUMERIC_SCALE AS numeric_scale,
       NULLIF(c.COLUMN_COMMENT, '') AS comment,
       c.CHARACTER_SET_NAME AS character_set
-- No join to TABLES (MariaDB evaluates a join of information_schema tables row by row: a
-- quadratic read); the columns of MariaDB sequences are dropped by the extraction (catalog.py).
FROM information_schema.COLUMNS c
WHERE /*schema_filter c.TABLE_SCHEMA*/
  AND /*table_filter c.TABLE_NAME*/
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION
