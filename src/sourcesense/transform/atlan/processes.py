"""View lineage as Atlan processes: one Process per view or materialised view (inputs: the
relations it reads, outputs: the view) and one ColumnProcess per view column with sources
(inputs: the source columns, outputs: the view column, process: the view's Process).

qualifiedNames are what pyatlan's Process.Attributes.generate_qualified_name builds when
given a process_id: `<connection>/<process_id>`, the process_id being the MD5 hex digest of
the output's qualifiedName. So a view keeps its Process from run to run, whatever it reads.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys, relation_key
from sourcesense.lineage.edges import EDGES_FILE
from sourcesense.transform.atlan.common import (
    TABLE_TYPES,
    Entity,
    Item,
    Relation,
    RelationName,
    entity,
    ref,
)  # fmt: skip

_TARGET = ["catalog_name", "target_schema", "target_table"]


def process_qualified_name(connection: str, output_qn: str) -> str:
    return f"{connection}/{hashlib.md5(output_qn.encode()).hexdigest()}"  # noqa: S324 (a name)


def process_items(
    run_dir: Path, relations: list[Relation], connection: str, base: dict[str, Any],
    reused: frozenset[str],
) -> Iterator[Item]:  # fmt: skip
    """Per view, in relations order: its Process, then its ColumnProcesses."""
    types = {
        (r["catalog_name"], r["schema_name"], r["table_name"]):
            "TablePartition" if r["is_partition"] else TABLE_TYPES[r["kind"]]
        for r in relations
    }  # fmt: skip
    definitions = {
        (r["catalog_name"], r["schema_name"], r["table_name"]): r["definition"]
        for r in relations if r["kind"] in ("view", "materialized_view")
    }  # fmt: skip
    views = list(definitions)
    keys = {name: relation_key(*name) for name in views}
    edges = _view_edges(run_dir, {keys[name] for name in views} - reused)
    for name in views:
        key = keys[name]
        if key in reused:
            yield key, "Process", None
            yield key, "ColumnProcess", None
            continue
        view = (name, definitions[name])
        for found in _view_entities(view, edges.get(name, []), types, connection, base):
            yield key, found["typeName"], found


def _view_edges(run_dir: Path, only: set[str]) -> dict[RelationName, list[dict[str, Any]]]:
    path = run_dir / EDGES_FILE
    found: dict[RelationName, list[dict[str, Any]]] = defaultdict(list)
    if not path.exists() or not only:
        return found
    table = pq.read_table(path)
    table = keep_keys(table.filter(pc.equal(table["edge_kind"], pa.scalar("view"))), only, _TARGET)
    for row in table.to_pylist():
        found[(row["catalog_name"], row["target_schema"], row["target_table"])].append(row)
    return found


def _view_entities(
    view_sql: tuple[RelationName, str | None], edges: list[dict[str, Any]],
    types: dict[RelationName, str], connection: str, base: dict[str, Any],
) -> list[Entity]:  # fmt: skip
    """The view's Process (its `sql` the view's definition) and ColumnProcesses; sources
    outside this run are left out (Atlan refuses a reference to an asset it does not have),
    and so is a view with none left."""
    view, sql = view_sql
    catalog = view[0]

    def qn(schema: str, table: str, column: str | None = None) -> str:
        return f"{connection}/{catalog}/{schema}/{table}" + (f"/{column}" if column else "")

    sources = sorted({(e["source_schema"], e["source_table"]) for e in edges
                      if (catalog, e["source_schema"], e["source_table"]) in types})  # fmt: skip
    if not sources:
        return []
    view_qn = qn(view[1], view[2])
    process_qn = process_qualified_name(connection, view_qn)
    inputs = [ref(types[(catalog, *source)], qn(*source)) for source in sources]
    out = [entity(
        "Process", f"{view[1]}.{view[2]}", process_qn, base,
        inputs=inputs, outputs=[ref(types[view], view_qn)], sql=sql,
    )]  # fmt: skip
    by_column: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for e in edges:
        if e["level"] == "column" and (e["source_schema"], e["source_table"]) in sources:
            by_column[e["target_column"]].add((e["source_schema"], e["source_table"],
                                               e["source_column"]))  # fmt: skip
    for column in sorted(by_column):
        column_qn = qn(view[1], view[2], column)
        out.append(entity(
            "ColumnProcess", f"{view[1]}.{view[2]}.{column}",
            process_qualified_name(connection, column_qn), base,
            inputs=[ref("Column", qn(*source)) for source in sorted(by_column[column])],
            outputs=[ref("Column", column_qn)], process=ref("Process", process_qn),
        ))  # fmt: skip
    return out
