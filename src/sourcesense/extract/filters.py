"""What a run reads: an explicit scope of (database, schemas) pairs, and include/exclude
patterns on database, schema and table names.

A scope lists databases, each with the schemas chosen in it (none: all of them) and optional
table patterns; it is extracted exactly, so choosing db_a.public and db_b.audit never reads
db_b.public. Patterns select "everything matching" and narrow a scope further when both are
given. Patterns are PostgreSQL regular expressions (the `~` operator), matched unanchored
against the bare name; a table pattern matches a partition through its root table's name.
Names and patterns reach the server only as bound parameters, so they never change the SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg

from sourcesense.errors import InvalidFilterError

MAX_PATTERN_LENGTH = 1_000
MAX_NAME_LENGTH = 63  # NAMEDATALEN - 1: PostgreSQL truncates longer identifiers
PATTERNS = (
    "include_database", "exclude_database", "include_schema", "exclude_schema",
    "include_table", "exclude_table",
)  # fmt: skip


@dataclass(frozen=True)
class ScopeEntry:
    """One database of a scope: its chosen schemas (empty: every schema) and table patterns
    (empty: every table; else tables matching any of them)."""

    database: str
    schemas: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"database": self.database, "schemas": list(self.schemas),
                "tables": list(self.tables)}  # fmt: skip

    @staticmethod
    def of(entry: Mapping[str, Any]) -> ScopeEntry:
        return ScopeEntry(
            str(entry["database"]),
            tuple(str(name) for name in entry.get("schemas") or ()),
            tuple(str(pattern) for pattern in entry.get("tables") or ()),
        )


@dataclass(frozen=True)
class Filters:
    include_database: str | None = None
    exclude_database: str | None = None
    include_schema: str | None = None
    exclude_schema: str | None = None
    include_table: str | None = None
    exclude_table: str | None = None
    scope: tuple[ScopeEntry, ...] = field(default=())

    def as_params(self, database: str | None = None) -> dict[str, Any]:
        """The bound parameters of the catalog queries; `database`: the one being read (its
        scope entry restricts schemas and tables), None for queries across databases."""
        params: dict[str, Any] = {name: getattr(self, name) for name in PATTERNS}
        entry = self.entry(database)
        params["scope_databases"] = [e.database for e in self.scope] if self.scope else None
        params["scope_schemas"] = list(entry.schemas) if entry and entry.schemas else None
        params["scope_tables"] = list(entry.tables) if entry and entry.tables else None
        return params

    def entry(self, database: str | None) -> ScopeEntry | None:
        return next((e for e in self.scope if e.database == database), None)

    def unmatched(self, databases: set[str]) -> list[str]:
        """Warnings for the scope's databases the server did not list (`databases`)."""
        return [
            f"scope: database '{entry.database}' not found, not connectable, a template or "
            "left out by the database patterns"
            for entry in self.scope
            if entry.database not in databases
        ]

    def patterns(self) -> dict[str, str]:
        return {name: value for name in PATTERNS if (value := getattr(self, name)) is not None}

    def recorded(self) -> dict[str, Any]:
        """The filters as given, for the manifest and the workflow input (see `of`)."""
        given: dict[str, Any] = dict(self.patterns())
        if self.scope:
            given["scope"] = [entry.as_dict() for entry in self.scope]
        return given

    @staticmethod
    def of(given: Mapping[str, Any]) -> Filters:
        """The filters from `recorded()`'s form."""
        patterns = {name: given.get(name) for name in PATTERNS}
        scope = tuple(ScopeEntry.of(entry) for entry in given.get("scope") or ())
        return Filters(**patterns, scope=scope)


def parse_scope(values: list[str]) -> tuple[ScopeEntry, ...]:
    """`--scope` values: `db` (all its schemas), `db:schema1,schema2`, or
    `db:schema1,schema2:table-regex` (the regex is the rest of the value)."""
    entries = []
    for value in values:
        database, _, rest = value.partition(":")
        schemas, _, table = rest.partition(":")
        if not database:
            raise InvalidFilterError(
                f"--scope '{value[:80]}': give db, db:schema1,schema2 or db:schema1,schema2:regex"
            )
        names = tuple(name for name in schemas.split(",") if name)
        entries.append(ScopeEntry(database, names, (table,) if table else ()))
    return tuple(entries)


def checked_patterns(filters: Filters) -> Iterator[tuple[str, str]]:
    """(option, pattern) of every regular expression in `filters`."""
    for name, pattern in filters.patterns().items():
        yield "--" + name.replace("_", "-"), pattern
    for entry in filters.scope:
        for pattern in entry.tables:
            yield "--scope", pattern


def check_shape(filters: Filters) -> None:
    """Reject what no server needs to see: over-long patterns and names, and NUL bytes."""
    for option, pattern in checked_patterns(filters):
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise InvalidFilterError(f"{option}: pattern longer than {MAX_PATTERN_LENGTH} chars")
        if "\x00" in pattern:
            raise InvalidFilterError(f"{option}: pattern contains a NUL byte")
    databases = [entry.database for entry in filters.scope]
    for database in {name for name in databases if databases.count(name) > 1}:
        raise InvalidFilterError(
            f"--scope: database '{database[:80]}' given twice: list its schemas in one entry"
        )
    for entry in filters.scope:
        for name in (entry.database, *entry.schemas):
            if not name or len(name) > MAX_NAME_LENGTH or "\x00" in name:
                raise InvalidFilterError(
                    f"--scope: '{name[:80]}' is not a name: 1 to {MAX_NAME_LENGTH} characters, "
                    "no NUL byte"
                )


def validate_on_server(conn: psycopg.Connection[Any], filters: Filters) -> None:
    """Compile every pattern with the server's own regex engine, which is the one that runs them.

    Runs on an autocommit connection before the snapshot starts, one statement per pattern.
    """
    check_shape(filters)
    for option, pattern in checked_patterns(filters):
        try:
            conn.execute("SELECT '' ~ %s", (pattern,))
        except psycopg.errors.InvalidRegularExpression as exc:
            detail = str(exc).strip().splitlines()[0].removeprefix("invalid regular expression: ")
            raise InvalidFilterError(
                f"{option}: invalid regular expression ({detail}); patterns use PostgreSQL regex "
                "syntax, e.g. '^sales_' or 'tmp$'"
            ) from None
