"""Loading sample_db into a database: create the database when missing, replace only schemas
that hold nothing but sample_db's own objects (unless told to replace), and report what it did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

import psycopg
from psycopg import sql

from sourcesense.errors import ConfigError
from sourcesense.sample_db.populate import (
    MATVIEWS,
    REFRESH_SQL,
    SCHEMAS,
    TABLES,
    generate_data,
    load_rows,
    schema_sql,
)
from sourcesense.source import Source, connection_error

DEFAULT_DATABASE = "sample_db"
MAINTENANCE_DATABASES = ("postgres", "template1")
REPLACED = ("public", *SCHEMAS)  # sample_db is exactly its three schemas: `public` goes too
SHOWN_OBJECTS = 5
# What schema.sql creates by name; a table's indexes, sequences and triggers go with it.
_CREATED = re.compile(
    r"^CREATE (?:OR REPLACE )?(?:TABLE|VIEW|MATERIALIZED VIEW|SEQUENCE|FUNCTION|PROCEDURE|TYPE|"
    r"DOMAIN) (\w+\.\w+)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class SampleLoad:
    """What a load did."""

    database: str
    created_database: bool
    rows: dict[str, int]
    dropped_foreign: list[str] = field(default_factory=list)

    def report(self, where: str) -> list[str]:
        """What was done, one line each, for the command's output."""
        made = "created" if self.created_database else "into existing"
        lines = [f"{made} database '{self.database}' at {where}"]
        if self.dropped_foreign:
            lines.append(f"--replace: dropped {len(self.dropped_foreign)} objects sample_db "
                         f"did not create: {', '.join(self.dropped_foreign)}")  # fmt: skip
        lines.append(
            f"loaded sample_db: {sum(self.rows.values()):,} rows in {len(self.rows)} tables, "
            f"schemas {', '.join(SCHEMAS)} (replaced; public dropped)"
        )
        return lines


def created_objects() -> set[str]:
    """schema.name of every object sample_db creates and may therefore drop again."""
    return set(_CREATED.findall(schema_sql()))


def load_into(
    source: Source, database: str, scale: float = 1.0, replace: bool = False
) -> SampleLoad:
    """Load sample_db into `database` on the source's server (created when missing).

    Refuses (ConfigError) when the schemas it replaces hold objects it did not create, unless
    `replace`; then they are dropped with everything in them.
    """
    try:
        created = _ensure_database(source, database)
        with psycopg.connect(source.conninfo(database)) as conn:
            foreign = _foreign_objects(conn)
            if foreign and not replace:
                raise ConfigError(_refusal(database, foreign))
            rows = _fill(conn, scale)
    except psycopg.Error as exc:
        raise connection_error(exc, source, database) from None
    return SampleLoad(database, created, rows, foreign)


def _refusal(database: str, foreign: list[str]) -> str:
    shown = ", ".join(foreign[:SHOWN_OBJECTS])
    more = f" and {len(foreign) - SHOWN_OBJECTS} more" if len(foreign) > SHOWN_OBJECTS else ""
    return (
        f"database '{database}' holds objects sample_db did not create ({shown}{more}): "
        f"choose another database, or pass --replace to drop schemas {', '.join(REPLACED)} "
        "with everything in them"
    )


def _ensure_database(source: Source, database: str) -> bool:
    """Create the database unless it exists; whether it was created."""
    try:
        with psycopg.connect(source.conninfo(database)):
            return False
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    for maintenance in MAINTENANCE_DATABASES:
        try:
            conn = psycopg.connect(source.conninfo(maintenance), autocommit=True)
        except psycopg.OperationalError:
            continue
        with conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        return True
    with psycopg.connect(source.conninfo(database)):  # raise the original "does not exist"
        return False


def _foreign_objects(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    query = resources.files("sourcesense.sample_db").joinpath("foreign_objects.sql").read_text()
    ours = created_objects()
    found = conn.execute(query, {"schemas": list(REPLACED)}).fetchall()
    conn.rollback()
    return [str(name) for (name,) in found if name not in ours]


def _fill(conn: psycopg.Connection[tuple[object, ...]], scale: float) -> dict[str, int]:
    """Drop and recreate the schemas and fill them in one transaction; then ANALYZE and refresh
    the materialized view. Running it twice gives the same state and the same data."""
    blocks = generate_data(scale)
    with conn.cursor() as cur:
        schemas = sql.SQL(", ").join(map(sql.Identifier, REPLACED))
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schemas))
        cur.execute(schema_sql())
        load_rows(cur, blocks)
        cur.execute(REFRESH_SQL)
    conn.commit()
    conn.autocommit = True
    conn.execute("ANALYZE")
    for matview in MATVIEWS:
        conn.execute(sql.SQL("REFRESH MATERIALIZED VIEW {}").format(_qualified(matview)))
    counts: dict[str, int] = {}
    for table in TABLES:
        record = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(_qualified(table)))
        row = record.fetchone()
        counts[table] = int(row[0]) if row else 0  # type: ignore[call-overload]
    return counts


def _qualified(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split("."))
