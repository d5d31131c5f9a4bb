-- Keys from KEY_COLUMN_USAGE (columns in key order; FK rules joined), then check constraints;
-- lists are JSON arrays. No plain join of information_schema tables: MariaDB evaluates those
-- row by row (quadratic on large catalogs); a grouped derived table is materialized once,
-- with a key on its join columns.
SELECT 'def' AS catalog_name,
       k.TABLE_SCHEMA AS schema_name,
       k.TABLE_NAME AS table_name,
       k.CONSTRAINT_NAME AS constraint_name,
       CASE WHEN k.referenced_table IS NOT NULL THEN 'foreign_key'
            WHEN k.CONSTRAINT_NAME = 'PRIMARY' THEN 'primary_key'
            ELSE 'unique' END AS constraint_type,
       k.columns AS columns,
       k.referenced_schema AS referenced_schema,
       k.referenced_table AS referenced_table,
       CASE WHEN k.referenced_table IS NOT NULL THEN k.referenced_columns END
         AS referenced_columns,
       LOWER(REPLACE(r.UPDATE_RULE, ' ', '_')) AS on_update,
       LOWER(REPLACE(r.DELETE_RULE, ' ', '_')) AS on_delete,
       LOWER(NULLIF(r.MATCH_OPTION, 'NONE')) AS match_type,
       NULL AS on_delete_columns,
       NULL AS definition,
       TRUE AS is_validated,
       TRUE AS is_enforced,
       NULL AS is_temporal,
       NULL AS nulls_not_distinct,
       FALSE AS is_deferrable,
       FALSE AS is_deferred,
       CASE WHEN k.referenced_table IS NULL THEN k.CONSTRAINT_NAME END AS index_name,
       NULL AS comment
FROM (
  SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME,
         CONCAT('[', GROUP_CONCAT(JSON_QUOTE(COLUMN_NAME) ORDER BY ORDINAL_POSITION), ']')
           AS columns,
         MAX(REFERENCED_TABLE_SCHEMA) AS referenced_schema,
         MAX(REFERENCED_TABLE_NAME) AS referenced_table,
         CONCAT('[', GROUP_CONCAT(JSON_QUOTE(REFERENCED_COLUMN_NAME) ORDER BY ORDINAL_POSITION),
                ']') AS referenced_columns
  FROM information_schema.KEY_COLUMN_USAGE
  WHERE /*schema_filter TABLE_SCHEMA*/
    AND /*table_filter TABLE_NAME*/
  GROUP BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME
) k
LEFT JOIN (
  SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, MAX(UPDATE_RULE) AS UPDATE_RULE,
         MAX(DELETE_RULE) AS DELETE_RULE, MAX(MATCH_OPTION) AS MATCH_OPTION
  FROM information_schema.REFERENTIAL_CONSTRAINTS
  WHERE /*schema_filter CONSTRAINT_SCHEMA*/
  GROUP BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME
) r ON r.CONSTRAINT_SCHEMA = k.TABLE_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME
   AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
UNION ALL
SELECT 'def', cc.CONSTRAINT_SCHEMA, /*mariadb*/cc.TABLE_NAME/*end*//*mysql*/tc.TABLE_NAME/*end*/,
       cc.CONSTRAINT_NAME, 'check', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       CONCAT('CHECK (', cc.CHECK_CLAUSE, ')'), TRUE,
       /*mysql*/tc.ENFORCED = 'YES'/*end*//*mariadb*/TRUE/*end*/,
       NULL, NULL, FALSE, FALSE, NULL, NULL
FROM information_schema.CHECK_CONSTRAINTS cc
-- MySQL 8 names checks uniquely per schema and lists their table in TABLE_CONSTRAINTS only
-- (its information_schema is views over the data dictionary: joins are indexed there).
/*mysql*/JOIN information_schema.TABLE_CONSTRAINTS tc
  ON tc.CONSTRAINT_TYPE = 'CHECK' AND tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA
 AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME/*end*/
WHERE /*schema_filter cc.CONSTRAINT_SCHEMA*/
  AND /*mariadb*//*table_filter cc.TABLE_NAME*//*end*//*mysql*//*table_filter tc.TABLE_NAME*//*end*/
ORDER BY 2, 3, 4
