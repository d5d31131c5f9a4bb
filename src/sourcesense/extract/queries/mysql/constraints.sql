-- Keys (columns in key order, FK rules) and check constraints; lists are JSON arrays.
SELECT 'def' AS catalog_name,
       tc.TABLE_SCHEMA AS schema_name,
       tc.TABLE_NAME AS table_name,
       tc.CONSTRAINT_NAME AS constraint_name,
       CASE tc.CONSTRAINT_TYPE WHEN 'PRIMARY KEY' THEN 'primary_key'
            WHEN 'FOREIGN KEY' THEN 'foreign_key' WHEN 'UNIQUE' THEN 'unique'
            ELSE 'check' END AS constraint_type,
       k.columns AS columns,
       k.referenced_schema AS referenced_schema,
       k.referenced_table AS referenced_table,
       CASE WHEN tc.CONSTRAINT_TYPE = 'FOREIGN KEY' THEN k.referenced_columns END
         AS referenced_columns,
       LOWER(REPLACE(r.UPDATE_RULE, ' ', '_')) AS on_update,
       LOWER(REPLACE(r.DELETE_RULE, ' ', '_')) AS on_delete,
       LOWER(NULLIF(r.MATCH_OPTION, 'NONE')) AS match_type,
       NULL AS on_delete_columns,
       CASE WHEN cc.CHECK_CLAUSE IS NOT NULL THEN CONCAT('CHECK (', cc.CHECK_CLAUSE, ')') END
         AS definition,
       TRUE AS is_validated,
       /*mysql*/tc.ENFORCED = 'YES'/*end*//*mariadb*/TRUE/*end*/ AS is_enforced,
       NULL AS is_temporal,
       NULL AS nulls_not_distinct,
       FALSE AS is_deferrable,
       FALSE AS is_deferred,
       CASE WHEN tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE') THEN tc.CONSTRAINT_NAME END
         AS index_name,
       NULL AS comment
FROM information_schema.TABLE_CONSTRAINTS tc
LEFT JOIN (
  SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME,
         CONCAT('[', GROUP_CONCAT(JSON_QUOTE(COLUMN_NAME) ORDER BY ORDINAL_POSITION), ']')
           AS columns,
         MAX(REFERENCED_TABLE_SCHEMA) AS referenced_schema,
         MAX(REFERENCED_TABLE_NAME) AS referenced_table,
         CONCAT('[', GROUP_CONCAT(JSON_QUOTE(REFERENCED_COLUMN_NAME) ORDER BY ORDINAL_POSITION),
                ']') AS referenced_columns
  FROM information_schema.KEY_COLUMN_USAGE
  WHERE /*schema_filter CONSTRAINT_SCHEMA*/
  GROUP BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME
) k ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME
   AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON tc.CONSTRAINT_TYPE = 'FOREIGN KEY' AND r.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA
 AND r.TABLE_NAME = tc.TABLE_NAME AND r.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
-- MySQL names checks uniquely per schema; MariaDB per table (CHECK_CONSTRAINTS.TABLE_NAME).
LEFT JOIN information_schema.CHECK_CONSTRAINTS cc
  ON tc.CONSTRAINT_TYPE = 'CHECK' AND cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA
 AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
 /*mariadb*/AND cc.TABLE_NAME = tc.TABLE_NAME/*end*/
WHERE /*schema_filter tc.TABLE_SCHEMA*/
  AND /*table_filter tc.TABLE_NAME*/
ORDER BY tc.TABLE_SCHEMA, tc.TABLE_NAME, tc.CONSTRAINT_NAME
