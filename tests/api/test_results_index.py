"""The results index of a run: built from its Parquet files once, rebuilt when a file
changes, sorted and filtered together, and held for a few runs only."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sourcesense.errors import ConfigError
from sourcesense.extract.schemas import SCHEMAS
from sourcesense.store.results import IndexCache, Query


def write_relations(run_dir: Path, names: list[tuple[str, str, str]]) -> None:
    (run_dir / "raw").mkdir(parents=True, exist_ok=True)
    schema = SCHEMAS["relations"]
    columns = {field.name: pa.nulls(len(names), field.type) for field in schema}
    for position, name in enumerate(("catalog_name", "schema_name", "table_name")):
        columns[name] = pa.array([row[position] for row in names])
    columns["comment"] = pa.array([f"about {row[2]}" for row in names])
    pq.write_table(pa.table(columns, schema=schema), run_dir / "raw" / "relations.parquet")


def names(page: dict[str, object]) -> list[str]:
    items = page["items"]
    assert isinstance(items, list)
    return [str(row["table_name"]) for row in items]


def test_filters_sorting_and_paging_together(tmp_path: Path) -> None:
    rows = [(f"db{n % 2}", "public", f"t{n:02}") for n in range(20)]
    write_relations(tmp_path / "run", rows)
    index = IndexCache(2)
    query = Query(database="db1", sort="-table_name", offset=2, limit=3, facets=True)
    page = index.page(tmp_path / "run", query)
    assert page["total"] == 10
    assert names(page) == ["t15", "t13", "t11"]
    assert page["facets"]["catalog_name"] == {"db1": 10}
    assert names(index.page(tmp_path / "run", Query(text="ABOUT T07"))) == ["t07"]
    with pytest.raises(ConfigError, match="cannot sort"):
        index.page(tmp_path / "run", Query(sort="__text"))


def test_rebuilt_when_the_file_changes_and_few_runs_held(tmp_path: Path) -> None:
    index = IndexCache(2)
    run = tmp_path / "a"
    write_relations(run, [("db", "s", "one")])
    assert index.page(run, Query())["total"] == 1
    write_relations(run, [("db", "s", "one"), ("db", "s", "two")])
    os.utime(run / "raw" / "relations.parquet", ns=(1, 1))  # another stamp, whatever the clock
    assert names(index.page(run, Query(sort="table_name"))) == ["one", "two"]
    for other in ("b", "c"):
        write_relations(tmp_path / other, [("db", "s", other)])
        index.page(tmp_path / other, Query())
    assert index.runs_held == 2
