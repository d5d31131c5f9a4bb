"""Schema findings from the raw files alone: one row per problem, each with what to do."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sourcesense.quality.statistics import RawData, TableKey, rel_key

Finding = dict[str, Any]

SEQUENCE_WARN = 0.8
SEQUENCE_CRITICAL = 0.95
# A serial or identity column can run out before its sequence does: its type is the limit.
_TYPE_RANGE = {"smallint": (-(2**15), 2**15 - 1), "integer": (-(2**31), 2**31 - 1)}


def _finding(key: TableKey | tuple[str, str, str | None], obj: str, check: str,
             severity: str, message: str) -> Finding:  # fmt: skip
    return {
        "catalog_name": key[0],
        "schema_name": key[1],
        "table_name": key[2],
        "object_name": obj,
        "check": check,
        "severity": severity,
        "message": message,
    }


def _qualified(key: TableKey) -> str:
    return f"{key[1]}.{key[2]}"


def missing_primary_keys(raw: RawData) -> list[Finding]:
    """Tables and partitioned tables without a primary key (partitions inherit their
    parent's, views cannot have one)."""
    with_pk = {rel_key(c) for c in raw.constraints if c["constraint_type"] == "primary_key"}
    return [
        _finding(rel_key(rel), rel["table_name"], "missing_primary_key", "warning",
                 f"table {_qualified(rel_key(rel))} has no primary key: rows cannot be "
                 "addressed reliably (replication, CDC, deduplication); add a PRIMARY KEY")
        for rel in raw.relations
        if rel["kind"] in ("table", "partitioned_table") and not rel["is_partition"]
        and rel_key(rel) not in with_pk
    ]  # fmt: skip


def _supports(index: dict[str, Any], fk_columns: list[str]) -> bool:
    """An index serves the FK's lookups when its first N key columns are the FK's N columns
    (in any order) and it covers every row (no predicate)."""
    columns = list(index["columns"] or [])
    if not index["is_valid"] or index["predicate"] is not None:
        return False
    if index["access_method"] == "hash":
        return columns == fk_columns
    return index["access_method"] == "btree" and set(columns[: len(fk_columns)]) == set(fk_columns)


def unindexed_foreign_keys(raw: RawData) -> list[Finding]:
    by_table: dict[TableKey, list[dict[str, Any]]] = defaultdict(list)
    for index in raw.indexes:
        by_table[rel_key(index)].append(index)
    found = []
    for con in raw.constraints:
        if con["constraint_type"] != "foreign_key":
            continue
        key, columns = rel_key(con), list(con["columns"] or [])
        if any(_supports(index, columns) for index in by_table[key]):
            continue
        listed = ", ".join(columns)
        target = f"{con['referenced_schema']}.{con['referenced_table']}"
        found.append(
            _finding(key, con["constraint_name"], "fk_without_index", "warning",
                     f"foreign key ({listed}) of {_qualified(key)} has no index starting with "
                     f"its columns: each delete or key update on {target} scans "
                     f"{_qualified(key)}; CREATE INDEX ON {_qualified(key)} ({listed})")
        )  # fmt: skip
    return found


def not_valid_constraints(raw: RawData) -> list[Finding]:
    return [
        _finding(rel_key(con), con["constraint_name"], "not_valid_constraint", "warning",
                 f"{con['constraint_type']} constraint {con['constraint_name']} on "
                 f"{_qualified(rel_key(con))} is NOT VALID: existing rows were never checked; "
                 "ALTER TABLE ... VALIDATE CONSTRAINT")
        for con in raw.constraints
        if con["is_validated"] is False
    ]  # fmt: skip


def unused_indexes(raw: RawData) -> list[Finding]:
    """Never-scanned indexes, except those enforcing a constraint (used by every write)."""
    return [
        _finding(rel_key(index), index["index_name"], "unused_index", "info",
                 f"index {index['index_name']} on {_qualified(rel_key(index))} has had no scans "
                 "since statistics were last reset: it costs writes and space; consider "
                 "dropping it (check replicas and statistics age first)")
        for index in raw.indexes
        if index["scans"] == 0 and index["is_valid"]
        and not (index["is_primary"] or index["is_unique"] or index["is_exclusion"])
    ]  # fmt: skip


def duplicate_indexes(raw: RawData) -> list[Finding]:
    """Indexes with the same key columns, INCLUDE columns, predicate and access method as
    another of the same table. The one backing a primary key or unique constraint is kept."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for index in raw.indexes:
        if index["is_valid"]:
            signature = (rel_key(index), index["access_method"], tuple(index["columns"] or []),
                         tuple(index["include_columns"] or []), index["predicate"])  # fmt: skip
            groups[signature].append(index)
    found = []
    for members in groups.values():
        kept, *extra = sorted(
            members, key=lambda i: (not i["is_primary"], not i["is_unique"], i["index_name"])
        )
        for index in extra:
            found.append(
                _finding(rel_key(index), index["index_name"], "duplicate_index", "warning",
                         f"index {index['index_name']} duplicates {kept['index_name']} on "
                         f"{_qualified(rel_key(index))} (same columns, predicate and method): "
                         "drop one")
            )  # fmt: skip
    return found


def sequence_usage(seq: dict[str, Any], owner_type: str | None) -> float | None:
    """Share of the sequence's range already handed out, counted in its direction."""
    last, low, high = seq["last_value"], seq["min_value"], seq["max_value"]
    if last is None or low is None or high is None:
        return None
    if owner_type in _TYPE_RANGE:
        type_low, type_high = _TYPE_RANGE[owner_type]
        low, high = max(low, type_low), min(high, type_high)
    if high <= low:
        return None
    if (seq["increment"] or 1) < 0:
        return float((high - last) / (high - low))
    return float((last - low) / (high - low))


def sequences_near_max(raw: RawData) -> list[Finding]:
    types = {(*rel_key(c), c["column_name"]): c["data_type"] for c in raw.columns}
    found = []
    for seq in raw.sequences:
        if seq["is_cycle"]:
            continue  # wrapping around is what it was made to do
        owner = (seq["catalog_name"], seq["owned_by_schema"], seq["owned_by_table"],
                 seq["owned_by_column"])  # fmt: skip
        usage = sequence_usage(seq, types.get(owner))
        if usage is None or usage <= SEQUENCE_WARN:
            continue
        severity = "critical" if usage >= SEQUENCE_CRITICAL else "warning"
        table = seq["owned_by_table"] if seq["owned_by_schema"] == seq["schema_name"] else None
        name = f"{seq['schema_name']}.{seq['sequence_name']}"
        found.append(
            _finding((seq["catalog_name"], seq["schema_name"], table), seq["sequence_name"],
                     "sequence_near_max", severity,
                     f"sequence {name} has used {usage:.0%} of its range (last value "
                     f"{seq['last_value']}): widen it (ALTER SEQUENCE {name} AS bigint / "
                     "MAXVALUE, and the column type) before inserts fail")
        )  # fmt: skip
    return found


def schema_findings(raw: RawData) -> list[Finding]:
    """Every check over the raw files, sorted by where and what."""
    found = [
        *missing_primary_keys(raw),
        *unindexed_foreign_keys(raw),
        *not_valid_constraints(raw),
        *unused_indexes(raw),
        *duplicate_indexes(raw),
        *sequences_near_max(raw),
    ]
    return sorted(found, key=finding_order)


def finding_order(finding: Finding) -> tuple[str, ...]:
    """Findings sort by where, then what."""
    return (finding["catalog_name"], finding["schema_name"], finding["table_name"] or "",
            finding["check"], finding["object_name"])  # fmt: skip
