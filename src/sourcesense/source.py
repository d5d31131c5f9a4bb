"""Where to connect: a typed source (the password is a SecretStr), DSN parsing, and connecting.

Every failure to connect becomes one SourceSenseError with a one-line, actionable message that
never contains the password. Connections are read-only, time-limited and named `sourcesense`.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg import pq
from pydantic import BaseModel, ConfigDict, SecretStr

from sourcesense.errors import (
    AuthenticationError,
    ConfigError,
    ConnectionFailedError,
    DatabaseNotFoundError,
    PermissionDeniedError,
    SourceSenseError,
)
from sourcesense.settings import Settings, get_settings
from sourcesense.watchdog import WatchedConnection, watch

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_CREDENTIAL_HINT = "give it in the DSN, PGPASSWORD, ~/.pgpass, or with --password-prompt"


class PasswordRequiredError(AuthenticationError):
    """The server asks for a password and none was given."""


class Source(BaseModel):
    """A server to extract from. `database` is the one to connect to first; `engine` names the
    entry in sourcesense.engines that reads it (chosen by the DSN's scheme)."""

    model_config = ConfigDict(frozen=True)

    engine: str = "postgresql"
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: SecretStr | None = None
    database: str | None = None
    sslmode: str | None = None
    extra: dict[str, str] = {}
    # Described by an API caller: connect with the caller's credentials only, never with the
    # server's ~/.pgpass, service file or PG* environment (see isolated_defaults).
    isolated: bool = False

    def with_password(self, password: str) -> Source:
        return self.model_copy(update={"password": SecretStr(password)})

    def with_database(self, database: str) -> Source:
        return self.model_copy(update={"database": database})

    def conninfo(self, database: str | None = None) -> str:
        """The libpq connection string, password included: only ever handed to the driver."""
        params: dict[str, Any] = {**self.extra, "host": self.host, "port": self.port}
        params |= {"user": self.user, "dbname": database or self.database}
        params["sslmode"] = self.sslmode
        if self.password is not None:
            params["password"] = self.password.get_secret_value()
        given = {k: v for k, v in params.items() if v is not None}
        if any("\x00" in str(value) for value in given.values()):
            # libpq reads the string up to a NUL: the options after it would silently vanish.
            raise ConfigError("connection parameters may not contain a NUL character")
        if self.isolated:
            given |= {k: v for k, v in isolated_defaults().items() if k not in given}
        return pg_conninfo.make_conninfo(**given)

    def redacted_url(self) -> str:
        """The source as a URL without its password, for manifests, logs and messages."""
        user = quote(self.user, safe="") + "@" if self.user else ""
        host = self.host or "localhost"
        host = quote(host, safe="") if host.startswith("/") else host
        port = f":{self.port}" if self.port else ""
        database = quote(self.database or "", safe="")
        query = f"?sslmode={self.sslmode}" if self.sslmode else ""
        return f"{self.engine}://{user}{host}{port}/{database}{query}"

    def describe(self) -> str:
        """host:port for messages."""
        default = 3306 if self.engine == "mysql" else 5432
        return f"{self.host or 'localhost'}:{self.port or default}"


# A path below a file that is not a directory: it can never exist (stat fails with ENOTDIR,
# which libpq takes as "no such file", silently).
NOWHERE = "/dev/null/sourcesense-none"
# Pinned where the empty string would mean a default file in the server's home directory, or
# is not a valid value. An empty password makes libpq answer "password not supplied" instead
# of looking for one.
_PINNED = {
    "password": "", "passfile": NOWHERE, "sslcert": NOWHERE, "sslkey": NOWHERE,
    "sslcertmode": "disable", "min_protocol_version": "3.0", "max_protocol_version": "3.0",
    "connect_timeout": "10",  # connect() gives its own; "" is not a number to psycopg
    # Methods that prove the caller's own secret, or none (trust); never GSS/SSPI/OAuth, which
    # would present the server's Kerberos ticket or start a device flow. ("" allows nothing.)
    "require_auth": "password,md5,scram-sha-256,none",
}  # fmt: skip
# Options without an environment variable that a service file could still supply.
_NO_ENVVAR = ("sslpassword", "sslkeylogfile", "oauth_issuer", "oauth_client_id",
              "oauth_client_secret", "oauth_scope")  # fmt: skip


def isolated_defaults() -> dict[str, str]:
    """A value for every libpq option that has an environment variable, so libpq never falls
    back to PGPASSWORD, PGPASSFILE/~/.pgpass, PGSSLCERT, PGOPTIONS... of the server process.

    libpq only consults the environment for options left unset; an explicit value (empty
    where libpq treats empty as "none", the compiled default otherwise) shuts each fallback.
    PGSERVICE cannot be shut that way (an empty service name is an error), so it is refused.
    """
    if os.environ.get("PGSERVICE"):
        raise ConfigError(
            "the server's environment sets PGSERVICE, which connections described through the "
            "API may not use: unset it for `sourcesense serve`"
        )
    return _isolated_values()


@lru_cache(maxsize=1)
def _isolated_values() -> dict[str, str]:
    values: dict[str, str] = {}
    for option in pq.Conninfo.get_defaults():
        key = option.keyword.decode()
        if key == "service" or (option.envvar is None and key not in _NO_ENVVAR):
            continue
        compiled = option.compiled.decode() if option.compiled is not None else ""
        values[key] = _PINNED.get(key, compiled)
    return values


def parse_dsn(dsn: str) -> Source:
    """Parse a postgresql:// URL or a libpq 'key=value' string into a Source."""
    text = dsn.strip()
    if not text:
        raise ConfigError("empty DSN: expected postgresql://user@host:port/database")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("mysql", "mariadb"):
        from sourcesense.engines.mysql.dsn import parse_mysql_dsn  # noqa: PLC0415

        return parse_mysql_dsn(text)
    if "://" in text and not re.match(r"^postgres(ql)?://", text):
        scheme = text.split("://", 1)[0][:20]
        raise ConfigError(
            f"malformed DSN: scheme '{scheme}' is not postgresql://, mysql:// or mariadb://"
        )
    try:
        params = pg_conninfo.conninfo_to_dict(text)
    except psycopg.ProgrammingError as exc:
        raise ConfigError(malformed_dsn_message(text, _first_line(str(exc)))) from None
    return _source_from_params({k: str(v) for k, v in params.items() if v is not None})


EXPECTED_DSN = "postgresql://user@host:port/database or key=value pairs"
_SHOWN_DSN_CHARS = 80
# Where a DSN that libpq could not parse may hold a password: in a URL, its userinfo
# ("user:secret@", up to the last "@" before the path) and its password= query parameter; in
# key=value pairs, the password's value (quoted or not).
_URL_SECRETS = (
    re.compile(r"^postgres(?:ql)?://[^:/?#@]*:([^/?#]*)@"),
    re.compile(r"[?&]password=([^&#]*)"),
)
_PAIR_SECRETS = (re.compile(r"\bpassword\s*=\s*('(?:[^'\\]|\\.)*'?|\S+)"),)


def malformed_dsn_message(dsn: str, reason: str) -> str:
    """What is wrong with a DSN libpq could not parse, showing the DSN with any password
    masked (libpq's own reason quotes the offending text, which may be the password)."""
    parts = _URL_SECRETS if re.match(r"^postgres(ql)?://", dsn) else _PAIR_SECRETS
    secrets = [m.group(1) for part in parts for m in part.finditer(dsn) if m.group(1)]
    shown = _mask(dsn, secrets)
    if len(shown) > _SHOWN_DSN_CHARS:
        shown = shown[: _SHOWN_DSN_CHARS - 1] + "…"
    reason = re.sub(r"\s+in connection info string$", "", reason.replace(f': "{dsn}"', ""))
    reason = re.sub(r'"([^"]*)"', lambda m: f'"{_mask(m[1], secrets)}"', reason)
    return f'malformed DSN: expected {EXPECTED_DSN} (got "{shown}": {reason})'


def _mask(text: str, secrets: list[str]) -> str:
    """The text with every secret, and a text that is part of one, replaced by ****."""
    if any(text in secret for secret in secrets if text):
        return "****"
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text


def _source_from_params(params: dict[str, str]) -> Source:
    port_text = params.pop("port", None)
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"malformed DSN: port '{port_text[:10]}' is not a number 1-65535")
        port = int(port_text)
    sslmode = params.pop("sslmode", None)
    if sslmode is not None and sslmode not in SSL_MODES:
        raise ConfigError(f"malformed DSN: sslmode must be one of {', '.join(SSL_MODES)}")
    password = params.pop("password", None)
    return Source(
        host=params.pop("host", None),
        port=port,
        user=params.pop("user", None),
        password=SecretStr(password) if password is not None else None,
        database=params.pop("dbname", None),
        sslmode=sslmode,
        extra=params,
    )


def connect(
    source: Source,
    database: str | None = None,
    settings: Settings | None = None,
    read_only: bool = True,
) -> WatchedConnection:
    """Open a read-only, time-limited session named `sourcesense`, or raise a SourceSenseError.

    Time-limited on both sides: the server ends statements at statement_timeout and lock waits
    at lock_timeout; the client gives up on a server that stays silent past statement_timeout
    plus a grace (watchdog.py), and TCP keepalives notice a peer that is gone.

    `read_only=False` is for the one explicit write there is: `sourcesense ddl-log`.
    """
    cfg = settings or get_settings()
    options = (
        f"-c statement_timeout={cfg.statement_timeout_ms} -c lock_timeout={cfg.lock_timeout_ms}"
        f" -c default_transaction_read_only={'on' if read_only else 'off'}"
        " -c idle_in_transaction_session_timeout=600000"
        " -c jit=off"  # JIT compiles each catalog query for ~1 s and never pays off here
        # pg_get_viewdef, pg_get_expr, pg_get_indexdef and format_type leave out the schema of
        # whatever the search_path finds: a database or role setting would change definitions,
        # type names and hence lineage. With pg_catalog alone (always searched anyway) every
        # user object comes out schema-qualified; our SQL qualifies what it names itself.
        " -c search_path=pg_catalog"
    )
    try:
        # autocommit: transactions are opened explicitly, each with its isolation level.
        conn = WatchedConnection.connect(
            source.conninfo(database),
            application_name=cfg.application_name,
            connect_timeout=cfg.connect_timeout_s,
            options=options,
            autocommit=True,
            # A peer that vanished (host down, network cut) is noticed within about a minute.
            keepalives=1,
            keepalives_idle=cfg.tcp_keepalive_idle_s,
            keepalives_interval=cfg.tcp_keepalive_interval_s,
            keepalives_count=cfg.tcp_keepalive_count,
            tcp_user_timeout=cfg.tcp_user_timeout_ms,
        )
    except psycopg.Error as exc:
        raise connection_error(exc, source, database or source.database) from None
    return watch(conn, cfg.statement_timeout_ms, cfg.hang_grace_s, source.describe())


def connection_error(exc: psycopg.Error, source: Source, database: str | None) -> SourceSenseError:
    """Map a driver error raised while connecting to one of our errors."""
    reason = _redact(_first_line(str(exc)), source)
    where = source.describe()
    db = database or source.user or "(default)"
    match exc.sqlstate or _sqlstate_from_text(reason):
        case "28P01":
            return AuthenticationError(
                f"authentication failed for user '{source.user}' at {where}: check the password"
            )
        case "28000":
            return AuthenticationError(f"access rejected at {where}: {reason}")
        case "3D000":
            return DatabaseNotFoundError(
                f"database '{db}' does not exist at {where}: check the name (psql -l lists them)"
            )
        case "42501":
            return PermissionDeniedError(f"permission denied at {where}: {reason}")
        case "no-password":
            return PasswordRequiredError(
                f"the server at {where} requires a password: "
                + ("send it with the request" if source.isolated else _CREDENTIAL_HINT)
            )
    return ConnectionFailedError(
        f"cannot connect to PostgreSQL at {where}: {reason}; check host, port and that the "
        "server accepts connections"
    )


# libpq reports connection-time server errors as text only; these are stable across versions.
_TEXT_STATES = (
    ("password authentication failed", "28P01"),
    ("no password supplied", "no-password"),
    ("no pg_hba.conf entry", "28000"),
    ('role "', "28000"),
    ("does not exist", "3D000"),
    ("permission denied for database", "42501"),
)


def _sqlstate_from_text(reason: str) -> str | None:
    return next((state for text, state in _TEXT_STATES if text in reason), None)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else "unknown error"
    # libpq prefixes 'connection to server at "h", port p failed: FATAL:  '; we name the server.
    line = re.sub(r"^(connection failed:\s*)?connection to server (at|on) .*? failed:\s*", "", line)
    return re.sub(r"^(FATAL|ERROR):\s*", "", line)


def _redact(text: str, source: Source) -> str:
    if source.password is not None and source.password.get_secret_value():
        text = text.replace(source.password.get_secret_value(), "****")
    return text
