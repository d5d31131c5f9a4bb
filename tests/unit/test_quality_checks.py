"""Schema checks, sampling plans and query composition without a server, on hand-made rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sourcesense.errors import ConfigError
from sourcesense.quality import FINDINGS_SCHEMA, PROFILE_SCHEMA, QualityOptions, assess, candidates
from sourcesense.quality.findings import (
    duplicate_indexes,
    missing_primary_keys,
    sequence_usage,
    sequences_near_max,
    unindexed_foreign_keys,
    unused_indexes,
)
from sourcesense.quality.sampling import (
    SamplePlan,
    choose_plan,
    column_category,
    profile_query,
    scale_rows,
)
from sourcesense.quality.statistics import (
    ColumnInfo,
    RawData,
    TableInfo,
    absolute_n_distinct,
)

WHERE = {"catalog_name": "db", "schema_name": "s", "table_name": "t"}


def index(name: str, columns: list[str], **kw: Any) -> dict[str, Any]:
    row = {**WHERE, "index_name": name, "columns": columns, "include_columns": [],
           "access_method": "btree", "is_unique": False, "is_primary": False,
           "is_exclusion": False, "is_valid": True, "predicate": None, "scans": 5}  # fmt: skip
    return row | kw


def fk(columns: list[str]) -> dict[str, Any]:
    return {**WHERE, "constraint_name": "t_fk", "constraint_type": "foreign_key",
            "columns": columns, "referenced_schema": "s", "referenced_table": "u",
            "is_validated": True}  # fmt: skip


def raw(**kinds: list[dict[str, Any]]) -> RawData:
    empty: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("relations", "columns", "column_stats", "constraints", "indexes",
                        "sequences")
    }  # fmt: skip
    return RawData(**(empty | kinds))


def test_fk_needs_an_index_led_by_its_columns_in_any_order() -> None:
    two = fk(["a", "b"])
    assert not unindexed_foreign_keys(raw(constraints=[two], indexes=[index("i", ["b", "a", "c"])]))
    assert unindexed_foreign_keys(raw(constraints=[two], indexes=[index("i", ["a"])]))
    assert unindexed_foreign_keys(raw(constraints=[two], indexes=[index("i", ["a", "c", "b"])]))
    partial = index("i", ["a", "b"], predicate="(a > 0)")
    assert unindexed_foreign_keys(raw(constraints=[two], indexes=[partial]))
    invalid = index("i", ["a", "b"], is_valid=False)
    assert unindexed_foreign_keys(raw(constraints=[two], indexes=[invalid]))
    hashed = index("i", ["a"], access_method="hash")
    assert not unindexed_foreign_keys(raw(constraints=[fk(["a"])], indexes=[hashed]))
    gin = index("i", ["a"], access_method="gin")
    assert unindexed_foreign_keys(raw(constraints=[fk(["a"])], indexes=[gin]))


def test_duplicates_keep_the_constraint_index() -> None:
    indexes = [
        index("z_pkey", ["id"], is_primary=True, is_unique=True),
        index("a_dup", ["id"]),
        index("b_partial", ["id"], predicate="(id > 0)"),
        index("c_covering", ["id"], include_columns=["x"]),
        index("d_hash", ["id"], access_method="hash"),
        index("e_order", ["x", "id"]),
        index("f_order", ["id", "x"]),
    ]
    found = duplicate_indexes(raw(indexes=indexes))
    assert [(f["object_name"], "z_pkey" in f["message"]) for f in found] == [("a_dup", True)]


def test_unused_indexes_skip_constraint_and_unknown() -> None:
    indexes = [
        index("plain", ["a"], scans=0),
        index("used", ["a"], scans=1),
        index("unique", ["a"], scans=0, is_unique=True),
        index("excl", ["a"], scans=0, is_exclusion=True),
        index("building", ["a"], scans=0, is_valid=False),
        index("partitioned_parent", ["a"], scans=None),
    ]
    assert [f["object_name"] for f in unused_indexes(raw(indexes=indexes))] == ["plain"]


def test_missing_primary_keys_only_for_tables() -> None:
    def rel(name: str, kind: str, is_partition: bool = False) -> dict[str, Any]:
        return {**WHERE, "table_name": name, "kind": kind, "is_partition": is_partition}

    relations = [rel("t", "table"), rel("p", "partitioned_table"), rel("p1", "table", True),
                 rel("v", "view"), rel("m", "materialized_view"), rel("k", "table")]  # fmt: skip
    pk = {**WHERE, "table_name": "k", "constraint_type": "primary_key"}
    found = missing_primary_keys(raw(relations=relations, constraints=[pk]))
    assert [f["object_name"] for f in found] == ["t", "p"]


def seq(**kw: Any) -> dict[str, Any]:
    row = {"catalog_name": "db", "schema_name": "s", "sequence_name": "q", "increment": 1,
           "min_value": 1, "max_value": 100, "last_value": 90, "is_cycle": False,
           "owned_by_schema": None, "owned_by_table": None, "owned_by_column": None}  # fmt: skip
    return row | kw


def test_sequence_usage_in_either_direction_and_by_column_type() -> None:
    assert sequence_usage(seq(), None) == pytest.approx(89 / 99)
    down = seq(increment=-1, min_value=-100, max_value=-1, last_value=-91)
    assert sequence_usage(down, None) == pytest.approx(90 / 99)
    assert sequence_usage(seq(increment=-1, last_value=90), None) == pytest.approx(10 / 99)
    big = seq(max_value=2**63 - 1, last_value=2_000_000_000)
    assert sequence_usage(big, None) == pytest.approx(0, abs=1e-9)
    assert sequence_usage(big, "integer") == pytest.approx(2_000_000_000 / (2**31 - 2))
    assert sequence_usage(seq(last_value=None), None) is None


def test_sequences_near_max_severity_and_exclusions() -> None:
    rows = [
        seq(sequence_name="a", last_value=81),
        seq(sequence_name="b", last_value=99),
        seq(sequence_name="c", last_value=80),
        seq(sequence_name="d", is_cycle=True),
    ]
    found = sequences_near_max(raw(sequences=rows))
    assert [(f["object_name"], f["severity"]) for f in found] == [
        ("a", "warning"), ("b", "critical")
    ]  # fmt: skip


def test_n_distinct_as_a_count() -> None:
    assert absolute_n_distinct(-0.5, 1000) == 500
    assert absolute_n_distinct(-1.0, None) is None
    assert absolute_n_distinct(42.0, 1000) == 42
    assert absolute_n_distinct(None, 1000) is None


def test_sampling_plans() -> None:
    options = QualityOptions()
    assert choose_plan(None, None, options) == SamplePlan("limit", 100.0)
    assert choose_plan(100_000, 1_000, options) == SamplePlan("limit", 100.0)
    assert choose_plan(1_000_000, 10_000, options) == SamplePlan("system", 1.0)
    assert choose_plan(200_000, 2_000, options) == SamplePlan("bernoulli", 1.0)
    # 1% of 100M rows would be 1M > row_cap: the percent shrinks so the sample fits.
    big = choose_plan(100_000_000, 1_000_000, options)
    assert big.sampling == "system" and big.percent == pytest.approx(0.09)


def test_scaling_rows() -> None:
    assert scale_rows(SamplePlan("limit", 100.0), 42, 0, None, 100) == ("full", 42)
    assert scale_rows(SamplePlan("limit", 100.0), 100, 0, None, 100) == ("sample", None)
    assert scale_rows(SamplePlan("system", 1.0), 9_000, 100, 11_000, 10**5) == ("sample", 990_000)
    assert scale_rows(SamplePlan("bernoulli", 2.0), 500, 0, None, 10**5) == ("sample", 25_000)


@pytest.mark.parametrize(
    ("base_type", "type_kind", "category"),
    [
        ("numeric(10,2)", "domain", "numeric"),
        ("double precision", "base", "numeric"),
        ("character varying(20)", "base", "text"),
        ("public.citext", "base", "text"),
        ("timestamp(3) with time zone", "base", "ordered"),
        ("s.mood", "enum", "ordered"),
        ("boolean", "base", "boolean"),
        ("integer", "array", "other"),
        ("jsonb", "base", "other"),
        ("uuid", "base", "other"),
    ],
)
def test_column_categories(base_type: str, type_kind: str, category: str) -> None:
    assert column_category(ColumnInfo("c", 1, base_type, base_type, type_kind)) == category


def test_profile_query_quotes_identifiers() -> None:
    cols = [ColumnInfo('we"ird', 1, "text", "text", "base")]
    rel = {"oid": 16384, "kind": "table"}
    table = TableInfo(("db", "Sch ema", "t; DROP TABLE x"), rel, cols)
    text = profile_query(table, SamplePlan("system", 0.5), QualityOptions()).as_string(None)
    assert 'FROM ONLY "Sch ema"."t; DROP TABLE x" TABLESAMPLE SYSTEM (0.5) LIMIT 100000' in text
    assert '"we""ird" AS "c0"' in text
    table.relation = {"oid": 16384, "kind": "partitioned_table"}
    text = profile_query(table, SamplePlan("limit", 100.0), QualityOptions()).as_string(None)
    assert 'FROM "Sch ema"."t; DROP TABLE x" LIMIT 100000' in text


@pytest.mark.parametrize(
    "options",
    [
        QualityOptions(sample_percent=0),
        QualityOptions(sample_percent=101),
        QualityOptions(row_cap=0),
        QualityOptions(budget_seconds=0),
        QualityOptions(statement_timeout_ms=0),
    ],
)
def test_bad_options(options: QualityOptions, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        assess(tmp_path, None, options)


def test_assess_without_raw_files_or_source(tmp_path: Path) -> None:
    warnings = assess(tmp_path, None, QualityOptions(profile=True))
    assert "quality: profiling asked for without a source; statistics only" in warnings
    assert "quality: raw/relations.parquet is missing; checks using it skipped" in warnings
    for name, schema in (("column_profiles", PROFILE_SCHEMA), ("findings", FINDINGS_SCHEMA)):
        written = pq.read_table(tmp_path / "quality" / f"{name}.parquet")
        assert written.num_rows == 0 and written.schema.equals(schema)
        assert all(f.metadata and f.metadata[b"description"] for f in written.schema)
    assert sorted(p.name for p in (tmp_path / "quality").iterdir()) == [
        "column_profiles.parquet", "findings.parquet"
    ]  # fmt: skip


_INDEX_TYPES = pa.schema(
    [(name, pa.string()) for name in ("catalog_name", "schema_name", "table_name", "index_name",
                                      "access_method", "predicate")]
    + [(name, pa.list_(pa.string())) for name in ("columns", "include_columns")]
    + [(name, pa.bool_()) for name in ("is_unique", "is_primary", "is_exclusion", "is_valid")]
    + [("scans", pa.int64())]
)  # fmt: skip
_CONSTRAINT_TYPES = pa.schema(
    [(name, pa.string()) for name in ("catalog_name", "schema_name", "table_name",
                                      "constraint_name", "constraint_type", "referenced_schema",
                                      "referenced_table")]
    + [("columns", pa.list_(pa.string())), ("is_validated", pa.bool_())]
)  # fmt: skip


def test_candidate_indexes_give_the_findings_of_all_indexes() -> None:
    """The Arrow prefilter keeps every index a check could report on, and no check's result
    changes when it sees only those."""
    fks = [fk(["a", "b"]), {**fk(["x"]), "constraint_name": "t_fk2"}]
    indexes = [
        index("lead_b", ["b", "a", "c"]), index("lead_x", ["x"], access_method="hash"),
        index("lead_partial", ["a", "b"], predicate="(a > 0)"),
        index("z_pkey", ["id"], is_primary=True, is_unique=True), index("dup", ["id"]),
        index("dup_expr", [], scans=3), index("dup_expr2", [], scans=3),
        index("unused", ["q"], scans=0), index("used", ["q", "r"]),
        index("unique_unused", ["r"], scans=0, is_unique=True),
        index("other_table", ["a"], table_name="u"),
    ]  # fmt: skip
    constraints = pa.Table.from_pylist(fks, schema=_CONSTRAINT_TYPES)
    kept = candidates.checked_indexes(pa.Table.from_pylist(indexes, _INDEX_TYPES), constraints)
    names = set(kept.column("index_name").to_pylist())
    assert names == {"lead_b", "lead_x", "z_pkey", "dup", "dup_expr", "dup_expr2", "unused"}
    narrowed = raw(constraints=fks, indexes=kept.to_pylist())
    full = raw(constraints=fks, indexes=indexes)
    for check in (unindexed_foreign_keys, unused_indexes, duplicate_indexes):
        assert check(narrowed) == check(full)


def test_candidate_tables_are_those_without_a_primary_key() -> None:
    rows = [{**WHERE, "table_name": name, "kind": kind, "is_partition": part}
            for name, kind, part in [("t", "table", False), ("k", "table", False),
                                     ("p1", "table", True), ("v", "view", False)]]  # fmt: skip
    pk = {**WHERE, "table_name": "k", "constraint_name": "k_pkey",
          "constraint_type": "primary_key", "columns": ["id"], "is_validated": True}  # fmt: skip
    kept = candidates.tables_without_primary_key(
        pa.Table.from_pylist(rows), pa.Table.from_pylist([pk], schema=_CONSTRAINT_TYPES)
    )
    assert kept.column("table_name").to_pylist() == ["t"]
