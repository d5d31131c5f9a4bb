SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.oid::bigint AS oid,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       cmt.description AS comment
FROM (/*scoped_schemas*/) s
JOIN pg_catalog.pg_namespace n ON n.oid = s.oid
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = n.oid AND cmt.classoid = 'pg_catalog.pg_namespace'::regclass AND cmt.objsubid = 0
ORDER BY s.schema_name
