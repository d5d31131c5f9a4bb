"""A source described through the API pins every libpq option that has an environment variable,
so libpq never falls back to the server's PGPASSWORD, pgpass, client certificate or PGOPTIONS.
(tests/api/test_caller_credentials.py proves it against a real server.)"""

from __future__ import annotations

import pytest
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from sourcesense.errors import ConfigError
from sourcesense.source import NOWHERE, Source

API_SOURCE = Source(host="db.example", port=5432, user="u", database="d", isolated=True)


def test_every_option_with_an_environment_variable_is_given() -> None:
    params = conninfo_to_dict(API_SOURCE.conninfo())
    with_envvar = {
        option.keyword.decode() for option in pq.Conninfo.get_defaults() if option.envvar
    }
    # PGSERVICE has no neutral value; it is refused instead (below).
    assert with_envvar - {"service"} <= set(params)
    assert params["passfile"] == NOWHERE and params["password"] == ""
    assert params["sslcert"] == NOWHERE and params["sslkey"] == NOWHERE
    assert params["sslcertmode"] == "disable" and params["options"] == ""
    assert "gss" not in str(params["require_auth"])
    assert (params["host"], params["user"], params["dbname"]) == ("db.example", "u", "d")


def test_the_callers_values_win_over_the_pinned_ones() -> None:
    source = API_SOURCE.model_copy(update={"password": SecretStr("pw"), "sslmode": "require"})
    params = conninfo_to_dict(source.conninfo("other"))
    assert (params["password"], params["sslmode"], params["dbname"]) == ("pw", "require", "other")


def test_cli_sources_keep_libpq_defaults() -> None:
    params = conninfo_to_dict(API_SOURCE.model_copy(update={"isolated": False}).conninfo())
    assert set(params) == {"host", "port", "user", "dbname"}


def test_a_server_environment_naming_a_service_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSERVICE", "prod")
    with pytest.raises(ConfigError, match="PGSERVICE"):
        API_SOURCE.conninfo()
    API_SOURCE.model_copy(update={"isolated": False}).conninfo()  # the CLI may use services


def test_no_connection_string_carries_a_nul() -> None:
    for source in (API_SOURCE, API_SOURCE.model_copy(update={"isolated": False})):
        with pytest.raises(ConfigError, match="NUL"):
            source.model_copy(update={"user": "u\x00host=/tmp"}).conninfo()
