"""Include/exclude filters on database, schema and table names.

Patterns are PostgreSQL regular expressions (the `~` operator), matched unanchored against the
bare name; a table pattern matches a partition through its root table's name. They reach the
server only as bound parameters, so a pattern can never change the SQL it is used in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from sourcesense.errors import InvalidFilterError

MAX_PATTERN_LENGTH = 1_000


@dataclass(frozen=True)
class Filters:
    include_database: str | None = None
    exclude_database: str | None = None
    include_schema: str | None = None
    exclude_schema: str | None = None
    include_table: str | None = None
    exclude_table: str | None = None

    def as_params(self) -> dict[str, Any]:
        return asdict(self)

    def patterns(self) -> dict[str, str]:
        return {name: value for name, value in asdict(self).items() if value is not None}


def check_shape(filters: Filters) -> None:
    """Reject what no server needs to see: over-long patterns and NUL bytes."""
    for name, pattern in filters.patterns().items():
        option = "--" + name.replace("_", "-")
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise InvalidFilterError(f"{option}: pattern longer than {MAX_PATTERN_LENGTH} chars")
        if "\x00" in pattern:
            raise InvalidFilterError(f"{option}: pattern contains a NUL byte")


def validate_on_server(conn: psycopg.Connection[Any], filters: Filters) -> None:
    """Compile every pattern with the server's own regex engine, which is the one that runs them.

    Runs on an autocommit connection before the snapshot starts, one statement per pattern.
    """
    check_shape(filters)
    for name, pattern in filters.patterns().items():
        try:
            conn.execute("SELECT '' ~ %s", (pattern,))
        except psycopg.errors.InvalidRegularExpression as exc:
            option = "--" + name.replace("_", "-")
            detail = str(exc).strip().splitlines()[0].removeprefix("invalid regular expression: ")
            raise InvalidFilterError(
                f"{option}: invalid regular expression ({detail}); patterns use PostgreSQL regex "
                "syntax, e.g. '^sales_' or 'tmp$'"
            ) from None
