from __future__ import annotations

import pytest

from sourcesense.errors import ConfigError
from sourcesense.source import Source, parse_dsn


def test_url_with_every_part() -> None:
    source = parse_dsn("postgresql://alice:s3cr%40t@db.example.com:6543/sales?sslmode=require")
    assert (source.host, source.port, source.user, source.database) == (
        "db.example.com", 6543, "alice", "sales"
    )  # fmt: skip
    assert source.password is not None and source.password.get_secret_value() == "s3cr@t"
    assert source.sslmode == "require"


def test_key_value_form() -> None:
    source = parse_dsn("host=/var/run/postgresql dbname='my db' user=bob")
    assert source.host == "/var/run/postgresql" and source.database == "my db"
    assert source.password is None


def test_password_never_in_repr_or_redacted_url() -> None:
    source = parse_dsn("postgresql://alice:hunter2@h:5432/d")
    assert "hunter2" not in repr(source)
    assert "hunter2" not in str(source.model_dump())
    assert source.redacted_url() == "postgresql://alice@h:5432/d"


def test_conninfo_round_trips_odd_values() -> None:
    source = Source(host="h", user="o'brien", password=None, database='we "quote" ü')
    assert parse_dsn(source.conninfo()).database == 'we "quote" ü'
    assert parse_dsn(source.conninfo()).user == "o'brien"


@pytest.mark.parametrize(
    ("dsn", "fragment"),
    [
        ("", "empty DSN"),
        ("oracle://root@localhost/db", "scheme 'oracle' is not postgresql://"),
        ("postgresql://u@h:notaport/db", "malformed DSN"),
        ("postgresql://u@h:70000/db", "port '70000' is not a number 1-65535"),
        ("host=h port=5432 sslmode=sometimes", "sslmode must be one of"),
        ("host=h = x", "malformed DSN"),
    ],
)
def test_malformed_dsn_is_a_config_error(dsn: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_dsn(dsn)
    assert fragment in caught.value.message
    assert "\n" not in caught.value.message


def test_malformed_dsn_message_hides_password() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_dsn("postgresql://u:topsecret@h:5432/db?badparam=topsecret")
    assert "topsecret" not in caught.value.message
