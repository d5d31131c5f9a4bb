"""The shape of a sources file, validated by pydantic (unknown keys are errors)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, model_validator

SOURCE_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_PARALLEL = 16


def _duration(value: object) -> object:
    """'30s', '5m', '2h', '1d' or a number of seconds, as a timedelta."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError("give a duration such as 30s, 5m, 2h or 1d")
        return timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PasswordRef(_Strict):
    """Where the password comes from: exactly one of an environment variable, a file (its
    first line; relative to the sources file), or a secret (a file of that name under
    $CREDENTIALS_DIRECTORY or /run/secrets). `value` is inline: refused without
    --allow-inline-passwords."""

    env: str | None = None
    file: str | None = None
    secret: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9._-]{1,255}$")] = None
    value: SecretStr | None = None

    @model_validator(mode="after")
    def _one(self) -> PasswordRef:
        given = [name for name in ("env", "file", "secret", "value") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of env, file, secret (or value, inline)")
        return self


def _password(value: object) -> object:
    """A bare string is an inline password."""
    return {"value": value} if isinstance(value, str) else value


class ScopeItem(_Strict):
    database: str = Field(min_length=1, max_length=63)
    schemas: list[str] = []  # none: every schema
    tables: list[str] = []  # regexes; none: every table


class Patterns(_Strict):
    include_database: str | None = None
    exclude_database: str | None = None
    include_schema: str | None = None
    exclude_schema: str | None = None
    include_table: str | None = None
    exclude_table: str | None = None


class Options(_Strict):
    formats: list[str] = ["atlan", "openlineage"]
    lineage: bool = True
    quality: bool = True
    profile: bool = False
    anonymize: bool = False
    estimate_sizes: bool = False
    full_refresh: bool = False


class Outputs(_Strict):
    openlineage_url: str | None = None
    webhook: Annotated[str | None, Field(pattern=r"^https?://")] = None


class ScheduleConfig(_Strict):
    """When Temporal starts the source's run: a cron expression or an interval. A run still
    going when the next is due makes that one skipped; runs missed while no worker (or no
    Temporal) was up are caught up once, if within catchup_window."""

    cron: str | None = None
    interval: Duration | None = None
    catchup_window: Duration = timedelta(days=1)
    paused: bool = False

    @model_validator(mode="after")
    def _one(self) -> ScheduleConfig:
        if (self.cron is None) == (self.interval is None):
            raise ValueError("give exactly one of cron or interval")
        if self.interval is not None and self.interval < timedelta(seconds=1):
            raise ValueError("interval: at least 1s")
        if self.catchup_window < timedelta(seconds=10):
            raise ValueError("catchup_window: at least 10s (Temporal's minimum)")
        return self


class SourceConfig(_Strict):
    dsn: str = Field(min_length=1)
    password: Annotated[PasswordRef | None, BeforeValidator(_password)] = None
    all_databases: bool = False
    scope: list[ScopeItem] = []
    patterns: Patterns = Patterns()
    options: Options = Options()
    outputs: Outputs = Outputs()
    schedule: ScheduleConfig | None = None


SourceName = Annotated[str, Field(pattern=SOURCE_NAME)]


class SourcesFile(_Strict):
    version: Literal[1] = 1
    max_parallel: int = Field(2, ge=1, le=MAX_PARALLEL)  # sources run at once by `run`
    sources: dict[SourceName, SourceConfig] = Field(min_length=1)
