"""What a run holds, in a few numbers: read back from its files, not from memory."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from sourcesense.store.rundir import MANIFEST


def read_manifest(run_dir: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    return manifest


def relation_breakdown(run_dir: Path) -> dict[str, int]:
    """Relations per kind, with partitions counted apart from the tables they roll up into."""
    table = pq.read_table(run_dir / "raw" / "relations.parquet", columns=["kind", "is_partition"])
    kinds = Counter(
        "partitions" if row["is_partition"] else str(row["kind"]) for row in table.to_pylist()
    )
    return dict(sorted(kinds.items(), key=lambda item: _ORDER.index(item[0])))


_ORDER = ["table", "partitioned_table", "partitions", "view", "materialized_view", "foreign_table"]
