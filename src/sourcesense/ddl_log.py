"""The optional DDL log: an event trigger that records DDL with its exact time.

PostgreSQL keeps no timestamp of schema changes; with the user's explicit consent
(`sourcesense ddl-log install`), these triggers record them in `sourcesense_ddl.events`.
This is the one place SourceSense writes to a source, so it is never done implicitly.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import psycopg

from sourcesense.errors import PermissionDeniedError
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source, connect

UNINSTALL_SQL = """
DROP EVENT TRIGGER IF EXISTS sourcesense_ddl_command;
DROP EVENT TRIGGER IF EXISTS sourcesense_ddl_drop;
DROP SCHEMA IF EXISTS sourcesense_ddl CASCADE;
"""
RECENT_SQL = """
SELECT occurred_at, username, event, command_tag, object_type, schema_name, object_identity
FROM sourcesense_ddl.events ORDER BY event_id DESC LIMIT %s
"""


def install(source: Source, settings: Settings | None = None) -> None:
    sql = (resources.files("sourcesense") / "ddl_log.sql").read_text(encoding="utf-8")
    _execute(source, sql, settings)


def uninstall(source: Source, settings: Settings | None = None) -> None:
    _execute(source, UNINSTALL_SQL, settings)


def recent_events(
    source: Source, limit: int = 50, settings: Settings | None = None
) -> list[dict[str, Any]]:
    with connect(source, settings=settings or get_settings()) as conn:
        if conn.execute("SELECT to_regclass('sourcesense_ddl.events')").fetchone() == (None,):
            return []
        cursor = conn.execute(RECENT_SQL, (limit,))
        names = [column.name for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _execute(source: Source, sql: str, settings: Settings | None) -> None:
    with connect(source, settings=settings or get_settings(), read_only=False) as conn:
        try:
            with conn.transaction():
                conn.execute(sql.encode())
        except psycopg.errors.InsufficientPrivilege:
            raise PermissionDeniedError(
                "installing the DDL log needs a superuser (event triggers are superuser-only)"
            ) from None
