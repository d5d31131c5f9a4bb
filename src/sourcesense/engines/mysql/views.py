"""What a MySQL view reads, from its definition: MariaDB keeps no dependency table (MySQL's
VIEW_TABLE_USAGE lacks columns and routines), so view_dependencies rows are the relations its
definition names, parsed with sqlglot's MySQL dialect, at table level (source_column null)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from sourcesense.extract.catalog import BatchSink
from sourcesense.extract.schemas import SCHEMAS


def read_relations(definition: str, schema: str) -> list[tuple[str, str]]:
    """(schema, relation) of every relation the query names, CTEs excepted; an unqualified
    name is in the view's own database (`schema`)."""
    query = sqlglot.parse_one(definition, dialect="mysql")
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    found = {
        (table.db or schema, table.name)
        for table in query.find_all(exp.Table)
        if table.name and not (not table.db and table.name in ctes)
    }
    return sorted(found)


class ViewSources:
    """Passes batches on, keeping each relation's kind and each view's definition, to write
    view_dependencies once the relations are read; and keeping only the columns of those
    relations (information_schema.COLUMNS also lists MariaDB sequences', which are no
    relations of the run: filtering them in SQL would take a join, quadratic there)."""

    def __init__(self, sink: BatchSink) -> None:
        self.sink = sink
        self.kinds: dict[tuple[str, str], str] = {}
        self.views: list[tuple[str, str, str | None]] = []
        self.relations_read = False
        self.known: Any = None  # "schema\0table" of every relation

    def write(self, kind: str, batch: pa.RecordBatch) -> None:
        if kind == "columns" and self.relations_read:
            batch = self._of_relations(batch)
        if kind == "relations":
            self.relations_read = True
            rows = batch.select(["schema_name", "table_name", "kind", "definition"]).to_pylist()
            for row in rows:
                self.kinds[(row["schema_name"], row["table_name"])] = row["kind"]
                if row["kind"] == "view":
                    self.views.append((row["schema_name"], row["table_name"], row["definition"]))
        self.sink.write(kind, batch)

    def discard(self, kind: str) -> None:
        if kind == "relations":
            self.kinds.clear()
            self.views.clear()
            self.relations_read, self.known = False, None
        self.sink.discard(kind)

    def _of_relations(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        schemas: Any = batch.column("schema_name")  # the stubs type no join of columns
        keys = pc.binary_join_element_wise(schemas, batch.column("table_name"), "\x00")
        if self.known is None:
            self.known = pa.array([f"{schema}\x00{table}" for schema, table in self.kinds])
        return batch.filter(pc.is_in(keys, value_set=self.known))

    def dependencies(self, catalog: str) -> tuple[pa.RecordBatch | None, list[str]]:
        """view_dependencies of the views seen, and a warning per view that did not parse."""
        rows: list[dict[str, Any]] = []
        warnings: list[str] = []
        for schema, view, definition in self.views:
            if not definition:
                continue  # no SHOW VIEW privilege: MySQL hides the definition
            try:
                sources = read_relations(definition, schema)
            except SqlglotError as exc:
                reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else "?"
                warnings.append(f"{catalog}.{schema}.{view}: view sources unknown ({reason})")
                continue
            rows += [
                {"catalog_name": catalog, "schema_name": schema, "table_name": view,
                 "source_schema": source_schema, "source_table": source_table,
                 "source_kind": self.kinds.get((source_schema, source_table), "other"),
                 "source_column": None}
                for source_schema, source_table in sources
            ]  # fmt: skip
        if not rows:
            return None, warnings
        schema_ = SCHEMAS["view_dependencies"]
        return pa.RecordBatch.from_pylist(rows, schema=schema_), warnings
