"""What changed between two runs: tables, views, columns, constraints, indexes and policies
added, removed, changed or renamed.

Objects are matched through OIDs where the catalog keeps them (a renamed table or index keeps
its OID; a renamed column keeps its table's OID and its attnum), so a rename is one change,
not a removal plus an addition. Children of an added or removed relation are not listed apart:
dropping a table is one change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sourcesense.store.readers import raw

RELATION_FIELDS = (
    "kind",
    "comment",
    "definition",
    "owner",
    "persistence",
    "partition_key",
    "row_security",
    "force_row_security",
    "security_barrier",
    "security_invoker",
    "check_option",
)
COLUMN_FIELDS = (
    "data_type",
    "is_nullable",
    "column_default",
    "comment",
    "identity",
    "generation_expression",
)
CONSTRAINT_FIELDS = (
    "constraint_type",
    "columns",
    "referenced_schema",
    "referenced_table",
    "referenced_columns",
    "on_update",
    "on_delete",
    "on_delete_columns",
    "definition",
    "is_validated",
    "is_enforced",
    "is_deferrable",
    "nulls_not_distinct",
    "comment",
)
INDEX_FIELDS = (
    "columns",
    "include_columns",
    "is_unique",
    "nulls_not_distinct",
    "predicate",
    "access_method",
    "comment",
)
POLICY_FIELDS = (
    "command",
    "policy_type",
    "roles",
    "using_expression",
    "with_check_expression",
    "comment",
)


@dataclass(frozen=True)
class Change:
    object_kind: str  # relation | column | constraint | index | policy
    change: str  # added | removed | changed | renamed
    catalog_name: str
    schema_name: str
    table_name: str
    name: str | None = None  # column, constraint, index or policy name
    field: str | None = None  # for changed: what changed; for renamed: 'name'
    before: Any = None
    after: Any = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def diff_runs(run_a: Path, run_b: Path) -> list[Change]:
    rel_a, rel_b = _relations(run_a), _relations(run_b)
    changes, live = _diff_relations(rel_a, rel_b)
    names_a = {oid: (r["schema_name"], r["table_name"]) for oid, r in rel_a.items()}
    names_b = {oid: (r["schema_name"], r["table_name"]) for oid, r in rel_b.items()}
    for kind, fields, name_key in (
        ("column", COLUMN_FIELDS, "column_name"),
        ("constraint", CONSTRAINT_FIELDS, "constraint_name"),
        ("index", INDEX_FIELDS, "index_name"),
        ("policy", POLICY_FIELDS, "policy_name"),
    ):
        a = _children(run_a, kind, names_a, live)
        b = _children(run_b, kind, names_b, live)
        changes += _diff_children(kind, fields, name_key, a, b, names_b)
    return sorted(
        changes,
        key=lambda c: (
            c.catalog_name,
            c.schema_name,
            c.table_name,
            c.object_kind,
            c.name or "",
            c.change,
            c.field or "",
        ),
    )


def _relations(run: Path) -> dict[tuple[str, int], dict[str, Any]]:
    return {
        (r["catalog_name"], r["oid"]): r for r in raw(run, "relations") if not r["is_partition"]
    }


def _diff_relations(
    a: dict[tuple[str, int], dict[str, Any]], b: dict[tuple[str, int], dict[str, Any]]
) -> tuple[list[Change], set[tuple[str, int]]]:
    changes = []
    for key in a.keys() - b.keys():
        changes.append(_relation_change("removed", a[key]))
    for key in b.keys() - a.keys():
        changes.append(_relation_change("added", b[key]))
    for key in a.keys() & b.keys():
        before, after = a[key], b[key]
        old_name = (before["schema_name"], before["table_name"])
        if old_name != (after["schema_name"], after["table_name"]):
            changes.append(
                _relation_change("renamed", after, field="name", before=".".join(old_name))
            )
        for field in RELATION_FIELDS:
            if before.get(field) != after.get(field):
                changes.append(
                    _relation_change("changed", after, field=field, before=before.get(field))
                )
    return changes, a.keys() & b.keys()


def _relation_change(change: str, rel: dict[str, Any], **extra: Any) -> Change:
    after = extra.pop("after", None)
    if change == "changed" and after is None:
        after = rel.get(extra.get("field", ""))
    if change == "renamed":
        after = f"{rel['schema_name']}.{rel['table_name']}"
    return Change(
        "relation",
        change,
        rel["catalog_name"],
        rel["schema_name"],
        rel["table_name"],
        after=after,
        **extra,
    )


ChildKey = tuple[str, int, str]  # catalog, relation oid, child name
_CHILD_KINDS = {  # raw file and name field of each kind of child
    "column": ("columns", "column_name"),
    "constraint": ("constraints", "constraint_name"),
    "index": ("indexes", "index_name"),
    "policy": ("policies", "policy_name"),
}


def _children(
    run: Path, kind: str, names: dict[tuple[str, int], tuple[str, str]], live: set[tuple[str, int]]
) -> dict[ChildKey, dict[str, Any]]:
    """Children of relations present in both runs, keyed by their relation's OID."""
    oid_of = {(catalog, *name): oid for (catalog, oid), name in names.items()}
    source, name_key = _CHILD_KINDS[kind]
    found = {}
    for row in raw(run, source):
        oid = oid_of.get((row["catalog_name"], row["schema_name"], row["table_name"]))
        if oid is not None and (row["catalog_name"], oid) in live:
            found[(row["catalog_name"], oid, row[name_key])] = row
    return found


def _diff_children(
    kind: str,
    fields: tuple[str, ...],
    name_key: str,
    a: dict[ChildKey, dict[str, Any]],
    b: dict[ChildKey, dict[str, Any]],
    names_b: dict[tuple[str, int], tuple[str, str]],
) -> list[Change]:
    changes: list[Change] = []
    removed, added = a.keys() - b.keys(), b.keys() - a.keys()
    for old_key, new_key in _renames(kind, a, b, removed, added):
        removed.discard(old_key)
        added.discard(new_key)
        changes.append(
            _child(
                kind, "renamed", new_key, names_b, field="name", before=old_key[2], after=new_key[2]
            )
        )
    changes += [_child(kind, "removed", key, names_b) for key in removed]
    changes += [_child(kind, "added", key, names_b) for key in added]
    for key in a.keys() & b.keys():
        for field in fields:
            if a[key].get(field) != b[key].get(field):
                changes.append(
                    _child(
                        kind,
                        "changed",
                        key,
                        names_b,
                        field=field,
                        before=a[key].get(field),
                        after=b[key].get(field),
                    )
                )
    return changes


def _renames(
    kind: str,
    a: dict[ChildKey, dict[str, Any]],
    b: dict[ChildKey, dict[str, Any]],
    removed: set[ChildKey],
    added: set[ChildKey],
) -> list[tuple[ChildKey, ChildKey]]:
    """A column keeps its attnum when renamed, an index its OID."""
    identity = {"column": "ordinal", "index": "oid"}.get(kind)
    if identity is None:
        return []
    by_identity = {(key[0], key[1], b[key][identity]): key for key in added}
    pairs = []
    for key in removed:
        match = by_identity.get((key[0], key[1], a[key][identity]))
        if match is not None:
            pairs.append((key, match))
    return pairs


def _child(
    kind: str,
    change: str,
    key: ChildKey,
    names_b: dict[tuple[str, int], tuple[str, str]],
    **extra: Any,
) -> Change:
    schema, table = names_b[(key[0], key[1])]
    return Change(kind, change, key[0], schema, table, name=key[2], **extra)
