"""Statistics-only column profiles as one Arrow table: joins and compute kernels over the raw
files, no Python object per column (the dict-per-column build held about 400 MB on a
200,000-column catalog). The rows, their order and their values are those of
statistics.statistics_profiles overlaid by assess.profile_rows without samples."""

from __future__ import annotations

from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc

from sourcesense.quality import pii
from sourcesense.quality.schemas import PROFILE_SCHEMA
from sourcesense.quality.schemas import TS as TIMESTAMP
from sourcesense.quality.statistics import PROFILED_KINDS

_NAMES = ["catalog_name", "schema_name", "table_name"]
ANALYZED = ("last_analyze", "last_autoanalyze")
_REL_FIELDS = ["row_estimate", "live_tuples", "dead_tuples", "kind"]


def _col(table: pa.Table, name: str) -> Any:
    """A column, untyped: pyarrow's stubs type few compute kernels usably."""
    return table.column(name)


def profiled_relations(relations: pa.Table) -> pa.Table:
    """The profiled relations' names, figures and latest analyze (partitions left out)."""
    keep = pc.and_(
        pc.is_in(_col(relations, "kind"), pa.array(PROFILED_KINDS)),
        pc.invert(pc.fill_null(_col(relations, "is_partition"), False)),
    )
    rels = relations.filter(keep)
    # max_element_wise has no timestamp kernel: compared as their integer microseconds.
    stamps = [
        pc.cast(_col(rels, name), pa.int64()) for name in ("last_analyze", "last_autoanalyze")
    ]
    latest: Any = pc.cast(pc.max_element_wise(*stamps, skip_nulls=True), TIMESTAMP)
    return rels.select([*_NAMES, *_REL_FIELDS]).append_column("last_analyze", latest)


def _chosen_stats(stats: pa.Table, rels: pa.Table) -> pa.Table:
    """One pg_stats row per column: the last row whose `inherited` matches the table (the
    inheritance tree for a partitioned table, its own rows otherwise), else the first."""
    stats = stats.append_column("_row", pa.array(range(stats.num_rows), pa.int64()))
    stats = stats.join(rels.select([*_NAMES, "kind"]), _NAMES, join_type="inner")
    wants = pc.equal(_col(stats, "kind"), pa.scalar("partitioned_table"))
    matches = pc.equal(pc.fill_null(_col(stats, "inherited"), False), wants)
    stats = stats.append_column("_match", pc.if_else(matches, _col(stats, "_row"), None))
    groups = stats.group_by([*_NAMES, "column_name"], use_threads=False).aggregate(
        [("_match", "max"), ("_row", "min")]
    )
    rows = pc.coalesce(_col(groups, "_match_max"), _col(groups, "_row_min"))
    chosen = stats.sort_by("_row")
    picked: Any = pc.index_in(rows, _col(chosen, "_row"))
    return chosen.take(picked).select(
        [*_NAMES, "column_name", "null_fraction", "n_distinct", "avg_width"]
    )


def _absolute_n_distinct(n_distinct: Any, rows: Any) -> Any:
    """statistics.absolute_n_distinct over whole columns."""
    n_distinct = cast(Any, pc.cast(n_distinct, pa.float64()))
    scaled: Any = pc.multiply(pc.negate(n_distinct), pc.cast(rows, pa.float64()))
    rounded = pc.round(scaled, ndigits=1, round_mode="half_to_even")
    return pc.if_else(pc.greater_equal(n_distinct, pa.scalar(0.0)), n_distinct, rounded)


def _pii_by_name(names: Any, base_types: Any) -> tuple[Any, Any]:
    """(pii_class, pii_source) from names alone: classified once per distinct name and type
    (identifiers hold no NUL, so it separates them)."""
    pairs = pc.binary_join_element_wise(names, base_types, "\x00")
    encoded: Any = pc.dictionary_encode(pairs).combine_chunks()
    classes = [pii.classify_name(*pair.split("\x00")) for pair in encoded.dictionary.to_pylist()]
    pii_class = pa.array(classes, pa.string()).take(encoded.indices)
    pii_source = pc.if_else(pc.is_null(pii_class), pa.scalar(None, pa.string()), "name")
    return pii_class, pii_source


def statistics_table(
    relations: pa.Table, columns: pa.Table, stats: pa.Table | None, classify_pii: bool
) -> pa.Table:
    """The profile rows (PROFILE_SCHEMA) of every column of the profiled relations, sorted by
    relation name and ordinal."""
    rels = profiled_relations(relations)
    table = columns.join(rels, _NAMES, join_type="inner")
    if stats is not None and stats.num_rows:
        table = table.join(_chosen_stats(stats, rels), [*_NAMES, "column_name"])
    table = table.sort_by([(name, "ascending") for name in [*_NAMES, "ordinal"]])
    count = table.num_rows
    values: dict[str, Any] = {name: _col(table, name) for name in table.column_names}
    values["method"] = pa.repeat("statistics", count)
    if "n_distinct" in values:
        values["n_distinct"] = _absolute_n_distinct(values["n_distinct"], values["row_estimate"])
    if classify_pii:
        base = pc.coalesce(values["base_type"], values["data_type"])
        values["pii_class"], values["pii_source"] = _pii_by_name(values["column_name"], base)
    arrays = [
        pc.cast(values[f.name], f.type) if f.name in values else pa.nulls(count, f.type)
        for f in PROFILE_SCHEMA
    ]
    return pa.Table.from_arrays(arrays, schema=PROFILE_SCHEMA)
