"""Sources described by API callers: checked hosts, the caller's credentials only, filters
compiled by the source's own regex engine before a run is accepted."""

from __future__ import annotations

import asyncio

import psycopg

from sourcesense.api.hosts import check_host, parse_allow_list
from sourcesense.api.models import Connection
from sourcesense.errors import InvalidFilterError, SourceSenseError
from sourcesense.extract.filters import Filters, check_shape, validate_on_server
from sourcesense.settings import Settings
from sourcesense.source import Source, connect

# /start waits this long at most to have the source compile the filter patterns.
FILTER_CHECK_TIMEOUT_S = 5


def caller_source(connection: Connection, settings: Settings, field: str) -> Source:
    """The connection as an isolated Source, or InvalidHostError (422) naming `field`."""
    allowed = parse_allow_list(settings.allowed_sources)
    check_host(connection.host, connection.port, field, settings.api_allow_sockets, allowed)
    return connection.source()


async def check_filters(source: Source, filters: Filters, settings: Settings) -> None:
    """InvalidFilterError (422) for a pattern the source's regex engine rejects.

    PostgreSQL's regexes (ARE) are not Python's, so only the server can say what it accepts.
    A source that cannot be reached or refuses the credentials is not this check's business:
    the run's preflight reports it, exactly as for a run without filters.
    """
    try:
        check_shape(filters)
        if filters.patterns() or filters.scope:
            await asyncio.to_thread(_validate, source, filters, settings)
    except InvalidFilterError as exc:
        raise InvalidFilterError(_api_names(exc.message, filters)) from None
    except (SourceSenseError, psycopg.Error):
        return


def _validate(source: Source, filters: Filters, settings: Settings) -> None:
    short = min(settings.connect_timeout_s, FILTER_CHECK_TIMEOUT_S)
    limits = {"connect_timeout_s": short, "statement_timeout_ms": short * 1000}
    with connect(source, settings=settings.model_copy(update=limits)) as conn:
        validate_on_server(conn, filters)


def _api_names(message: str, filters: Filters) -> str:
    """Name the body field (filters.include_table), not the CLI option (--include-table)."""
    for name in [*filters.patterns(), "scope"]:
        option = "--" + name.replace("_", "-")
        if message.startswith(option + ":"):
            return "filters." + name + message.removeprefix(option)
    return message
