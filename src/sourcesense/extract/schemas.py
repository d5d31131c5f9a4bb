"""The Arrow schema of every raw/<kind>.parquet file: the output contract, one place.

Each field carries its description as Arrow field metadata, so the Parquet files document
themselves; `sourcesense schema` prints these tables (docs/OUTPUT.md is generated from them).
"""

from __future__ import annotations

import pyarrow as pa

STR = pa.string()
I32 = pa.int32()
I64 = pa.int64()
BOOL = pa.bool_()
F64 = pa.float64()
TS = pa.timestamp("us", tz="UTC")
STRS = pa.list_(pa.string())

_CTX = [
    ("catalog_name", STR, "database name"),
    ("schema_name", STR, "schema name"),
]
_REL = [*_CTX, ("table_name", STR, "table, view or other relation name")]


def _schema(fields: list[tuple[str, pa.DataType, str]]) -> pa.Schema:
    return pa.schema(
        [pa.field(name, dtype, metadata={"description": doc}) for name, dtype, doc in fields]
    )


SCHEMAS: dict[str, pa.Schema] = {
    "databases": _schema(
        [
            ("catalog_name", STR, "database name"),
            ("oid", I64, "pg_database oid"),
            ("owner", STR, "owning role"),
            ("encoding", STR, "server encoding, e.g. UTF8"),
            ("collation", STR, "LC_COLLATE"),
            ("ctype", STR, "LC_CTYPE"),
            ("size_bytes", I64, "pg_database_size; null without CONNECT privilege"),
            ("can_connect", BOOL, "whether the role has CONNECT privilege"),
            ("comment", STR, "COMMENT ON DATABASE"),
            ("engine", STR, "postgresql | mysql | mariadb: the server's engine (by its version)"),
        ]
    ),
    "schemas": _schema(
        [
            *_CTX,
            ("oid", I64, "pg_namespace oid"),
            ("owner", STR, "owning role"),
            ("comment", STR, "COMMENT ON SCHEMA"),
        ]
    ),
    "relations": _schema(
        [
            *_REL,
            ("oid", I64, "pg_class oid (stable across renames)"),
            ("kind", STR, "table | partitioned_table | view | materialized_view | foreign_table"),
            ("owner", STR, "owning role"),
            ("comment", STR, "COMMENT ON TABLE/VIEW"),
            ("persistence", STR, "permanent | unlogged | temporary"),
            ("column_count", I64, "number of columns"),
            (
                "row_estimate",
                I64,
                "planner estimate (reltuples); null while unknown (never analyzed); summed over "
                "the leaves when partitioned, null if any leaf's is unknown",
            ),
            (
                "size_bytes",
                I64,
                "total size incl. indexes and TOAST, summed when partitioned; null if locked",
            ),
            ("live_tuples", I64, "pg_stat n_live_tup"),
            ("dead_tuples", I64, "pg_stat n_dead_tup"),
            ("last_vacuum", TS, "last manual VACUUM"),
            ("last_autovacuum", TS, "last autovacuum"),
            ("last_analyze", TS, "last manual ANALYZE"),
            ("last_autoanalyze", TS, "last autoanalyze"),
            ("definition", STR, "view / materialized view query (pg_get_viewdef); null if locked"),
            (
                "is_populated",
                BOOL,
                "pg_class relispopulated: false only for a materialized view not yet refreshed",
            ),
            ("security_barrier", BOOL, "view WITH (security_barrier); null for non-views"),
            (
                "security_invoker",
                BOOL,
                "view WITH (security_invoker), PG 15+ (false before); null for non-views",
            ),
            ("check_option", STR, "view WITH LOCAL | CASCADED CHECK OPTION: local | cascaded"),
            ("is_partition", BOOL, "this relation is a partition of parent_table"),
            ("parent_schema", STR, "schema of the parent, for partitions"),
            ("parent_table", STR, "parent partitioned table, for partitions"),
            ("partition_bound", STR, "FOR VALUES ... clause, for partitions; null if locked"),
            ("partition_strategy", STR, "range | list | hash, for partitioned tables"),
            (
                "partition_key",
                STR,
                "e.g. RANGE (occurred_at), for partitioned tables; null if locked",
            ),
            ("partition_count", I64, "direct partitions, for partitioned tables; null if locked"),
            ("foreign_server", STR, "server of a foreign table"),
            ("tablespace", STR, "tablespace when not the database default"),
            ("row_security", BOOL, "ENABLE ROW LEVEL SECURITY (relrowsecurity)"),
            (
                "force_row_security",
                BOOL,
                "FORCE ROW LEVEL SECURITY: policies apply to the owner too (relforcerowsecurity)",
            ),
            ("readable", BOOL, "the extracting role has SELECT on it"),
            ("storage_engine", STR, "MySQL/MariaDB table engine, e.g. InnoDB; null elsewhere"),
        ]
    ),
    "columns": _schema(
        [
            *_REL,
            ("table_oid", I64, "pg_class oid of the relation"),
            ("column_name", STR, "column name"),
            ("ordinal", I32, "attnum, 1-based position"),
            ("data_type", STR, "declared type as format_type prints it, e.g. numeric(10,2)"),
            ("base_type", STR, "domain's base type, array's element type, else the type"),
            (
                "type_kind",
                STR,
                "base | domain | enum | composite | range | multirange | array (a domain over an "
                "array is a domain)",
            ),
            ("is_nullable", BOOL, "neither the column nor its domain is NOT NULL"),
            ("column_default", STR, "DEFAULT expression; null if locked"),
            (
                "identity",
                STR,
                "always | by_default for identity columns; auto_increment (MySQL/MariaDB)",
            ),
            ("generated", STR, "stored | virtual for generated columns"),
            ("generation_expression", STR, "GENERATED ALWAYS AS expression; null if locked"),
            ("collation", STR, "collation when not the type's default"),
            (
                "max_length",
                I32,
                "length limit: characters for char/varchar(n), bits for bit/varbit(n); through "
                "a domain, its base type's (as information_schema.columns)",
            ),
            ("numeric_precision", I32, "numeric(p, s) precision, also through a domain"),
            (
                "numeric_scale",
                I32,
                "numeric(p, s) scale, also through a domain; negative on PostgreSQL 15+ "
                "(numeric(3,-2) gives -2)",
            ),
            ("comment", STR, "COMMENT ON COLUMN"),
            ("character_set", STR, "MySQL/MariaDB character set of a text column; null elsewhere"),
        ]
    ),
    "constraints": _schema(
        [
            *_REL,
            ("constraint_name", STR, "constraint name"),
            ("constraint_type", STR, "primary_key | foreign_key | unique | check | exclusion"),
            ("columns", STRS, "constrained columns, in key order"),
            ("referenced_schema", STR, "FK target schema"),
            ("referenced_table", STR, "FK target table"),
            ("referenced_columns", STRS, "FK target columns, matching `columns` by position"),
            (
                "on_update",
                STR,
                "FK ON UPDATE: no_action | restrict | cascade | set_null | set_default",
            ),
            ("on_delete", STR, "FK ON DELETE rule, same values"),
            ("match_type", STR, "FK MATCH simple | full | partial"),
            (
                "on_delete_columns",
                STRS,
                "FK ON DELETE SET NULL / SET DEFAULT (columns) list, PG 15+; null when all",
            ),
            (
                "definition",
                STR,
                "the constraint as pg_get_constraintdef prints it (shows NULLS NOT DISTINCT, "
                "WITHOUT OVERLAPS, PERIOD, NOT ENFORCED); null if locked",
            ),
            ("is_validated", BOOL, "false for NOT VALID (and NOT ENFORCED) constraints"),
            (
                "is_enforced",
                BOOL,
                "false for NOT ENFORCED constraints (conenforced, PG 18+; true before)",
            ),
            (
                "is_temporal",
                BOOL,
                "key's last column is WITHOUT OVERLAPS (primary key, unique) or PERIOD "
                "(foreign key): conperiod, PG 18+ (false before); null for check, exclusion",
            ),
            (
                "nulls_not_distinct",
                BOOL,
                "UNIQUE NULLS NOT DISTINCT, PG 15+ (false before); null unless primary or unique",
            ),
            ("is_deferrable", BOOL, "DEFERRABLE"),
            ("is_deferred", BOOL, "INITIALLY DEFERRED"),
            ("index_name", STR, "index backing a primary key, unique or exclusion constraint"),
            ("comment", STR, "COMMENT ON CONSTRAINT"),
        ]
    ),
    "indexes": _schema(
        [
            *_REL,
            ("index_name", STR, "index name"),
            ("oid", I64, "pg_class oid of the index"),
            ("access_method", STR, "btree | hash | gin | gist | brin | ..."),
            (
                "columns",
                STRS,
                "key columns, or the expression for expression keys (null if locked)",
            ),
            ("include_columns", STRS, "INCLUDE (...) columns"),
            ("is_unique", BOOL, "UNIQUE"),
            ("nulls_not_distinct", BOOL, "NULLS NOT DISTINCT, PG 15+ (false before)"),
            ("is_primary", BOOL, "backs the primary key"),
            ("is_exclusion", BOOL, "backs an exclusion constraint"),
            (
                "is_valid",
                BOOL,
                "false while being built or after a failed CREATE INDEX CONCURRENTLY",
            ),
            ("predicate", STR, "WHERE clause of a partial index; null if locked"),
            ("size_bytes", I64, "index size; null if locked"),
            ("definition", STR, "CREATE INDEX statement (optional); null if locked"),
            ("scans", I64, "index scans since statistics were reset (pg_stat idx_scan)"),
            ("comment", STR, "COMMENT ON INDEX"),
            (
                "prefix_lengths",
                pa.list_(I32),
                "MySQL/MariaDB: per key column, its prefix length (null: the whole column); "
                "null elsewhere",
            ),
            (
                "is_visible",
                BOOL,
                "MySQL/MariaDB: false for an INVISIBLE (MySQL) or IGNORED (MariaDB) index; null "
                "elsewhere",
            ),
        ]
    ),
    "sequences": _schema(
        [
            *_CTX,
            ("sequence_name", STR, "sequence name"),
            ("oid", I64, "pg_class oid"),
            ("owner", STR, "owning role"),
            ("data_type", STR, "smallint | integer | bigint"),
            ("start_value", I64, "START WITH"),
            ("increment", I64, "INCREMENT BY"),
            ("min_value", I64, "MINVALUE"),
            ("max_value", I64, "MAXVALUE"),
            ("cache_size", I64, "CACHE"),
            ("is_cycle", BOOL, "CYCLE"),
            (
                "last_value",
                I64,
                "what pg_sequences.last_value reports: the last value the sequence has "
                "allocated on disk, not the last one handed out. With CACHE n > 1 each session "
                "allocates n values at a time, so this runs ahead of the values used (CACHE 10, "
                "three nextval calls: 10); PostgreSQL keeps no record of the last value handed "
                "out across sessions (currval is per session). Null if never used, without "
                "SELECT or USAGE on it, or locked",
            ),
            ("owned_by_schema", STR, "schema of the owning column's table"),
            ("owned_by_table", STR, "table of the owning column (serial / identity)"),
            ("owned_by_column", STR, "owning column"),
            ("is_identity", BOOL, "backs an identity column (false when owned by none)"),
            ("comment", STR, "COMMENT ON SEQUENCE"),
        ]
    ),
    "routines": _schema(
        [
            *_CTX,
            ("routine_name", STR, "function or procedure name"),
            ("oid", I64, "pg_proc oid"),
            ("kind", STR, "function | procedure | aggregate | window; event (MySQL/MariaDB)"),
            ("owner", STR, "owning role"),
            ("language", STR, "sql | plpgsql | c | internal | ..."),
            ("arguments", STR, "argument list with names, modes and defaults"),
            ("identity_arguments", STR, "argument types that identify the overload"),
            ("return_type", STR, "RETURNS clause; null for procedures"),
            ("volatility", STR, "immutable | stable | volatile"),
            ("is_security_definer", BOOL, "SECURITY DEFINER"),
            ("is_strict", BOOL, "STRICT (returns null on null input)"),
            (
                "definition",
                STR,
                "body source; a SQL-standard body (RETURN ... / BEGIN ATOMIC ... END) as "
                "pg_get_function_sqlbody prints it (PostgreSQL 14+); null for C and internal "
                "functions, and for a SQL-standard body while a relation it reads is locked",
            ),
            ("comment", STR, "COMMENT ON FUNCTION/PROCEDURE"),
            ("schedule", STR, "MySQL/MariaDB events (kind event): AT ... or EVERY ...; null else"),
        ]
    ),
    "triggers": _schema(
        [
            *_REL,
            ("trigger_name", STR, "trigger name"),
            ("timing", STR, "before | after | instead_of"),
            ("events", STRS, "insert, update, delete, truncate"),
            ("level", STR, "row | statement"),
            ("function_schema", STR, "schema of the trigger function"),
            ("function_name", STR, "trigger function"),
            ("enabled", STR, "origin | disabled | replica | always"),
            ("definition", STR, "CREATE TRIGGER statement; null if locked"),
            ("comment", STR, "COMMENT ON TRIGGER"),
        ]
    ),
    "policies": _schema(
        [
            *_REL,
            ("policy_name", STR, "row-level security policy name"),
            ("command", STR, "all | select | insert | update | delete (FOR ...)"),
            ("policy_type", STR, "permissive | restrictive (AS ...)"),
            ("roles", STRS, "roles it applies to (TO ...), sorted; public for PUBLIC"),
            ("using_expression", STR, "USING expression as pg_policies shows it; null if locked"),
            (
                "with_check_expression",
                STR,
                "WITH CHECK expression as pg_policies shows it; null if locked",
            ),
            ("comment", STR, "COMMENT ON POLICY"),
        ]
    ),
    "types": _schema(
        [
            *_CTX,
            ("type_name", STR, "type name"),
            ("oid", I64, "pg_type oid"),
            ("kind", STR, "enum | composite | domain | range"),
            ("owner", STR, "owning role"),
            ("enum_labels", STRS, "enum labels in sort order"),
            ("composite_fields", STRS, "'name type' per field of a composite type"),
            ("base_type", STR, "domain's base type"),
            ("domain_not_null", BOOL, "domain is NOT NULL"),
            ("domain_default", STR, "domain DEFAULT"),
            ("domain_constraints", STRS, "domain CHECK constraints"),
            ("range_subtype", STR, "range's element type"),
            ("comment", STR, "COMMENT ON TYPE"),
        ]
    ),
    "extensions": _schema(
        [
            ("catalog_name", STR, "database name"),
            ("extension_name", STR, "extension name"),
            ("version", STR, "installed version"),
            ("schema_name", STR, "schema holding its objects"),
            ("owner", STR, "owning role"),
            ("comment", STR, "extension description"),
        ]
    ),
    "privileges": _schema(
        [
            *_REL,
            ("column_name", STR, "column, for column grants"),
            ("object_kind", STR, "table | column"),
            ("grantor", STR, "role that granted"),
            ("grantee", STR, "role granted to, or PUBLIC"),
            (
                "privilege_type",
                STR,
                "SELECT | INSERT | UPDATE | DELETE | TRUNCATE | REFERENCES | ...",
            ),
            ("is_grantable", BOOL, "WITH GRANT OPTION"),
        ]
    ),
    "view_dependencies": _schema(
        [
            *_REL,
            ("source_schema", STR, "schema of a relation the view reads"),
            ("source_table", STR, "relation the view reads"),
            (
                "source_kind",
                STR,
                "table | partitioned_table | view | materialized_view | foreign_table | "
                "sequence (e.g. nextval('s')) | other",
            ),
            ("source_column", STR, "column the view reads; null for a whole-relation dependency"),
        ]
    ),
    "column_stats": _schema(
        [
            *_REL,
            ("column_name", STR, "column name"),
            ("inherited", BOOL, "statistics over the whole partition/inheritance tree"),
            ("null_fraction", F64, "fraction of nulls (pg_stats null_frac)"),
            ("avg_width", I32, "average width in bytes"),
            ("n_distinct", F64, "distinct values; negative = minus a fraction of the rows"),
            ("correlation", F64, "physical vs logical order correlation"),
            (
                "most_common_values",
                STR,
                "most common values as text (only when asked; of PII-named columns only with "
                "include_pii_values, never with anonymize)",
            ),
            ("most_common_freqs", pa.list_(pa.float64()), "their frequencies (only when asked)"),
        ]
    ),
}

# Per-database kinds in extraction order; `databases` is read once per run, not per database.
DATABASE_KINDS: tuple[str, ...] = tuple(kind for kind in SCHEMAS if kind != "databases")
