"""Reading a run directory back: rows of one kind, as plain dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import KEY_FIELDS, keep_keys


def read_rows(
    run_dir: Path,
    relative: str,
    columns: list[str] | None = None,
    only: set[str] | None = None,
    key_fields: list[str] = KEY_FIELDS,
) -> list[dict[str, Any]]:
    """Rows of run_dir/<relative> (e.g. 'raw/columns.parquet'); none when the file is absent.
    With `only` (relation keys, read from `key_fields`), just those relations' rows."""
    path = run_dir / relative
    if not path.exists():
        return []
    table = pq.read_table(path, columns=columns)
    rows: list[dict[str, Any]] = (
        table if only is None else keep_keys(table, only, key_fields)
    ).to_pylist()
    return rows


def raw(run_dir: Path, kind: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    return read_rows(run_dir, f"raw/{kind}.parquet", columns)
