-- Row-level security policies (pg_policy) of the relations in scope, rendered as pg_policies
-- shows them: roles sorted by name, 'public' for PUBLIC, expressions through pg_get_expr.
-- Policies are never cloned onto partitions: each row is one CREATE POLICY.
WITH scoped AS (/*scoped_relations*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       p.polname AS policy_name,
       CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'
            WHEN 'd' THEN 'delete' WHEN '*' THEN 'all' END AS command,
       CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END AS policy_type,
       CASE WHEN p.polroles = ARRAY[0::oid] THEN ARRAY['public']
            ELSE ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
                       WHERE r.oid = ANY(p.polroles) ORDER BY r.rolname) END AS roles,
       CASE WHEN NOT s.is_locked THEN pg_catalog.pg_get_expr(p.polqual, p.polrelid) END
           AS using_expression,
       CASE WHEN NOT s.is_locked THEN pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) END
           AS with_check_expression,
       cmt.description AS comment
FROM scoped s
JOIN pg_catalog.pg_policy p ON p.polrelid = s.oid
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = p.oid AND cmt.classoid = 'pg_catalog.pg_policy'::regclass AND cmt.objsubid = 0
ORDER BY s.schema_name, s.table_name, p.polname
