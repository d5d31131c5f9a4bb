"""The per-kind Parquet writers of a part: renamed into place on close, discarded whole."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.store.rundir import ParquetSink

SCHEMA = pa.schema([("name", pa.string())])


def batch(*names: str) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([{"name": n} for n in names], schema=SCHEMA)


def test_a_discarded_kind_closes_empty_and_a_rewrite_keeps_only_the_new_rows(
    tmp_path: Path,
) -> None:
    sink = ParquetSink(tmp_path, {"a": SCHEMA, "b": SCHEMA})
    sink.write("a", batch("x", "y"))
    sink.write("b", batch("kept"))
    sink.discard("a")
    sink.discard("a")  # nothing left to drop: no error
    sink.close(["a", "b"])
    assert pq.read_table(tmp_path / "a.parquet").num_rows == 0
    assert pq.read_table(tmp_path / "b.parquet").column("name").to_pylist() == ["kept"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet"]

    again = ParquetSink(tmp_path, {"a": SCHEMA})
    again.write("a", batch("first try"))
    again.discard("a")
    again.write("a", batch("second try"))
    again.close(["a"])
    assert pq.read_table(tmp_path / "a.parquet").column("name").to_pylist() == ["second try"]
