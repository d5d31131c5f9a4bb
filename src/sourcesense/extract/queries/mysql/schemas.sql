SELECT 'def' AS catalog_name,
       s.SCHEMA_NAME AS schema_name,
       NULL AS oid,
       NULL AS owner,
       /*mariadb*/NULLIF(s.SCHEMA_COMMENT, '')/*end*//*mysql*/NULL/*end*/ AS comment
FROM information_schema.SCHEMATA s
WHERE /*schema_filter s.SCHEMA_NAME*/
ORDER BY s.SCHEMA_NAME
