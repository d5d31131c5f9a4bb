"""Paged, searchable entities of a run, read from its Parquet files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.errors import ConfigError

# What can be browsed, and the column each kind is searched by name on.
SEARCHABLE = {
    "relations": "table_name", "columns": "column_name", "constraints": "constraint_name",
    "indexes": "index_name", "sequences": "sequence_name", "routines": "routine_name",
    "triggers": "trigger_name", "policies": "policy_name", "types": "type_name",
    "schemas": "schema_name",
    "databases": "catalog_name", "extensions": "extension_name", "privileges": "table_name",
    "view_dependencies": "table_name", "column_stats": "column_name",
}  # fmt: skip
EXTRA = {
    "lineage": "lineage/edges.parquet",
    "column_profiles": "quality/column_profiles.parquet",
    "findings": "quality/findings.parquet",
}
MAX_PAGE = 500


def page_entities(
    run_dir: Path, kind: str, query: str | None = None, schema: str | None = None,
    table: str | None = None, offset: int = 0, limit: int = 50,
) -> dict[str, Any]:  # fmt: skip
    """{"kind", "total", "offset", "limit", "items"}; `query` is a case-insensitive substring."""
    path = _path(run_dir, kind)
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise ConfigError(f"limit must be 1..{MAX_PAGE} and offset 0 or more")
    table_data = pq.read_table(path) if path.exists() else pa.table({})
    names = table_data.column_names
    name_column = SEARCHABLE.get(kind) or ("table_name" if "table_name" in names else None)
    masks: list[Any] = []
    if query and name_column:
        masks.append(pc.match_substring(table_data[name_column], query, ignore_case=True))
    for column, value in (("schema_name", schema), ("table_name", table)):
        if value and column in names:
            masks.append(pc.equal(table_data[column], pa.scalar(value)))
    if masks:
        combined = masks[0]
        for mask in masks[1:]:
            combined = pc.and_(combined, mask)
        table_data = table_data.filter(pc.fill_null(combined, False))
    items = table_data.slice(offset, limit).to_pylist()
    return {"kind": kind, "total": table_data.num_rows, "offset": offset, "limit": limit,
            "items": items}  # fmt: skip


def _path(run_dir: Path, kind: str) -> Path:
    if kind in SEARCHABLE:
        return run_dir / "raw" / f"{kind}.parquet"
    if kind in EXTRA:
        return run_dir / EXTRA[kind]
    kinds = ", ".join([*SEARCHABLE, *EXTRA])
    raise ConfigError(f"unknown entity kind '{kind[:30]}': one of {kinds}")
