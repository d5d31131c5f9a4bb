-- Tables and views; a partitioned table is one row, its partitions rolled up (method,
-- expression, count), and its rows and sizes are already the sum over them.
SELECT 'def' AS catalog_name,
       t.TABLE_SCHEMA AS schema_name,
       t.TABLE_NAME AS table_name,
       NULL AS oid,
       CASE WHEN t.TABLE_TYPE = 'VIEW' THEN 'view'
            WHEN p.partitions IS NOT NULL THEN 'partitioned_table'
            ELSE 'table' END AS kind,
       v.DEFINER AS owner,
       CASE WHEN t.TABLE_TYPE <> 'VIEW' THEN NULLIF(t.TABLE_COMMENT, '') END AS comment,
       CASE WHEN t.TABLE_TYPE = 'TEMPORARY' THEN 'temporary' ELSE 'permanent' END AS persistence,
       COALESCE(c.columns, 0) AS column_count,
       t.TABLE_ROWS AS row_estimate,
       t.DATA_LENGTH + t.INDEX_LENGTH AS size_bytes,
       NULL AS live_tuples, NULL AS dead_tuples,
       NULL AS last_vacuum, NULL AS last_autovacuum, NULL AS last_analyze,
       NULL AS last_autoanalyze,
       v.VIEW_DEFINITION AS definition,
       NULL AS is_populated,
       NULL AS security_barrier,
       CASE WHEN v.SECURITY_TYPE IS NOT NULL THEN v.SECURITY_TYPE = 'INVOKER' END
         AS security_invoker,
       LOWER(NULLIF(v.CHECK_OPTION, 'NONE')) AS check_option,
       FALSE AS is_partition,
       NULL AS parent_schema, NULL AS parent_table, NULL AS partition_bound,
       LOWER(REPLACE(p.method, ' ', '_')) AS partition_strategy,
       CASE WHEN p.method IS NOT NULL THEN CONCAT(p.method, ' (', p.expression, ')') END
         AS partition_key,
       p.partitions AS partition_count,
       NULL AS foreign_server, NULL AS tablespace,
       NULL AS row_security, NULL AS force_row_security,
       NULL AS readable,
       t.ENGINE AS storage_engine
FROM information_schema.TABLES t
-- information_schema tables are joined as grouped derived tables: materialized once (with a
-- key on the join columns), where a plain join is evaluated row by row on MariaDB.
LEFT JOIN (
  SELECT TABLE_SCHEMA, TABLE_NAME, MAX(DEFINER) AS DEFINER,
         MAX(VIEW_DEFINITION) AS VIEW_DEFINITION, MAX(SECURITY_TYPE) AS SECURITY_TYPE,
         MAX(CHECK_OPTION) AS CHECK_OPTION
  FROM information_schema.VIEWS
  WHERE /*schema_filter TABLE_SCHEMA*/
  GROUP BY TABLE_SCHEMA, TABLE_NAME
) v ON v.TABLE_SCHEMA = t.TABLE_SCHEMA AND v.TABLE_NAME = t.TABLE_NAME
LEFT JOIN (
  SELECT TABLE_SCHEMA, TABLE_NAME, COUNT(*) AS columns
  FROM information_schema.COLUMNS
  WHERE /*schema_filter TABLE_SCHEMA*/
  GROUP BY TABLE_SCHEMA, TABLE_NAME
) c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
LEFT JOIN (
  SELECT TABLE_SCHEMA, TABLE_NAME, MAX(PARTITION_METHOD) AS method,
         MAX(PARTITION_EXPRESSION) AS expression, COUNT(DISTINCT PARTITION_NAME) AS partitions
  FROM information_schema.PARTITIONS
  WHERE PARTITION_NAME IS NOT NULL AND /*schema_filter TABLE_SCHEMA*/
  GROUP BY TABLE_SCHEMA, TABLE_NAME
) p ON p.TABLE_SCHEMA = t.TABLE_SCHEMA AND p.TABLE_NAME = t.TABLE_NAME
WHERE /*schema_filter t.TABLE_SCHEMA*/
  AND /*table_filter t.TABLE_NAME*/
  AND t.TABLE_TYPE <> 'SEQUENCE'
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME
