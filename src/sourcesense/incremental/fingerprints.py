"""A fingerprint per relation: hashes of the raw rows that describe it, written by every run.

`definition` covers what DDL changes (the relation's row, columns, constraints, indexes,
triggers, policies, privileges, view dependencies, OID included: a table dropped and re-created
is a new one); `statistics` covers what writes, VACUUM and ANALYZE change (sizes, tuple counts,
scans, pg_stats). `fingerprint` adds the definitions of what the relation's derived output reads
besides its own rows: a view's sources (their columns resolve its SQL) and a partition's
parent. Two runs give a relation the same fingerprint exactly when every step's output for it
would be the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.extract.schemas import SCHEMAS
from sourcesense.store.rundir import write_table

FINGERPRINTS_FILE = Path("incremental") / "fingerprints.parquet"
KEY_FIELDS = ["catalog_name", "schema_name", "table_name"]
SLICE_ROWS = 16_384

# The raw kinds with rows per relation, and the fields of each that are statistics.
_STATISTICS: dict[str, set[str]] = {
    "relations": {"row_estimate", "size_bytes", "live_tuples", "dead_tuples", "last_vacuum",
                  "last_autovacuum", "last_analyze", "last_autoanalyze"},
    "columns": set(),
    "constraints": set(),
    "indexes": {"size_bytes", "scans"},
    "triggers": set(),
    "policies": set(),
    "privileges": set(),
    "view_dependencies": set(),
    "column_stats": {field.name for field in SCHEMAS["column_stats"]} - set(KEY_FIELDS),
}  # fmt: skip

FINGERPRINT_SCHEMA = pa.schema(
    [
        pa.field(name, pa.string(), metadata={"description": doc})
        for name, doc in [
            ("catalog_name", "database name"),
            ("schema_name", "schema name"),
            ("table_name", "relation name"),
            ("definition", "hash of the relation's definition rows in every raw file"),
            ("statistics", "hash of its statistics: sizes, tuple counts, scans, pg_stats"),
            (
                "fingerprint",
                "hash of both and of the definitions its output also reads (a view's sources, "
                "a partition's parent); equal in two runs means its output can be reused",
            ),
        ]
    ]
)


def relation_key(catalog: str, schema: str | None, table: str | None) -> str:
    """One string per relation, for sets and Arrow filters alike."""
    return f"{catalog}\x1f{schema}\x1f{table}"


def key_column(table: pa.Table, fields: list[str] = KEY_FIELDS) -> Any:
    """relation_key() of every row, computed by Arrow."""
    columns: list[Any] = [table.column(name) for name in fields]
    return _join([pc.fill_null(column, "None") for column in columns], "\x1f")


def _join(parts: list[Any], separator: str) -> Any:
    """Element-wise concatenation of string columns."""
    return pc.binary_join_element_wise(*parts, separator) if len(parts) > 1 else parts[0]


def keep_keys(table: pa.Table, keys: Iterable[str], fields: list[str] = KEY_FIELDS) -> pa.Table:
    """The rows of `table` whose relation is one of `keys`."""
    wanted = pa.array(sorted(set(keys)), pa.string())
    return table.filter(pc.is_in(key_column(table, fields), value_set=wanted))


def write_fingerprints(run_dir: Path) -> int:
    """Write incremental/fingerprints.parquet from the run's raw files; returns its rows."""
    relations = _read(run_dir, "relations")
    if relations is None:
        return 0
    keys = key_column(relations).to_pylist()
    hashers = {key: (_hasher(), _hasher()) for key in keys}
    for kind, statistics in _STATISTICS.items():
        table = relations if kind == "relations" else _read(run_dir, kind)
        if table is None:
            continue
        names = [name for name in table.column_names if name not in KEY_FIELDS]
        definition = [name for name in names if name not in statistics]
        for part in _relation_slices(table):
            for slot, fields in enumerate((definition, [n for n in names if n in statistics])):
                for key, text in _texts_by_relation(part, fields):
                    if key in hashers:
                        hashers[key][slot].update(f"{kind}\x1d{text}\x1c".encode())
    own = {key: (d.hexdigest(), s.hexdigest()) for key, (d, s) in hashers.items()}
    depends = _dependencies(relations, _read(run_dir, "view_dependencies"))
    rows = []
    for key in keys:
        own_definition, own_statistics = own[key]
        inputs = sorted(own.get(dep, ("absent", ""))[0] for dep in depends.get(key, ()))
        catalog, schema, name = key.split("\x1f")
        rows.append({
            "catalog_name": catalog, "schema_name": schema, "table_name": name,
            "definition": own_definition, "statistics": own_statistics,
            "fingerprint": _digest(own_definition, own_statistics, *inputs),
        })  # fmt: skip
    write_table(run_dir / FINGERPRINTS_FILE, pa.Table.from_pylist(rows, FINGERPRINT_SCHEMA))
    return len(rows)


def read_fingerprints(run_dir: Path) -> dict[str, str] | None:
    """relation key -> fingerprint of a run, or None when it has none."""
    path = run_dir / FINGERPRINTS_FILE
    if not path.exists():
        return None
    table = pq.read_table(path)
    keys = cast(list[str], key_column(table).to_pylist())
    values = cast(list[str], table.column("fingerprint").to_pylist())
    return dict(zip(keys, values, strict=True))


def _read(run_dir: Path, kind: str) -> pa.Table | None:
    path = run_dir / "raw" / f"{kind}.parquet"
    return pq.read_table(path) if path.exists() else None


def _hasher() -> hashlib.blake2b:
    return hashlib.blake2b(digest_size=16)


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1c".join(parts).encode(), digest_size=16).hexdigest()


def _relation_slices(table: pa.Table, rows: int = SLICE_ROWS) -> Iterable[pa.Table]:
    """The table in slices of about `rows` rows, cut only where a relation's rows start: each
    relation's text is still one update of its hash, while the texts of a whole file (196,000
    columns: about 190 MB of Arrow and Python copies at once) are never built together."""
    if table.num_rows <= rows:
        yield table
        return
    starts = cast(list[int], run_starts(key_column(table).combine_chunks()).to_pylist())
    begin = 0
    for start in [*starts[1:], table.num_rows]:
        if start - begin >= rows or start == table.num_rows:
            yield table.slice(begin, start - begin)
            begin = start


def _texts_by_relation(table: pa.Table, fields: list[str]) -> list[tuple[str, str]]:
    """(relation key, the fields of its rows as one string) per run of rows of one relation.

    Rows keep the order the catalog queries give them (each sorts by relation, then by a
    name or position), so nothing is sorted here; were the server to order two equal rows
    differently, the relation would merely be recomputed, never wrongly reused.
    """
    if not fields or table.num_rows == 0:
        return []
    text = _join([pc.fill_null(_as_text(table.column(name)), "\x00") for name in fields], "\x1e")
    keys = key_column(table).combine_chunks()
    starts = run_starts(keys)
    offsets = pa.concat_arrays([starts, pa.array([table.num_rows], pa.int64())])
    groups = pa.LargeListArray.from_arrays(offsets, _as_any(text).combine_chunks())
    relations = cast(list[str], keys.take(starts).to_pylist())
    texts = cast(list[str], _as_any(pc.binary_join(groups, "\x1d")).to_pylist())
    return list(zip(relations, texts, strict=True))


def run_starts(keys: Any) -> Any:
    """Where each run of equal values starts in a non-empty array (rows 0, then each change)."""
    changes = pc.indices_nonzero(pc.not_equal(keys[1:], keys[:-1]))
    first = pa.array([0], pa.int64())
    return pa.concat_arrays([first, _as_any(pc.add(changes, 1)).cast(pa.int64())])


def _as_any(value: Any) -> Any:
    """pyarrow.compute results, typed loosely: its stubs type them as scalars or arrays."""
    return value


def _as_text(column: Any) -> Any:
    if pa.types.is_list(column.type):
        joined = pc.binary_join(pc.cast(column, pa.list_(pa.string())), "\x1f")
        # A null list and an empty one must differ: "\x01" marks a present list.
        return _join([pa.scalar("\x01"), joined], "")
    return pc.cast(column, pa.string())


def _dependencies(relations: pa.Table, view_dependencies: pa.Table | None) -> dict[str, set[str]]:
    """The relations whose definition a relation's output also depends on."""
    depends: dict[str, set[str]] = {}
    partitions = relations.filter(pc.field("is_partition"))
    for row in partitions.select([*KEY_FIELDS, "parent_schema", "parent_table"]).to_pylist():
        key = relation_key(row["catalog_name"], row["schema_name"], row["table_name"])
        parent = relation_key(row["catalog_name"], row["parent_schema"], row["parent_table"])
        depends.setdefault(key, set()).add(parent)
    if view_dependencies is not None:
        fields = [*KEY_FIELDS, "source_schema", "source_table"]
        for row in view_dependencies.select(fields).to_pylist():
            key = relation_key(row["catalog_name"], row["schema_name"], row["table_name"])
            source = relation_key(row["catalog_name"], row["source_schema"], row["source_table"])
            depends.setdefault(key, set()).add(source)
    return depends
