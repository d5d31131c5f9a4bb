-- Functions and procedures (arguments from PARAMETERS), then events (kind 'event').
SELECT 'def' AS catalog_name,
       r.ROUTINE_SCHEMA AS schema_name,
       r.ROUTINE_NAME AS routine_name,
       NULL AS oid,
       LOWER(r.ROUTINE_TYPE) AS kind,
       r.DEFINER AS owner,
       LOWER(r.ROUTINE_BODY) AS language,
       COALESCE(a.arguments, '') AS arguments,
       COALESCE(a.identity_arguments, '') AS identity_arguments,
       CASE WHEN r.ROUTINE_TYPE = 'FUNCTION' THEN r.DTD_IDENTIFIER END AS return_type,
       CASE WHEN r.IS_DETERMINISTIC = 'YES' THEN 'immutable' ELSE 'volatile' END AS volatility,
       r.SECURITY_TYPE = 'DEFINER' AS is_security_definer,
       NULL AS is_strict,
       r.ROUTINE_DEFINITION AS definition,
       NULLIF(r.ROUTINE_COMMENT, '') AS comment,
       NULL AS schedule
FROM information_schema.ROUTINES r
LEFT JOIN (
  SELECT SPECIFIC_SCHEMA, SPECIFIC_NAME, ROUTINE_TYPE,
         GROUP_CONCAT(CONCAT_WS(' ', PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER)
                      ORDER BY ORDINAL_POSITION SEPARATOR ', ') AS arguments,
         GROUP_CONCAT(DTD_IDENTIFIER ORDER BY ORDINAL_POSITION SEPARATOR ', ')
           AS identity_arguments
  FROM information_schema.PARAMETERS
  WHERE ORDINAL_POSITION > 0 AND /*schema_filter SPECIFIC_SCHEMA*/
  GROUP BY SPECIFIC_SCHEMA, SPECIFIC_NAME, ROUTINE_TYPE
) a ON a.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND a.SPECIFIC_NAME = r.SPECIFIC_NAME
   AND a.ROUTINE_TYPE = r.ROUTINE_TYPE
WHERE /*schema_filter r.ROUTINE_SCHEMA*/
UNION ALL
SELECT 'def', e.EVENT_SCHEMA, e.EVENT_NAME, NULL, 'event', e.DEFINER, 'sql', NULL, NULL,
       NULL, NULL, NULL, NULL, e.EVENT_DEFINITION, NULLIF(e.EVENT_COMMENT, ''),
       CASE WHEN e.EVENT_TYPE = 'ONE TIME' THEN CONCAT('AT ', e.EXECUTE_AT)
            ELSE CONCAT('EVERY ', e.INTERVAL_VALUE, ' ', e.INTERVAL_FIELD) END
FROM information_schema.EVENTS e
WHERE /*schema_filter e.EVENT_SCHEMA*/
ORDER BY 2, 3
