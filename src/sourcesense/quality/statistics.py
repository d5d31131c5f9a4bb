"""Column profiles from what the extraction already holds: raw/*.parquet, no table data.

pg_stats figures are as of the last ANALYZE; a table never analyzed has none, which the
profile shows as nulls rather than guesses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys, relation_key
from sourcesense.quality import candidates

TableKey = tuple[str, str, str]  # catalog, schema, table

# Relation kinds that get column profiles. Partitions are left out: their parent's profile
# covers their rows, and columns.parquet lists their columns under the parent only.
PROFILED_KINDS = ("table", "partitioned_table", "materialized_view", "view", "foreign_table")


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    ordinal: int
    data_type: str
    base_type: str
    type_kind: str


@dataclass
class TableInfo:
    key: TableKey
    relation: dict[str, Any]
    columns: list[ColumnInfo] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ".".join(self.key)


_NAMES = ["catalog_name", "schema_name", "table_name"]
NEEDED = {
    "relations": [*_NAMES, "oid", "kind", "is_partition", "is_populated", "readable",
                  "row_estimate", "live_tuples", "dead_tuples", "last_analyze",
                  "last_autoanalyze"],
    "columns": [*_NAMES, "column_name", "ordinal", "data_type", "base_type", "type_kind"],
    "column_stats": [*_NAMES, "column_name", "inherited", "null_fraction", "n_distinct",
                     "avg_width"],
    "constraints": [*_NAMES, "constraint_name", "constraint_type", "columns",
                    "referenced_schema", "referenced_table", "is_validated"],
    "indexes": [*_NAMES, "index_name", "access_method", "columns", "include_columns",
                "is_unique", "is_primary", "is_exclusion", "is_valid", "predicate", "scans"],
}  # fmt: skip


@dataclass
class RawData:
    """What the checks read, as rows: from read_raw() only the rows a check could report on
    (sourcesense.quality.candidates), e.g. just the tables without a primary key."""

    relations: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    column_stats: list[dict[str, Any]]
    constraints: list[dict[str, Any]]
    indexes: list[dict[str, Any]]
    sequences: list[dict[str, Any]]
    # The files as read, for the columnar statistics: `columns` and `column_stats` above then
    # hold only what the findings need (the columns sequences own; no statistics).
    arrow: dict[str, pa.Table] = field(default_factory=dict, init=False)


def read_raw(run_dir: Path, warnings: list[str], only: set[str] | None = None) -> RawData:
    """The raw files quality needs; a missing one counts as empty, with a warning. With
    `only` (relation keys), just those relations' rows. Columns and statistics stay in Arrow
    (`arrow`): as Python rows they were most of the step's memory."""

    def table(kind: str) -> pa.Table | None:
        path = run_dir / "raw" / f"{kind}.parquet"
        if not path.exists():
            warnings.append(f"quality: raw/{kind}.parquet is missing; checks using it skipped")
            return None
        # Only the fields quality reads: columns.parquet alone can hold millions of rows.
        return pq.read_table(path, columns=NEEDED.get(kind))

    arrow = {kind: found for kind in ("relations", "columns", "column_stats", "constraints",
                                      "indexes", "sequences")
             if (found := table(kind)) is not None}  # fmt: skip
    sequences = _rows(arrow.get("sequences"))
    # The sequence check reads the types of the columns sequences own, wherever they are.
    owned: list[dict[str, Any]] = []
    if "columns" in arrow:
        owned = keep_keys(arrow["columns"], _owned(sequences), _COLUMN_KEY).to_pylist()
    if only is not None:
        arrow = {kind: found if kind == "sequences" else keep_keys(found, only)
                 for kind, found in arrow.items()}  # fmt: skip
    relations, constraints = arrow.get("relations"), arrow.get("constraints")
    indexes = arrow.get("indexes")
    data = RawData(
        relations=_rows(candidates.tables_without_primary_key(relations, constraints)
                        if relations is not None else None),
        columns=owned,
        column_stats=[],
        constraints=_rows(candidates.checked_constraints(constraints)
                          if constraints is not None else None),
        indexes=_rows(candidates.checked_indexes(indexes, constraints)
                      if indexes is not None else None),
        sequences=sequences,
    )  # fmt: skip
    data.arrow = arrow
    return data


def _rows(found: pa.Table | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = found.to_pylist() if found is not None else []
    return rows


_COLUMN_KEY = ["catalog_name", "schema_name", "table_name", "column_name"]


def _owned(sequences: list[dict[str, Any]]) -> set[str]:
    """Keys of the columns sequences belong to."""
    keys = set()
    for seq in sequences:
        table = relation_key(seq["catalog_name"], seq["owned_by_schema"], seq["owned_by_table"])
        if seq["owned_by_table"] is not None:
            keys.add(f"{table}\x1f{seq['owned_by_column']}")
    return keys


def rel_key(row: dict[str, Any]) -> TableKey:
    return (row["catalog_name"], row["schema_name"], row["table_name"])


def load_tables(raw: RawData) -> list[TableInfo]:
    """Profiled relations with their columns in ordinal order, sorted by name."""
    relations = _rows(raw.arrow["relations"]) if "relations" in raw.arrow else raw.relations
    tables = {
        rel_key(rel): TableInfo(rel_key(rel), rel)
        for rel in relations
        if rel["kind"] in PROFILED_KINDS and not rel["is_partition"]
    }
    columns = _rows(raw.arrow["columns"]) if "columns" in raw.arrow else raw.columns
    for col in sorted(columns, key=lambda c: int(c["ordinal"])):
        table = tables.get(rel_key(col))
        if table is not None:
            table.columns.append(
                ColumnInfo(
                    name=col["column_name"],
                    ordinal=int(col["ordinal"]),
                    data_type=col["data_type"],
                    base_type=col["base_type"] or col["data_type"],
                    type_kind=col["type_kind"] or "base",
                )
            )
    return [tables[key] for key in sorted(tables)]


def _stats_by_column(
    raw: RawData, tables: dict[TableKey, TableInfo]
) -> dict[tuple[TableKey, str], dict[str, Any]]:
    """One pg_stats row per column: the inheritance-tree row for a partitioned table (the
    only one it has), the table's own row otherwise."""
    chosen: dict[tuple[TableKey, str], dict[str, Any]] = {}
    stat_rows = _rows(raw.arrow.get("column_stats")) if raw.arrow else raw.column_stats
    for stat in stat_rows:
        table = tables.get(rel_key(stat))
        if table is None:
            continue
        wants_inherited = table.relation["kind"] == "partitioned_table"
        slot = (table.key, stat["column_name"])
        if slot not in chosen or bool(stat["inherited"]) == wants_inherited:
            chosen[slot] = stat
    return chosen


def absolute_n_distinct(n_distinct: float | None, row_estimate: int | None) -> float | None:
    """pg_stats n_distinct as a count: a negative value is minus a fraction of the rows."""
    if n_distinct is None:
        return None
    if n_distinct >= 0:
        return float(n_distinct)
    if row_estimate is None:
        return None
    return round(-n_distinct * row_estimate, 1)


def _latest(*stamps: datetime | None) -> datetime | None:
    present = [stamp for stamp in stamps if stamp is not None]
    return max(present) if present else None


def statistics_profiles(
    raw: RawData, tables: list[TableInfo]
) -> dict[tuple[TableKey, str], dict[str, Any]]:
    """A profile row per column of every table, from statistics only (method 'statistics')."""
    stats = _stats_by_column(raw, {table.key: table for table in tables})
    profiles: dict[tuple[TableKey, str], dict[str, Any]] = {}
    for table in tables:
        rel = table.relation
        for col in table.columns:
            stat = stats.get((table.key, col.name), {})
            profiles[(table.key, col.name)] = {
                "catalog_name": table.key[0],
                "schema_name": table.key[1],
                "table_name": table.key[2],
                "column_name": col.name,
                "ordinal": col.ordinal,
                "data_type": col.data_type,
                "method": "statistics",
                "row_estimate": rel["row_estimate"],
                "live_tuples": rel["live_tuples"],
                "dead_tuples": rel["dead_tuples"],
                "last_analyze": _latest(rel["last_analyze"], rel["last_autoanalyze"]),
                "null_fraction": stat.get("null_fraction"),
                "n_distinct": absolute_n_distinct(stat.get("n_distinct"), rel["row_estimate"]),
                "avg_width": stat.get("avg_width"),
            }
    return profiles


def group_by_catalog(tables: list[TableInfo]) -> dict[str, list[TableInfo]]:
    grouped: dict[str, list[TableInfo]] = defaultdict(list)
    for table in tables:
        grouped[table.key[0]].append(table)
    return dict(grouped)
