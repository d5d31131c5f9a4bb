"""Which hosts an API caller may make the server connect to: pure functions, no I/O.

A host is a DNS name or an IP literal, reached over TCP. Unix socket paths (peer
authentication as the server's OS user) are refused unless a setting allows them; control
characters, separators libpq reads as a host list, and names with an empty label are refused
before they reach libpq. An optional allow-list narrows the reachable hosts and ports.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

from sourcesense.errors import ConfigError

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_ALLOW_HINT = "SOURCESENSE_ALLOWED_SOURCES lists the hosts the API may reach"


class InvalidHostError(ConfigError):
    """A host an API caller may not use: its message starts with the field name."""


@dataclass(frozen=True)
class AllowEntry:
    """One allow-list entry: a network, a name, or a `*.` wildcard name; any port if None."""

    network: IpNetwork | None = None
    name: str | None = None
    port: int | None = None

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            address = _ip(host)
            return address is not None and address.version == self.network.version and (
                address in self.network
            )  # fmt: skip
        wanted = self.name or ""
        if wanted.startswith("/"):  # a socket folder: paths are case-sensitive
            return host == wanted
        if wanted.startswith("*."):  # subdomains only, at any depth
            return _normal(host).endswith(wanted[1:])
        return _normal(host) == wanted


def parse_allow_list(entries: list[str]) -> tuple[AllowEntry, ...]:
    """`db.internal`, `db.internal:5432`, `*.example.com`, `10.0.0.0/8`, `[fd00::]/8:5432`,
    `/run/postgresql` (a socket folder, when sockets are allowed). Raises ConfigError."""
    return tuple(_entry(text.strip()) for text in entries if text.strip())


def _entry(text: str) -> AllowEntry:
    host, port = _split_port(text)
    if host.startswith("/"):
        return AllowEntry(name=host, port=port)
    try:
        return AllowEntry(network=ipaddress.ip_network(host, strict=False), port=port)
    except ValueError:
        pass
    name = host[2:] if host.startswith("*.") else host
    if _name_problem(name) is not None:
        raise ConfigError(f"SOURCESENSE_ALLOWED_SOURCES: '{text[:100]}' is not a host[:port], "
                          "*.domain[:port] or network/prefix[:port]")  # fmt: skip
    return AllowEntry(name=_normal(host), port=port)


def _split_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):  # [IPv6](/prefix)?(:port)?
        inside, _, rest = text[1:].partition("]")
        prefix, _, port = rest.partition(":")
        return inside + prefix, _port(port, text) if port else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, _port(port, text)
    return text, None


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"SOURCESENSE_ALLOWED_SOURCES: bad port in '{entry[:100]}'")
    return int(text)


def check_host(
    host: str, port: int, field: str, allow_sockets: bool = False,
    allowed: tuple[AllowEntry, ...] = (),
) -> None:  # fmt: skip
    """Raise InvalidHostError (422) naming `field` unless the host may be reached."""
    problem = _host_problem(host, allow_sockets)
    if problem is not None:
        raise InvalidHostError(f"{field}: {problem}")
    if allowed and not any(entry.matches(host, port) for entry in allowed):
        shown = host if host.isprintable() else repr(host)
        raise InvalidHostError(f"{field}: {shown[:100]} port {port} is not in the allow-list "
                               f"of this server ({_ALLOW_HINT})")  # fmt: skip


def _host_problem(host: str, allow_sockets: bool) -> str | None:
    if any(ord(char) < 32 or ord(char) == 127 for char in host):
        return "contains a control character"
    if host.startswith("/") or host.startswith("@"):
        if allow_sockets and host.startswith("/"):
            return None
        return ("is a Unix socket path; the API connects over TCP only "
                "(SOURCESENSE_API_ALLOW_SOCKETS allows sockets)")  # fmt: skip
    if "://" in host or "=" in host:
        # Never echoed: a DSN pasted into the host field may carry a password.
        return ("is a connection string (DSN), not a host: give its host, port, user, "
                "password and database as separate fields")  # fmt: skip
    if _ip(host) is not None:
        return None
    return _name_problem(host)


def _name_problem(name: str) -> str | None:
    """Why `name` is not a DNS host name, or None."""
    if not name.isascii():
        return "must be ASCII: give an international name in its punycode (xn--) form"
    if "," in name or any(char.isspace() for char in name):
        return "must be one host name or IP address (no lists, no spaces)"
    labels = (name[:-1] if name.endswith(".") else name).split(".")
    if len(name) > 253 or any(not _LABEL.match(label) for label in labels):
        return ("is not a valid host name: labels of 1-63 letters, digits, '-' or '_', "
                "separated by single dots")  # fmt: skip
    if labels[-1].isdigit() or _legacy_ipv4(name):
        return "is neither a dotted IPv4 address nor a host name"
    return None


def _legacy_ipv4(name: str) -> bool:
    """Forms like `0x7f000001` or `127.1`, which the resolver reads as IPv4 addresses."""
    try:
        socket.inet_aton(name)
    except OSError:
        return False
    return True


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _normal(name: str) -> str:
    return name.lower().removesuffix(".")
