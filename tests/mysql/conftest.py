"""A MySQL/MariaDB server (tests/mysql_server.py), sample_db loaded under a unique prefix,
and one extraction of it shared by the module that reads it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pymysql
import pytest

from sourcesense.engines.mysql.dsn import parse_mysql_dsn
from sourcesense.sample_db.mysql_load import DOMAINS, load_mysql
from sourcesense.source import Source
from tests.mysql_server import mysql_dsn


@pytest.fixture(scope="session")
def mysql_source() -> Iterator[Source]:
    with mysql_dsn() as dsn:
        yield parse_mysql_dsn(dsn)


def admin(source: Source) -> pymysql.connections.Connection[Any]:
    return pymysql.connect(
        host=source.host, port=source.port or 3306, user=source.user or "root",
        password=source.password.get_secret_value() if source.password else "",
        autocommit=True,
    )  # fmt: skip


def query(source: Source, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """An independent look at the server (not through SourceSense)."""
    with closing(admin(source)) as conn, conn.cursor() as cur:
        cur.execute(sql, params or None)
        return list(cur.fetchall())


@pytest.fixture(scope="session")
def mysql_sample(mysql_source: Source) -> Iterator[str]:
    """sample_db's three databases, named with a prefix unique to this session; the prefix."""
    prefix = f"sstest{os.getpid()}_"
    load_mysql(mysql_source, prefix, scale=0.2)
    try:
        yield prefix
    finally:
        with closing(admin(mysql_source)) as conn, conn.cursor() as cur:
            for domain in reversed(DOMAINS):
                cur.execute(f"DROP DATABASE IF EXISTS `{prefix}{domain}`")
