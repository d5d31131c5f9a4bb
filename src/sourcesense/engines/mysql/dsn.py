"""mysql:// and mariadb:// DSNs: mysql://user:password@host:port/database."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from sourcesense.errors import ConfigError
from sourcesense.source import Source

EXPECTED = "mysql://user:password@host:port/database (the database is optional)"


def parse_mysql_dsn(text: str) -> Source:
    """The Source of a mysql:// or mariadb:// URL; either scheme reads both servers (which one
    answers is detected from its version). The message of a malformed DSN never shows it."""
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        reason = "the port is not a number 1-65535"
        raise ConfigError(f"malformed DSN: {reason}; expected {EXPECTED}") from None
    if parts.query or parts.fragment:
        raise ConfigError(f"malformed DSN: mysql:// takes no ?options; expected {EXPECTED}")
    database = unquote(parts.path.lstrip("/")) or None
    if database is not None and "/" in database:
        raise ConfigError(f"malformed DSN: one database name after the host; expected {EXPECTED}")
    password = unquote(parts.password) if parts.password is not None else None
    return Source(
        engine="mysql",
        host=parts.hostname or None,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=SecretStr(password) if password is not None else None,
        database=database,
    )
