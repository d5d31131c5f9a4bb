-- Databases the run covers: connectable, not templates, database filters applied.
SELECT d.datname AS catalog_name,
       d.oid::bigint AS oid,
       pg_catalog.pg_get_userbyid(d.datdba) AS owner,
       pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
       d.datcollate AS collation,
       d.datctype AS ctype,
       CASE WHEN pg_catalog.has_database_privilege(d.oid, 'CONNECT')
            THEN pg_catalog.pg_database_size(d.oid) END AS size_bytes,
       pg_catalog.has_database_privilege(d.oid, 'CONNECT') AS can_connect,
       cmt.description AS comment,
       'postgresql'::text AS engine
FROM pg_catalog.pg_database d
LEFT JOIN pg_catalog.pg_shdescription cmt
  ON cmt.objoid = d.oid AND cmt.classoid = 'pg_catalog.pg_database'::regclass
WHERE d.datallowconn AND NOT d.datistemplate
  AND (%(only_database)s::text IS NULL OR d.datname = %(only_database)s::text)
  AND (%(include_database)s::text IS NULL OR d.datname ~ %(include_database)s::text)
  AND (%(exclude_database)s::text IS NULL OR d.datname !~ %(exclude_database)s::text)
  AND (%(scope_databases)s::text[] IS NULL OR d.datname = ANY(%(scope_databases)s::text[]))
ORDER BY d.datname
