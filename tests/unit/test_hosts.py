"""Which hosts an API caller may name: pure checks, no network."""

from __future__ import annotations

import pytest

from sourcesense.api.hosts import InvalidHostError, check_host, parse_allow_list
from sourcesense.errors import ConfigError

GOOD = ["db.internal", "DB.Example.com.", "localhost", "pg-1_a.svc", "10.0.0.5", "::1",
        "fe80::1%eth0", "2001:db8::7", "xn--bcher-kva.example"]  # fmt: skip
BAD = {
    "/var/run/postgresql": "Unix socket",
    "@abstract": "Unix socket",
    "db\x00port=1": "control character",
    "db\x7f": "control character",
    "a..b": "not a valid host name",
    ".a": "not a valid host name",
    "a.b..": "not a valid host name",
    "-a.b": "not a valid host name",
    "a" * 64 + ".b": "not a valid host name",
    "h1,h2": "one host",
    "a b": "one host",
    "bücher.example": "ASCII",
    "127.1": "dotted IPv4",
    "0x7f000001": "dotted IPv4",
    "2130706433": "dotted IPv4",
    "010.0.0.1": "dotted IPv4",
    "[::1]": "not a valid host name",
    "host=evil": "is a connection string (DSN), not a host",
    "postgres://u:pw@h/db": "is a connection string (DSN), not a host",
}


@pytest.mark.parametrize("host", GOOD)
def test_names_and_ip_literals_are_accepted(host: str) -> None:
    check_host(host, 5432, "connection.host")


@pytest.mark.parametrize(("host", "reason"), BAD.items())
def test_bad_hosts_are_refused_naming_the_field(host: str, reason: str) -> None:
    with pytest.raises(InvalidHostError) as caught:
        check_host(host, 5432, "connection.host")
    assert caught.value.message.startswith("connection.host: ")
    assert reason in caught.value.message
    assert caught.value.http_status == 422


def test_socket_paths_only_when_allowed() -> None:
    check_host("/var/run/postgresql", 5432, "host", allow_sockets=True)
    with pytest.raises(InvalidHostError, match="control character"):
        check_host("/run/pg\x00x", 5432, "host", allow_sockets=True)
    with pytest.raises(InvalidHostError, match="Unix socket"):
        check_host("@abstract", 5432, "host", allow_sockets=True)


ALLOW = parse_allow_list(
    ["db.internal:5432", "10.0.0.0/8", "*.example.com", "[fd00::]/8:6432", " ", "/run/pg"]
)
ALLOWED = [
    ("db.internal", 5432), ("DB.INTERNAL.", 5432), ("10.1.2.3", 1), ("a.example.com", 5432),
    ("a.b.example.com", 1), ("fd00::1", 6432), ("/run/pg", 5432),
]  # fmt: skip
REFUSED = [
    ("db.internal", 5433), ("db.internal.evil", 5432), ("11.0.0.1", 5432),
    ("example.com", 5432), ("evilexample.com", 5432), ("fd00::1", 5432), ("::ffff:10.0.0.1", 1),
    ("/run/pg/x", 5432), ("/RUN/PG", 5432), ("167772161", 5432),
]  # fmt: skip


@pytest.mark.parametrize(("host", "port"), ALLOWED)
def test_allow_list_admits_listed_hosts_networks_and_subdomains(host: str, port: int) -> None:
    check_host(host, port, "connection.host", allow_sockets=True, allowed=ALLOW)


@pytest.mark.parametrize(("host", "port"), REFUSED)
def test_allow_list_refuses_everything_else(host: str, port: int) -> None:
    with pytest.raises(InvalidHostError, match=r"^connection\.host: "):
        check_host(host, port, "connection.host", allow_sockets=True, allowed=ALLOW)


def test_an_empty_allow_list_allows_any_tcp_host() -> None:
    assert parse_allow_list([]) == ()
    check_host("anything.example", 1, "host", allowed=())


@pytest.mark.parametrize("entry", ["a..b", "db:port", "db:70000", "*.", "x y"])
def test_bad_allow_list_entries_are_a_config_error(entry: str) -> None:
    with pytest.raises(ConfigError, match="SOURCESENSE_ALLOWED_SOURCES"):
        parse_allow_list([entry])
