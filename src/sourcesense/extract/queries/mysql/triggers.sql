SELECT 'def' AS catalog_name,
       t.EVENT_OBJECT_SCHEMA AS schema_name,
       t.EVENT_OBJECT_TABLE AS table_name,
       t.TRIGGER_NAME AS trigger_name,
       LOWER(t.ACTION_TIMING) AS timing,
       CONCAT('[', JSON_QUOTE(LOWER(t.EVENT_MANIPULATION)), ']') AS events,
       LOWER(t.ACTION_ORIENTATION) AS level,
       NULL AS function_schema,
       NULL AS function_name,
       NULL AS enabled,
       t.ACTION_STATEMENT AS definition,
       NULL AS comment
FROM information_schema.TRIGGERS t
WHERE /*schema_filter t.EVENT_OBJECT_SCHEMA*/
  AND /*table_filter t.EVENT_OBJECT_TABLE*/
ORDER BY t.EVENT_OBJECT_SCHEMA, t.EVENT_OBJECT_TABLE, t.TRIGGER_NAME
