"""sample_db on MySQL/MariaDB: three databases (ecommerce, analytics, reporting), optionally
with a name prefix, created from mysql_schema.sql and filled on the server (mysql_data.sql).

A database of those names that holds objects sample_db did not create is left alone unless
`replace`; otherwise the three are dropped and made again (idempotent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pymysql

from sourcesense.engines.mysql.connection import connection_error
from sourcesense.errors import ConfigError
from sourcesense.source import Source

DOMAINS = ("ecommerce", "analytics", "reporting")
USERS_AT_SCALE_1 = 200
_PREFIX = re.compile(r"^[a-z0-9_]{0,32}$")
_CREATED = re.compile(r"^CREATE (?:TABLE|VIEW) \{p\}(\w+)\.(\w+)", re.MULTILINE)


@dataclass(frozen=True)
class MysqlSampleLoad:
    """What a load did."""

    databases: list[str]
    rows: dict[str, int]
    dropped_foreign: list[str]

    def report(self, where: str) -> list[str]:
        lines = [f"created databases {', '.join(self.databases)} at {where}"]
        if self.dropped_foreign:
            lines.append(f"--replace: dropped {len(self.dropped_foreign)} objects sample_db "
                         f"did not create: {', '.join(self.dropped_foreign[:5])}")  # fmt: skip
        lines.append(f"loaded sample_db: {sum(self.rows.values()):,} rows in "
                     f"{len(self.rows)} tables")  # fmt: skip
        return lines


def statements(text: str) -> list[str]:
    """The statements of a script in the mysql client's format (DELIMITER lines honoured)."""
    found: list[str] = []
    current: list[str] = []
    delimiter = ";"
    for line in text.splitlines():
        if line.startswith("DELIMITER "):
            delimiter = line.split()[1]
            continue
        if not current and (not line.strip() or line.startswith("--")):
            continue
        current.append(line)
        if line.rstrip().endswith(delimiter):
            found.append("\n".join(current).rstrip()[: -len(delimiter)])
            current = []
    return found


def script(name: str, prefix: str, users: int = 0) -> list[str]:
    text = (resources.files("sourcesense.sample_db") / name).read_text(encoding="utf-8")
    return statements(text.replace("{p}", prefix).replace("{n}", str(users)))


def created_objects() -> set[tuple[str, str]]:
    """(domain, name) of every table and view sample_db creates."""
    text = (resources.files("sourcesense.sample_db") / "mysql_schema.sql").read_text("utf-8")
    return set(_CREATED.findall(text))


def load_mysql(
    source: Source, prefix: str = "", scale: float = 1.0, replace: bool = False
) -> MysqlSampleLoad:
    """Load sample_db's three databases (named prefix + domain) on the source's server."""
    if not _PREFIX.match(prefix):
        raise ConfigError("--database: on MySQL a prefix of the three databases' names: "
                          "lowercase letters, digits and _ only")  # fmt: skip
    try:
        conn = pymysql.connect(
            host=source.host or "localhost", port=source.port or 3306,
            user=source.user or "root",
            password=source.password.get_secret_value() if source.password else "",
            autocommit=True, charset="utf8mb4",
        )  # fmt: skip
    except pymysql.Error as exc:
        raise connection_error(exc, source) from None
    try:
        with conn, conn.cursor() as cur:
            return _load(cur, prefix, scale, replace)
    except pymysql.Error as exc:
        raise connection_error(exc, source) from None


def _load(cur: Any, prefix: str, scale: float, replace: bool) -> MysqlSampleLoad:
    foreign = _foreign_objects(cur, prefix)
    if foreign and not replace:
        raise ConfigError(
            f"{', '.join(foreign[:5])} not created by sample_db: drop them, choose a "
            "prefix with --database, or give --replace"
        )
    for domain in reversed(DOMAINS):  # analytics and reporting reference ecommerce
        cur.execute(f"DROP DATABASE IF EXISTS `{prefix}{domain}`")
    for sql in script("mysql_schema.sql", prefix) + script(
        "mysql_data.sql", prefix, max(1, round(USERS_AT_SCALE_1 * scale))
    ):
        cur.execute(sql)
    rows = _row_counts(cur, prefix)
    return MysqlSampleLoad([prefix + d for d in DOMAINS], rows, foreign)


def _foreign_objects(cur: Any, prefix: str) -> list[str]:
    ours = {(prefix + domain, name) for domain, name in created_objects()}
    cur.execute(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA IN (%s, %s, %s) ORDER BY 1, 2",
        [prefix + domain for domain in DOMAINS],
    )
    return [f"{s}.{t}" for s, t in cur.fetchall() if (s, t) not in ours]


def _row_counts(cur: Any, prefix: str) -> dict[str, int]:
    rows: dict[str, int] = {}
    for domain, name in sorted(created_objects()):
        cur.execute(
            "SELECT TABLE_TYPE FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s", (prefix + domain, name),
        )  # fmt: skip
        if (cur.fetchone() or ("",))[0] == "BASE TABLE":
            cur.execute(f"SELECT COUNT(*) FROM `{prefix}{domain}`.`{name}`")
            rows[f"{domain}.{name}"] = int(cur.fetchone()[0])
    return rows
