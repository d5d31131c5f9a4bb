-- Column statistics the server already keeps (pg_stats, as of the last ANALYZE): reading them
-- reads no table data. pg_stats shows only columns the role may SELECT. Most common values
-- can be personal data, so they come only when asked (%(include_mcv)s).
WITH scoped AS (/*scoped_relations*/)
SELECT pg_catalog.current_database() AS catalog_name,
       s.schema_name,
       s.table_name,
       st.attname::text AS column_name,
       st.inherited,
       st.null_frac::float8 AS null_fraction,
       st.avg_width,
       st.n_distinct::float8 AS n_distinct,
       st.correlation::float8 AS correlation,
       CASE WHEN %(include_mcv)s THEN st.most_common_vals::text END AS most_common_values,
       CASE WHEN %(include_mcv)s THEN st.most_common_freqs::float8[] END AS most_common_freqs
FROM scoped s
JOIN pg_catalog.pg_stats st ON st.schemaname = s.schema_name AND st.tablename = s.table_name
WHERE NOT s.is_partition
ORDER BY s.schema_name, s.table_name, st.attname, st.inherited
