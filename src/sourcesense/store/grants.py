"""Grants of a run seen from the roles' side: who holds privileges, and what one role holds.

Read from the results index (store.results) of raw/privileges.parquet: Arrow compute on the
cached table, one page of rows copied out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from sourcesense.errors import ConfigError
from sourcesense.store.results import MAX_PAGE, IndexCache

_COLUMNS = ("catalog_name", "schema_name", "table_name", "column_name", "privilege_type")
ORDER: list[tuple[str, Literal["ascending", "descending"]]] = [(c, "ascending") for c in _COLUMNS]


def roles(index: IndexCache, run_dir: Path, database: str | None = None) -> list[dict[str, Any]]:
    """[{"role", "grants"}] of every grantee, most grants first, then by name."""
    data = _in_database(index.table(run_dir, "privileges"), database)
    if "grantee" not in data.column_names:
        return []
    values: Any = pc.value_counts(data["grantee"])
    counts: list[dict[str, Any]] = values.to_pylist()
    found = [{"role": str(c["values"]), "grants": int(c["counts"])} for c in counts]
    return sorted(found, key=lambda r: (-r["grants"], r["role"]))


def role_grants(
    index: IndexCache, run_dir: Path, role: str, database: str | None = None,
    offset: int = 0, limit: int = 50,
) -> dict[str, Any]:  # fmt: skip
    """{"role", "total", "offset", "limit", "items"}: the privileges granted to `role`."""
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise ConfigError(f"limit must be 1..{MAX_PAGE} and offset 0 or more")
    data = _in_database(index.table(run_dir, "privileges"), database)
    if "grantee" in data.column_names:
        data = data.filter(_equal(data, "grantee", role))
        data = data.take(pc.sort_indices(data, ORDER))
    rows = data.slice(offset, limit)
    rows = rows.drop_columns([c for c in rows.column_names if c.startswith("__")])
    return {"role": role, "total": data.num_rows, "offset": offset, "limit": limit,
            "items": rows.to_pylist()}  # fmt: skip


def _in_database(data: pa.Table, database: str | None) -> pa.Table:
    if not database or "catalog_name" not in data.column_names:
        return data
    return data.filter(_equal(data, "catalog_name", database))


def _equal(data: pa.Table, column: str, value: str) -> Any:
    matches: Any = pc.equal(data[column], pa.scalar(value))
    return pc.fill_null(matches, False)
