"""The self-check: a run's raw files against PostgreSQL's own account of the same database.

`selfcheck(conninfo, run_dir)` runs the test's own queries (tests/selfcheck.sql: written apart
from the extraction's SQL, through information_schema, pg_indexes, pg_sequences, pg_policies,
pg_stats and PostgreSQL's rendering functions), keys both sides per kind and returns every
difference: a row only PostgreSQL has (`<missing>`), a row only we have (`<extra>`), a value
that differs, and a field of ours that no check covers (`<unchecked>`). The rule: every field
of a raw file is compared, unless it is named in SKIPPED with its reason. A kind without a raw
file (a newer kind, on an older branch) is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
import pyarrow.parquet as pq
from psycopg.rows import dict_row

Row = dict[str, Any]

KEYS: dict[str, tuple[str, ...]] = {
    "databases": ("catalog_name",),
    "schemas": ("schema_name",),
    "relations": ("schema_name", "table_name"),
    "columns": ("schema_name", "table_name", "column_name"),
    "constraints": ("schema_name", "table_name", "constraint_name"),
    "indexes": ("schema_name", "table_name", "index_name"),
    "sequences": ("schema_name", "sequence_name"),
    "routines": ("schema_name", "routine_name", "identity_arguments"),
    "triggers": ("schema_name", "table_name", "trigger_name"),
    "policies": ("schema_name", "table_name", "policy_name"),
    "types": ("schema_name", "type_name"),
    "extensions": ("extension_name",),
    "privileges": ("schema_name", "table_name", "column_name", "grantee", "privilege_type",
                   "grantor"),
    "view_dependencies": ("schema_name", "table_name", "source_schema", "source_table",
                          "source_column"),
    "column_stats": ("schema_name", "table_name", "column_name", "inherited"),
}  # fmt: skip

_VOLATILE = "moves with every write, autovacuum or scan between extraction and check"
# Fields not compared, and why: statistics that change on their own, and an opt-in field.
SKIPPED: dict[str, dict[str, str]] = {
    "databases": {"size_bytes": _VOLATILE},
    "relations": {
        name: _VOLATILE
        for name in (
            "size_bytes",
            "live_tuples",
            "dead_tuples",
            "last_vacuum",
            "last_autovacuum",
            "last_analyze",
            "last_autoanalyze",
        )
    },
    "indexes": {"size_bytes": _VOLATILE, "scans": _VOLATILE},
    "column_stats": {
        "most_common_values": "only when asked (include_mcv), PII-named columns left out",
        "most_common_freqs": "only when asked (include_mcv), PII-named columns left out",
    },
}

# Fields of the one run format that another engine fills (MySQL/MariaDB): on PostgreSQL they
# are what PostgreSQL has for them, nothing, and the databases say which engine it is.
OTHER_ENGINES: dict[str, Row] = {
    "databases": {"engine": "postgresql"},
    "relations": {"storage_engine": None},
    "columns": {"character_set": None},
    "indexes": {"prefix_lengths": None, "is_visible": None},
    "routines": {"schedule": None},
}

_FK_ACTIONS = {"a": "no_action", "r": "restrict", "c": "cascade", "n": "set_null",
               "d": "set_default"}  # fmt: skip
_MATCH = {"f": "full", "p": "partial", "s": "simple"}
_ENABLED = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}


class Difference(NamedTuple):
    kind: str
    key: tuple[Any, ...]
    field: str
    ours: Any
    theirs: Any


def selfcheck(conninfo: str, run_dir: Path) -> list[Difference]:
    """Every difference between `run_dir`'s raw files and the database `conninfo` names."""
    queries = _queries()
    differences: list[Difference] = []
    # As the extraction's sessions (docs/ARCHITECTURE.md): definitions print schema-qualified.
    options = "-c search_path=pg_catalog"
    with psycopg.connect(conninfo, autocommit=True, row_factory=dict_row, options=options) as conn:
        database = conn.info.dbname
        for kind, key in KEYS.items():
            file = run_dir / "raw" / f"{kind}.parquet"
            if not file.exists():
                continue
            table = pq.read_table(file)
            ours = [r for r in table.to_pylist() if r.get("catalog_name", database) == database]
            derive, fixed = _DERIVE.get(kind, _same), OTHER_ENGINES.get(kind, {})
            theirs = [derive(r) | fixed for r in conn.execute(queries[kind]).fetchall()]
            fields = [f for f in table.column_names if f not in {*key, "catalog_name"}]
            differences += compare(kind, key, fields, ours, theirs)
    return differences


def compare(
    kind: str, key: tuple[str, ...], fields: list[str], ours: list[Row], theirs: list[Row]
) -> list[Difference]:
    """Keyed rows of both sides, field by field."""
    skipped = SKIPPED.get(kind, {})
    # With no row from PostgreSQL, any row of ours is <extra> anyway.
    known = set(theirs[0]) if theirs else set(fields)
    unchecked = [f for f in fields if f not in skipped and f not in known]
    out = [Difference(kind, (), f, "<unchecked>", None) for f in unchecked]
    checked = [f for f in fields if f not in skipped and f not in unchecked]
    mine, pg = _keyed(kind, key, ours, out), _keyed(kind, key, theirs, out)
    for k in sorted(pg.keys() - mine.keys(), key=repr):
        out.append(Difference(kind, k, "<missing>", None, "row"))
    for k in sorted(mine.keys() - pg.keys(), key=repr):
        out.append(Difference(kind, k, "<extra>", "row", None))
    for k in sorted(mine.keys() & pg.keys(), key=repr):
        out += [
            Difference(kind, k, f, mine[k][f], pg[k][f]) for f in checked if mine[k][f] != pg[k][f]
        ]
    return out


def _keyed(
    kind: str, key: tuple[str, ...], rows: list[Row], out: list[Difference]
) -> dict[tuple[Any, ...], Row]:
    keyed: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        k = tuple(row[f] for f in key)
        if k in keyed:
            out.append(Difference(kind, k, "<duplicate key>", row, keyed[k]))
        keyed[k] = row
    return keyed


def _queries() -> dict[str, str]:
    text = (Path(__file__).parent / "selfcheck.sql").read_text(encoding="utf-8")
    sections = re.split(r"^-- kind: (\w+)\n", text, flags=re.M)[1:]
    queries = dict(zip(sections[::2], sections[1::2], strict=True))
    scope = queries.pop("scope").strip()
    return {kind: sql.replace("/*scope*/", scope) for kind, sql in queries.items()}


def _same(row: Row) -> Row:
    return row


def _columns(row: Row) -> Row:
    """Length (characters, or bits), precision and scale as format_type prints the declared
    type (a domain's base)."""
    declared = row.pop("true_type")
    chars = re.fullmatch(r"(?:character|bit)(?: varying)?\((\d+)\)", declared)
    numeric = re.fullmatch(r"numeric\((\d+),(-?\d+)\)", declared)
    row["max_length"] = int(chars[1]) if chars else None
    row["numeric_precision"] = int(numeric[1]) if numeric else None
    row["numeric_scale"] = int(numeric[2]) if numeric else None
    return row


def _constraints(row: Row) -> Row:
    """Action codes named; the newer flags read back from the definition PostgreSQL prints."""
    kind, definition = row["constraint_type"], row["definition"]
    is_fk = kind == "foreign_key"
    update, delete, match = row.pop("update_code"), row.pop("delete_code"), row.pop("match_code")
    row["on_update"] = _FK_ACTIONS[update] if is_fk else None
    row["on_delete"] = _FK_ACTIONS[delete] if is_fk else None
    row["match_type"] = _MATCH[match] if is_fk else None
    tail = definition[definition.rfind(")") :]
    row["is_enforced"] = " NOT ENFORCED" not in tail
    set_list = re.search(r" ON DELETE SET (?:NULL|DEFAULT) \((.*)\)", definition) if is_fk else None
    row["on_delete_columns"] = split_identifiers(set_list[1]) if set_list else None
    row["is_temporal"] = (
        None if kind in ("check", "exclusion")
        else bool(re.search(r"\(.*(?: WITHOUT OVERLAPS\)|\bPERIOD )", definition))
    )  # fmt: skip
    row["nulls_not_distinct"] = (
        definition.startswith("UNIQUE NULLS NOT DISTINCT") if kind in ("primary_key", "unique")
        else None
    )  # fmt: skip
    return row


def _indexes(row: Row) -> Row:
    row["nulls_not_distinct"] = " NULLS NOT DISTINCT" in row["definition"]
    return row


def _triggers(row: Row) -> Row:
    """tgtype bits (pg_trigger.h): 1 row, 2 before, 4 insert, 8 delete, 16 update, 32
    truncate, 64 instead of."""
    bits = row.pop("tgtype")
    row["level"] = "row" if bits & 1 else "statement"
    row["timing"] = "before" if bits & 2 else "instead_of" if bits & 64 else "after"
    events = [(4, "insert"), (16, "update"), (8, "delete"), (32, "truncate")]
    row["events"] = [name for bit, name in events if bits & bit]
    row["enabled"] = _ENABLED[row.pop("enabled_code")]
    return row


_DERIVE: dict[str, Callable[[Row], Row]] = {
    "columns": _columns,
    "constraints": _constraints,
    "indexes": _indexes,
    "triggers": _triggers,
}


def split_identifiers(text: str) -> list[str]:
    """The names of an identifier list as PostgreSQL prints it (quoted where needed)."""
    names = re.findall(r'\s*("(?:[^"]|"")*"|[^,\s]+)\s*(?:,|$)', text)
    return [n[1:-1].replace('""', '"') if n.startswith('"') else n for n in names]


def summary(differences: Iterable[Difference], limit: int = 40) -> str:
    """One line per difference, for an assertion message."""
    lines = [
        f"{d.kind} {d.key} {d.field}: ours={d.ours!r} theirs={d.theirs!r}" for d in differences
    ]
    more = f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more
