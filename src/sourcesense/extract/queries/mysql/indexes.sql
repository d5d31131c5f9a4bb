-- One row per index; columns (or MySQL 8 functional key expressions) in key order.
SELECT 'def' AS catalog_name,
       s.TABLE_SCHEMA AS schema_name,
       s.TABLE_NAME AS table_name,
       s.INDEX_NAME AS index_name,
       NULL AS oid,
       LOWER(MAX(s.INDEX_TYPE)) AS access_method,
       CONCAT('[', GROUP_CONCAT(
         JSON_QUOTE(/*mysql*/COALESCE(s.COLUMN_NAME, s.EXPRESSION)/*end*//*mariadb*/s.COLUMN_NAME/*end*/)
         ORDER BY s.SEQ_IN_INDEX), ']') AS columns,
       NULL AS include_columns,
       MAX(s.NON_UNIQUE) = 0 AS is_unique,
       NULL AS nulls_not_distinct,
       s.INDEX_NAME = 'PRIMARY' AS is_primary,
       FALSE AS is_exclusion,
       TRUE AS is_valid,
       NULL AS predicate,
       NULL AS size_bytes,
       NULL AS definition,
       NULL AS scans,
       NULLIF(MAX(s.INDEX_COMMENT), '') AS comment,
       CONCAT('[', GROUP_CONCAT(COALESCE(s.SUB_PART, 'null') ORDER BY s.SEQ_IN_INDEX), ']')
         AS prefix_lengths,
       /*mysql*/MAX(s.IS_VISIBLE) = 'YES'/*end*//*mariadb*/MAX(s.IGNORED) = 'NO'/*end*/
         AS is_visible
FROM information_schema.STATISTICS s
WHERE /*schema_filter s.TABLE_SCHEMA*/
  AND /*table_filter s.TABLE_NAME*/
GROUP BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME
ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME
