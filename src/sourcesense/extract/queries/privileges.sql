-- Table and column grants, one row per grantee and privilege. A relation without an explicit
-- ACL has its owner's default privileges (acldefault), as the server itself applies them.
WITH scoped AS (/*scoped_relations*/),
grants AS (
    SELECT s.oid, NULL::name AS column_name,
           pg_catalog.aclexplode(COALESCE(c.relacl, pg_catalog.acldefault(
               CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) AS acl
    FROM scoped s JOIN pg_catalog.pg_class c ON c.oid = s.oid
    UNION ALL
    SELECT s.oid, a.attname, pg_catalog.aclexplode(a.attacl)
    FROM scoped s
    JOIN pg_catalog.pg_attribute a
      ON a.attrelid = s.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       g.column_name::text AS column_name,
       CASE WHEN g.column_name IS NULL THEN 'table' ELSE 'column' END AS object_kind,
       pg_catalog.pg_get_userbyid((g.acl).grantor) AS grantor,
       CASE WHEN (g.acl).grantee = 0 THEN 'PUBLIC'
            ELSE pg_catalog.pg_get_userbyid((g.acl).grantee) END AS grantee,
       (g.acl).privilege_type AS privilege_type,
       (g.acl).is_grantable AS is_grantable
FROM grants g
JOIN scoped s ON s.oid = g.oid
ORDER BY s.schema_name, s.table_name, column_name NULLS FIRST, grantee, privilege_type
