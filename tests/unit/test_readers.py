"""rows_per_relation: the grouping read_rows' rows give, a batch at a time."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import relation_key
from sourcesense.store import readers
from sourcesense.store.readers import rows_per_relation


def test_rows_per_relation_in_key_order_file_order_within(tmp_path: Path) -> None:
    names = ["b", "a", "x", "b", "a", "b"]  # interleaved; x is not asked for
    table = pa.table({
        "catalog_name": ["db"] * 6, "schema_name": ["s"] * 6, "table_name": names,
        "ordinal": [1, 1, 1, 2, 2, 3],
    })  # fmt: skip
    (tmp_path / "raw").mkdir()
    pq.write_table(table, tmp_path / "raw" / "columns.parquet")
    keys = [relation_key("db", "s", name) for name in ("a", "c", "b")]
    readers.ROW_BATCH = 2  # groups that span batches
    try:
        groups = list(
            rows_per_relation(tmp_path, "raw/columns.parquet", keys, ["table_name", "ordinal"])
        )
    finally:
        readers.ROW_BATCH = 8_192
    assert groups == [
        [{"table_name": "a", "ordinal": 1}, {"table_name": "a", "ordinal": 2}],
        [],
        [{"table_name": "b", "ordinal": n} for n in (1, 2, 3)],
    ]
    only = {keys[2]}
    assert [len(g) for g in rows_per_relation(tmp_path, "raw/columns.parquet", keys, None, only)
            ] == [0, 0, 3]  # fmt: skip
    assert list(rows_per_relation(tmp_path, "raw/missing.parquet", keys)) == [[], [], []]
