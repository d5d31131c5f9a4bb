-- SourceSense DDL log: records DDL events with their exact time, for schema-change history.
-- Installed only by `sourcesense ddl-log install`; `sourcesense ddl-log uninstall` removes it.
CREATE SCHEMA IF NOT EXISTS sourcesense_ddl;
COMMENT ON SCHEMA sourcesense_ddl IS 'SourceSense DDL log (sourcesense ddl-log uninstall removes it)';

CREATE TABLE IF NOT EXISTS sourcesense_ddl.events (
    event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    username text NOT NULL DEFAULT current_user,
    event text NOT NULL,
    command_tag text NOT NULL,
    object_type text,
    schema_name text,
    object_identity text
);

CREATE OR REPLACE FUNCTION sourcesense_ddl.record_command() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO sourcesense_ddl.events (event, command_tag, object_type, schema_name, object_identity)
    SELECT 'ddl_command_end', c.command_tag, c.object_type, c.schema_name, c.object_identity
    FROM pg_event_trigger_ddl_commands() c
    WHERE c.schema_name IS DISTINCT FROM 'sourcesense_ddl';
END $$;

CREATE OR REPLACE FUNCTION sourcesense_ddl.record_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO sourcesense_ddl.events (event, command_tag, object_type, schema_name, object_identity)
    SELECT 'sql_drop', tg_tag, d.object_type, d.schema_name, d.object_identity
    FROM pg_event_trigger_dropped_objects() d
    WHERE d.original AND d.schema_name IS DISTINCT FROM 'sourcesense_ddl';
END $$;

DROP EVENT TRIGGER IF EXISTS sourcesense_ddl_command;
CREATE EVENT TRIGGER sourcesense_ddl_command ON ddl_command_end
    EXECUTE FUNCTION sourcesense_ddl.record_command();
DROP EVENT TRIGGER IF EXISTS sourcesense_ddl_drop;
CREATE EVENT TRIGGER sourcesense_ddl_drop ON sql_drop
    EXECUTE FUNCTION sourcesense_ddl.record_drop();
