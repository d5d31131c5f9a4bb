"""Reading a run directory back: rows of one kind, as plain dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


def read_rows(
    run_dir: Path, relative: str, columns: list[str] | None = None
) -> list[dict[str, Any]]:
    """Rows of run_dir/<relative> (e.g. 'raw/columns.parquet'); none when the file is absent."""
    path = run_dir / relative
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = pq.read_table(path, columns=columns).to_pylist()
    return rows


def raw(run_dir: Path, kind: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    return read_rows(run_dir, f"raw/{kind}.parquet", columns)
