"""Test PostgreSQL servers: the embedded one (always) and SOURCESENSE_TEST_DSN (when set)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from bench.make_catalog import make_catalog
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


@dataclass(frozen=True)
class PgServer:
    """A server tests may create databases and roles on; `admin` is a superuser conninfo."""

    name: str
    admin: str = field(repr=False)
    has_pg_stat_statements: bool

    def conninfo(self, database: str, **overrides: str) -> str:
        return make_conninfo(self.admin, dbname=database, **overrides)

    def url(self, database: str, user: str | None = None, password: str | None = None) -> str:
        """A postgresql:// URL (password included only when given)."""
        params = conninfo_to_dict(self.admin)
        who = user or str(params.get("user", "postgres"))
        secret = f":{password}" if password else ""
        return f"postgresql://{who}{secret}@{params['host']}:{params['port']}/{database}"

    def admin_password(self) -> str | None:
        value = conninfo_to_dict(self.admin).get("password")
        return str(value) if value is not None else None

    @contextmanager
    def connect(self, database: str = "postgres") -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            yield conn

    def version_num(self) -> int:
        with self.connect() as conn:
            return conn.info.server_version

    @contextmanager
    def temp_database(self, prefix: str = "sstest") -> Iterator[str]:
        """A fresh database dropped afterwards, so tests leave nothing behind."""
        name = f"{prefix}_{secrets.token_hex(4)}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield name
        finally:
            drop_database(self, name)


@contextmanager
def generated_catalog(
    server: PgServer, prefix: str, tables: int, columns: int = 12
) -> Iterator[str]:
    """A database holding bench/make_catalog.py's synthetic catalog, dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(3)}"
    make_catalog(server.admin, name, tables=tables, schemas=2, columns=columns)
    try:
        yield name
    finally:
        drop_database(server, name)


def drop_database(server: PgServer, name: str) -> None:
    with server.connect() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def external_dsn() -> str | None:
    return os.environ.get("SOURCESENSE_TEST_DSN") or None
