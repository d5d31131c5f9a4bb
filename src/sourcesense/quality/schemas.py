"""The Arrow schemas of quality/column_profiles.parquet and quality/findings.parquet.

Each field carries its description as field metadata, like the raw files' schemas, so the
Parquet files document themselves.
"""

from __future__ import annotations

import pyarrow as pa

STR = pa.string()
I32 = pa.int32()
I64 = pa.int64()
F64 = pa.float64()
TS = pa.timestamp("us", tz="UTC")

_REL = [
    ("catalog_name", STR, "database name"),
    ("schema_name", STR, "schema name"),
    ("table_name", STR, "table, view or other relation name"),
]


def _schema(fields: list[tuple[str, pa.DataType, str]]) -> pa.Schema:
    return pa.schema(
        [pa.field(name, dtype, metadata={"description": doc}) for name, dtype, doc in fields]
    )


PROFILE_SCHEMA = _schema(
    [
        *_REL,
        ("column_name", STR, "column name"),
        ("ordinal", I32, "attnum, 1-based position"),
        ("data_type", STR, "declared type as format_type prints it"),
        (
            "method",
            STR,
            "statistics (pg_stats only, no table data read) | sample (a sample of the rows) "
            "| full (every row read)",
        ),
        ("row_estimate", I64, "planner estimate (reltuples) of the table's rows"),
        ("live_tuples", I64, "pg_stat n_live_tup"),
        ("dead_tuples", I64, "pg_stat n_dead_tup"),
        ("last_analyze", TS, "latest of last ANALYZE and last autoanalyze"),
        ("null_fraction", F64, "fraction of nulls per pg_stats, as of the last ANALYZE"),
        (
            "n_distinct",
            F64,
            "distinct values per pg_stats as an absolute count (a negative pg_stats value is "
            "a fraction of row_estimate); the best estimate of the true distinct count",
        ),
        ("avg_width", I32, "average width in bytes per pg_stats"),
        ("sampling", STR, "how rows were read: system | bernoulli (TABLESAMPLE) | limit"),
        ("sample_percent", F64, "TABLESAMPLE percent used; 100 for a limit read"),
        ("sampled_rows", I64, "rows read by the profiling query"),
        (
            "scaled_row_count",
            I64,
            "rows in the table estimated from the read: counted (full), rows per sampled page "
            "times current pages (system), rows / sampled fraction (bernoulli)",
        ),
        ("null_count", I64, "nulls among the sampled rows"),
        ("null_ratio", F64, "null_count / sampled_rows"),
        (
            "sample_distinct_count",
            I64,
            "distinct non-null values in the sample only, not the table: see n_distinct",
        ),
        (
            "min_value",
            STR,
            "smallest sampled value as text; null for a PII column unless include_pii_values "
            "(then masked with anonymize)",
        ),
        (
            "max_value",
            STR,
            "largest sampled value as text; null for a PII column unless include_pii_values "
            "(then masked with anonymize)",
        ),
        ("mean", F64, "mean of the sampled values, numeric types"),
        ("stddev", F64, "sample standard deviation of the sampled values, numeric types"),
        ("min_length", I64, "shortest sampled value in characters, text types"),
        ("max_length", I64, "longest sampled value in characters, text types"),
        ("avg_length", F64, "average sampled value length in characters, text types"),
        (
            "pii_class",
            STR,
            "email | phone | person_name | address | card_number | national_id; null if none",
        ),
        ("pii_source", STR, "name (column name) | value (sampled values)"),
        ("profile_seconds", F64, "wall time of the table's profiling query; null if none ran"),
    ]
)

FINDINGS_SCHEMA = _schema(
    [
        *_REL,
        ("object_name", STR, "the table, constraint, index or sequence the finding is about"),
        (
            "check",
            STR,
            "missing_primary_key | fk_without_index | not_valid_constraint | unused_index "
            "| duplicate_index | sequence_near_max",
        ),
        ("severity", STR, "info | warning | critical"),
        ("message", STR, "what is wrong and what to do, one line"),
    ]
)
