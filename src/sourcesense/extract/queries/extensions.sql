SELECT pg_catalog.current_database() AS catalog_name,
       x.extname AS extension_name,
       x.extversion AS version,
       n.nspname AS schema_name,
       pg_catalog.pg_get_userbyid(x.extowner) AS owner,
       cmt.description AS comment
FROM pg_catalog.pg_extension x
JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = x.oid AND cmt.classoid = 'pg_catalog.pg_extension'::regclass AND cmt.objsubid = 0
ORDER BY x.extname
