-- The one catalog MySQL has ('def'): our database level; MySQL databases are our schemas.
SELECT 'def' AS catalog_name,
       NULL AS oid,
       NULL AS owner,
       @@character_set_server AS encoding,
       @@collation_server AS collation,
       NULL AS ctype,
       (SELECT SUM(t.DATA_LENGTH + t.INDEX_LENGTH) FROM information_schema.TABLES t
        WHERE /*schema_filter t.TABLE_SCHEMA*/) AS size_bytes,
       TRUE AS can_connect,
       NULL AS comment,
       %(engine)s AS engine
FROM DUAL
WHERE (%(include_database)s IS NULL OR 'def' REGEXP %(include_database)s)
  AND (%(exclude_database)s IS NULL OR 'def' NOT REGEXP %(exclude_database)s)
  AND (%(scope_databases)s IS NULL OR JSON_CONTAINS(%(scope_databases)s, '"def"'))
