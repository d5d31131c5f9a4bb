"""mysql:// and mariadb:// DSNs choose the MySQL engine; the password never shows."""

from __future__ import annotations

import pytest

from sourcesense.engines import get_engine, unsupported_steps
from sourcesense.errors import ConfigError
from sourcesense.source import parse_dsn


@pytest.mark.parametrize("scheme", ["mysql", "mariadb", "MySQL"])
def test_scheme_chooses_the_mysql_engine(scheme: str) -> None:
    source = parse_dsn(f"{scheme}://app:S%40cret-9@db.example.com:3307/shop")
    assert (source.engine, source.host, source.port, source.user, source.database) == (
        "mysql", "db.example.com", 3307, "app", "shop")  # fmt: skip
    assert source.password is not None and source.password.get_secret_value() == "S@cret-9"
    assert source.redacted_url() == "mysql://app@db.example.com:3307/shop"
    assert "S@cret" not in repr(source)


def test_defaults_and_postgresql_unchanged() -> None:
    source = parse_dsn("mysql://root@localhost/")
    assert (source.database, source.port, source.describe()) == (None, None, "localhost:3306")
    assert parse_dsn("postgresql://u@h/db").engine == "postgresql"
    assert parse_dsn("host=h dbname=db").engine == "postgresql"


@pytest.mark.parametrize(
    ("dsn", "fragment"),
    [
        ("mysql://u:Pw-123@h:port/db", "the port is not a number"),
        ("mysql://u:Pw-123@h/db?ssl=1", "takes no ?options"),
        ("mysql://u:Pw-123@h/a/b", "one database name"),
    ],
)
def test_malformed_mysql_dsn(dsn: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match="malformed DSN") as exc:
        parse_dsn(dsn)
    assert fragment in exc.value.message
    assert "Pw-123" not in exc.value.message


def test_engines_are_entries() -> None:
    assert get_engine("mysql").default_port == 3306
    assert get_engine("postgresql").default_port == 5432
    assert unsupported_steps("postgresql", True, True, ["atlan"]) == []
    assert unsupported_steps("mysql", True, True, ["atlan"]) == []
    assert (get_engine("mysql").profiling, get_engine("postgresql").profiling) == (False, True)
    with pytest.raises(ConfigError, match="unknown engine 'oracle'"):
        get_engine("oracle")
