"""Preflight: can we connect, is the server supported, what may we read, how big is it?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from sourcesense.engines import get_engine
from sourcesense.errors import UnsupportedServerError
from sourcesense.extract.catalog import QueryOptions, query_params, query_text
from sourcesense.extract.filters import Filters, check_shape, validate_on_server
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source, connect

_FACTS_SQL = """
SELECT pg_catalog.current_setting('server_version'),
       current_user,
       pg_catalog.current_database(),
       r.rolsuper,
       r.rolsuper OR pg_catalog.pg_has_role('pg_read_all_stats', 'MEMBER'),
       (SELECT count(*) FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate),
       (SELECT count(*) FROM pg_catalog.pg_class WHERE relkind IN ('r', 'p', 'v', 'm', 'f'))
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
"""


MIN_SERVER_VERSION = 120000


def check_server_version(conn: psycopg.Connection[Any]) -> None:
    if conn.info.server_version < MIN_SERVER_VERSION:
        raise UnsupportedServerError(
            f"PostgreSQL {conn.info.parameter_status('server_version')} is not supported: "
            "SourceSense needs PostgreSQL 12 or newer"
        )


@dataclass
class PreflightResult:
    server_version: str
    user: str
    database: str
    is_superuser: bool
    can_read_all_stats: bool
    estimated_databases: int
    estimated_relations: int  # in the first database, system catalogs included


def preflight(
    source: Source, filters: Filters, settings: Settings | None = None
) -> PreflightResult:
    """Raise the SourceSenseError that explains why extraction cannot start, or report facts
    (by the source's engine)."""
    return get_engine(source.engine).preflight(source, filters, settings)


def preflight_postgresql(
    source: Source, filters: Filters, settings: Settings | None = None
) -> PreflightResult:
    """preflight of PostgreSQL."""
    check_shape(filters)
    with connect(source, settings=settings or get_settings()) as conn:
        check_server_version(conn)
        validate_on_server(conn, filters)
        row = conn.execute(_FACTS_SQL).fetchone()
    assert row is not None
    version, user, database, superuser, stats, databases, relations = row
    return PreflightResult(
        str(version), str(user), str(database), bool(superuser), bool(stats), int(databases),
        int(relations),
    )  # fmt: skip


def discover_schemas(
    source: Source, filters: Filters, settings: Settings | None = None
) -> list[dict[str, str]]:
    """[{catalog_name, schema_name}] of every database the role may connect to (filters applied)."""
    cfg = settings or get_settings()
    found: list[dict[str, str]] = []
    params = query_params(filters, QueryOptions(), None)
    with connect(source, settings=cfg) as conn:
        databases = conn.execute(query_text("databases"), params).fetchall()
    for row in databases:
        name, can_connect = str(row[0]), bool(row[7])
        if not can_connect:
            continue
        with connect(source, database=name, settings=cfg) as conn:
            for schema in conn.execute(query_text("schemas"), params).fetchall():
                found.append({"catalog_name": name, "schema_name": str(schema[1])})
    return found
