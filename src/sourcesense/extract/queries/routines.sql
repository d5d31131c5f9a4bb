-- Functions, procedures, aggregates and window functions; extension members left out.
WITH scoped AS (/*scoped_schemas*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       p.proname AS routine_name,
       p.oid::bigint AS oid,
       CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure'
            WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' END AS kind,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       l.lanname AS language,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity_arguments,
       pg_catalog.pg_get_function_result(p.oid) AS return_type,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable'
            ELSE 'volatile' END AS volatility,
       p.prosecdef AS is_security_definer,
       p.proisstrict AS is_strict,
       CASE WHEN l.lanname IN ('internal', 'c') THEN NULL
/*since 140000*/
            -- A SQL-standard body (RETURN ..., BEGIN ATOMIC ... END) is stored parsed, with an
            -- empty prosrc. Printing it takes ACCESS SHARE on the relations it reads, so it is
            -- left out (null) while another session holds one of them (locks.sql).
            WHEN p.prosqlbody IS NOT NULL THEN
                CASE WHEN NOT EXISTS (
                         SELECT 1 FROM pg_catalog.pg_depend r
                         WHERE r.classid = 'pg_catalog.pg_proc'::regclass AND r.objid = p.oid
                           AND r.refclassid = 'pg_catalog.pg_class'::regclass
                           AND r.refobjid = ANY(%(locked)s::oid[]))
                     THEN pg_catalog.pg_get_function_sqlbody(p.oid) END
/*end*/
            ELSE p.prosrc END AS definition,
       cmt.description AS comment,
       NULL::text AS schedule
FROM scoped s
JOIN pg_catalog.pg_proc p ON p.pronamespace = s.oid
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_description cmt
  ON cmt.objoid = p.oid AND cmt.classoid = 'pg_catalog.pg_proc'::regclass AND cmt.objsubid = 0
WHERE NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend e
    WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY s.schema_name, p.proname, identity_arguments
