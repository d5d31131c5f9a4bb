"""Connecting to MySQL or MariaDB: read-only, time-limited sessions; errors as ours.

The server ends a statement at max_statement_time (MariaDB) or max_execution_time (MySQL) and
a metadata lock wait at lock_wait_timeout; the client gives up on a server silent for longer
(read_timeout). Which server answers is read from its version, never assumed from the scheme.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pymysql
import pymysql.cursors

from sourcesense.errors import (
    AuthenticationError,
    ConnectionFailedError,
    DatabaseNotFoundError,
    PermissionDeniedError,
    SourceSenseError,
)
from sourcesense.settings import Settings
from sourcesense.source import Source

DEFAULT_PORT = 3306


@dataclass
class Session:
    """An open connection and what its server is."""

    conn: pymysql.connections.Connection[Any]
    flavour: str  # mysql | mariadb
    version: str  # as the server reports it, e.g. 10.11.19-MariaDB-0+deb12u1
    version_num: int  # e.g. 101119, 80036
    user: str

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())


def version_num(version: str) -> int:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    if match is None:
        return 0
    major, minor, patch = (int(part) for part in match.groups())
    return major * 10_000 + minor * 100 + patch


def session_settings(flavour: str, cfg: Settings) -> str:
    """The session's limits: statements, lock waits (whole seconds, at least 1), read only."""
    lock_s = max(1, math.ceil(cfg.lock_timeout_ms / 1000))
    statement = (
        f"max_statement_time = {cfg.statement_timeout_ms / 1000:.3f}"
        if flavour == "mariadb"
        # MySQL caches table statistics in information_schema for a day by default.
        else f"max_execution_time = {cfg.statement_timeout_ms}, information_schema_stats_expiry = 0"
    )
    return (
        f"SET SESSION {statement}, lock_wait_timeout = {lock_s}, "
        # Lists are built with GROUP_CONCAT, cut at 1 KB by default.
        f"innodb_lock_wait_timeout = {lock_s}, group_concat_max_len = 16777216"
    )


@contextmanager
def connect(source: Source, cfg: Settings) -> Iterator[Session]:
    """An open session on `source` (its database selected, if it names one), closed after."""
    try:
        conn = pymysql.connect(
            host=source.host or "localhost",
            port=source.port or DEFAULT_PORT,
            user=source.user or "root",
            password=source.password.get_secret_value() if source.password else "",
            database=source.database,
            connect_timeout=cfg.connect_timeout_s,
            read_timeout=math.ceil(cfg.statement_timeout_ms / 1000 + cfg.hang_grace_s),
            write_timeout=math.ceil(cfg.statement_timeout_ms / 1000 + cfg.hang_grace_s),
            charset="utf8mb4",
            autocommit=True,
            program_name=cfg.application_name,
        )
        session = _open(conn, cfg)
    except pymysql.Error as exc:
        if "conn" in locals():
            conn.close()
        raise connection_error(exc, source) from None
    try:
        yield session
    finally:
        conn.close()


def _open(conn: pymysql.connections.Connection[Any], cfg: Settings) -> Session:
    with conn.cursor() as cur:
        cur.execute("SELECT VERSION(), CURRENT_USER()")
        version, user = cur.fetchone() or ("", "")
        flavour = "mariadb" if "mariadb" in str(version).lower() else "mysql"
        cur.execute(session_settings(flavour, cfg))
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    return Session(conn, flavour, str(version), version_num(str(version)), str(user))


# https://mariadb.com/kb/en/mariadb-error-codes/ (the same numbers on MySQL)
_AUTH, _NO_DATABASE, _DB_DENIED, _TABLE_DENIED = 1045, 1049, 1044, 1142
_UNREACHABLE = (2002, 2003, 2005, 2006, 2013)


def connection_error(exc: pymysql.Error, source: Source) -> SourceSenseError:
    """Our error for a driver error raised while connecting (never with the password)."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    reason = str(exc.args[1]) if len(exc.args) > 1 else type(exc).__name__
    if source.password is not None and source.password.get_secret_value():
        reason = reason.replace(source.password.get_secret_value(), "****")
    where = source.describe()
    if code == _AUTH:
        return AuthenticationError(
            f"authentication failed for user '{source.user or 'root'}' at {where}: check the "
            "user and password"
        )
    if code == _NO_DATABASE:
        return DatabaseNotFoundError(
            f"database '{source.database}' does not exist at {where}: check the name "
            "(SHOW DATABASES lists them)"
        )
    if code in (_DB_DENIED, _TABLE_DENIED):
        return PermissionDeniedError(f"permission denied at {where}: {reason}")
    if code in _UNREACHABLE:
        return ConnectionFailedError(
            f"cannot connect to MySQL/MariaDB at {where}: {reason.split(' (')[0]}; check host, "
            "port and that the server accepts connections"
        )
    return ConnectionFailedError(f"MySQL/MariaDB at {where}: {reason}")
