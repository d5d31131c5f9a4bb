-- Grants on tables and columns (a database-wide grant: object_kind 'schema', no table).
SELECT 'def' AS catalog_name, p.TABLE_SCHEMA AS schema_name, p.TABLE_NAME AS table_name,
       NULL AS column_name, 'table' AS object_kind, NULL AS grantor, p.GRANTEE AS grantee,
       p.PRIVILEGE_TYPE AS privilege_type, p.IS_GRANTABLE = 'YES' AS is_grantable
FROM information_schema.TABLE_PRIVILEGES p
WHERE /*schema_filter p.TABLE_SCHEMA*/ AND /*table_filter p.TABLE_NAME*/
UNION ALL
SELECT 'def', p.TABLE_SCHEMA, p.TABLE_NAME, p.COLUMN_NAME, 'column', NULL, p.GRANTEE,
       p.PRIVILEGE_TYPE, p.IS_GRANTABLE = 'YES'
FROM information_schema.COLUMN_PRIVILEGES p
WHERE /*schema_filter p.TABLE_SCHEMA*/ AND /*table_filter p.TABLE_NAME*/
UNION ALL
SELECT 'def', p.TABLE_SCHEMA, NULL, NULL, 'schema', NULL, p.GRANTEE, p.PRIVILEGE_TYPE,
       p.IS_GRANTABLE = 'YES'
FROM information_schema.SCHEMA_PRIVILEGES p
WHERE /*schema_filter p.TABLE_SCHEMA*/
ORDER BY 2, 3, 4, 7, 8
