"""The rows each schema check could report on, chosen by Arrow kernels over the raw files.

The checks (sourcesense.quality.findings) read rows as dicts; built for every relation,
constraint and index of a 10,000-table catalog those dicts held about 130 MB. Chosen here
first, only candidates become dicts: a superset of what each check reports, so the checks
keep deciding and their results are the same.
"""

from __future__ import annotations

import functools
from typing import Any

import pyarrow as pa
from pyarrow import compute

from sourcesense.incremental.fingerprints import key_column

pc: Any = compute  # pyarrow's stubs type few compute kernels usably
# Stands for a null in a composite key. A name holding it could only make a row a candidate
# that is not one: the checks still decide.
_NULL = "\x01"


def _col(table: pa.Table, name: str) -> Any:
    return table.column(name)


def _all(*masks: Any) -> Any:
    return functools.reduce(pc.and_, masks)


def _any(*masks: Any) -> Any:
    return functools.reduce(pc.or_, masks)


def _flag(table: pa.Table, name: str) -> Any:
    """A boolean column, null read as false."""
    return pc.fill_null(_col(table, name), False)


def _composite(*parts: Any) -> Any:
    """Element-wise join of string columns with nulls kept apart from any value."""
    return pc.binary_join_element_wise(
        *parts, "\x00", null_handling="replace", null_replacement=_NULL
    )


def _listed(lists: Any) -> Any:
    """A list<string> column as one string per row."""
    return pc.fill_null(pc.binary_join(pc.fill_null(lists, pa.scalar([], lists.type)), "\x02"),
                        _NULL)  # fmt: skip


def tables_without_primary_key(relations: pa.Table, constraints: pa.Table | None) -> pa.Table:
    """Tables and partitioned tables (partitions left out) that have no primary key."""
    kinds = pc.is_in(_col(relations, "kind"), pa.array(["table", "partitioned_table"]))
    tables = relations.filter(_all(kinds, pc.invert(_flag(relations, "is_partition"))))
    if constraints is None or tables.num_rows == 0:
        return tables
    keys = primary_keys(constraints)
    return tables.filter(pc.invert(pc.is_in(key_column(tables), value_set=keys)))


def primary_keys(constraints: pa.Table) -> Any:
    found = constraints.filter(pc.equal(_col(constraints, "constraint_type"), "primary_key"))
    return pc.unique(key_column(found))


def checked_constraints(constraints: pa.Table) -> pa.Table:
    """Foreign keys (the index check) and NOT VALID constraints."""
    foreign = pc.equal(_col(constraints, "constraint_type"), "foreign_key")
    not_valid = pc.equal(pc.fill_null(_col(constraints, "is_validated"), True), False)
    return constraints.filter(pc.or_(foreign, not_valid))


def checked_indexes(indexes: pa.Table, constraints: pa.Table | None) -> pa.Table:
    """Indexes that may be unused, duplicated, or serve a foreign key."""
    valid = _flag(indexes, "is_valid")
    mask = _any(_unused(indexes, valid), _duplicated(indexes, valid),
                _leading_a_foreign_key(indexes, valid, constraints))  # fmt: skip
    return indexes.filter(pc.fill_null(mask, False))


def _unused(indexes: pa.Table, valid: Any) -> Any:
    enforcing = _any(*(_flag(indexes, name) for name in ("is_primary", "is_unique",
                                                          "is_exclusion")))  # fmt: skip
    never_scanned = pc.equal(pc.fill_null(_col(indexes, "scans"), -1), 0)
    return _all(never_scanned, valid, pc.invert(enforcing))


def _duplicated(indexes: pa.Table, valid: Any) -> Any:
    """Valid indexes sharing table, method, columns, INCLUDE columns and predicate."""
    signature = _composite(key_column(indexes), _col(indexes, "access_method"),
                           _listed(_col(indexes, "columns")),
                           _listed(_col(indexes, "include_columns")),
                           _col(indexes, "predicate"))  # fmt: skip
    signature = pc.if_else(valid, signature, pa.scalar(None, pa.string()))
    counts = pc.value_counts(signature)
    shared = counts.filter(pc.greater(counts.field("counts"), 1)).field("values")
    return pc.is_in(signature, value_set=shared)


def _leading_a_foreign_key(indexes: pa.Table, valid: Any, constraints: pa.Table | None) -> Any:
    """Whole-table btree or hash indexes whose first column is one of a foreign key's."""
    if constraints is None:
        return pa.repeat(False, indexes.num_rows)
    fks = constraints.filter(pc.equal(_col(constraints, "constraint_type"), "foreign_key"))
    fk_columns = pc.list_flatten(_col(fks, "columns"))
    owners = pc.list_parent_indices(_col(fks, "columns"))
    wanted = pc.unique(_composite(pc.take(key_column(fks), owners), fk_columns))
    columns = _col(indexes, "columns")
    has_first = pc.greater(pc.fill_null(pc.list_value_length(columns), 0), 0)
    first = pc.list_element(pc.if_else(has_first, columns, pa.scalar([""], columns.type)), 0)
    methods = pc.is_in(_col(indexes, "access_method"), pa.array(["btree", "hash"]))
    leading = pc.is_in(_composite(key_column(indexes), first), value_set=wanted)
    return _all(valid, pc.is_null(_col(indexes, "predicate")), methods, has_first, leading)
