"""Request and response bodies of the REST API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

from sourcesense.source import SSL_MODES, Source

SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
assert set(SslMode.__args__) == set(SSL_MODES)  # type: ignore[attr-defined]
Pattern = Field(default=None, max_length=1000)


class Body(BaseModel):
    """A request body part: unknown fields refused, every text valid Unicode."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        # JSON may carry a lone surrogate ("\ud800"); pydantic lets it through in some types
        # (SecretStr, list items), and no driver, file or answer can encode it.
        if _has_surrogate(value):
            raise ValueError("text is not valid Unicode (it holds a lone surrogate)")
        return value


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, list | tuple):
        return any(_has_surrogate(item) for item in value)
    return False  # nested bodies (dicts) check their own fields


class Connection(Body):
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=5432, ge=1, le=65535)
    user: str = Field(min_length=1, max_length=63)
    password: SecretStr | None = Field(default=None, max_length=1000)
    database: str = Field(default="postgres", min_length=1, max_length=63)
    sslmode: SslMode | None = None

    @field_validator("user", "database", "password", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        # libpq reads a connection string up to a NUL: what follows (the host) would vanish.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value or ""
        if any(ord(char) < 32 or ord(char) == 127 for char in text):
            raise ValueError("may not contain control characters")
        return value

    def source(self) -> Source:
        return Source(
            host=self.host, port=self.port, user=self.user, password=self.password,
            database=self.database, sslmode=self.sslmode, isolated=True,
        )  # fmt: skip


class ScopeBody(Body):
    """One database of an explicit scope, read exactly: these schemas only (none: every one)."""

    database: str = Field(min_length=1, max_length=63)
    schemas: list[Annotated[str, Field(min_length=1, max_length=63)]] = Field(
        default=[], max_length=10_000
    )
    tables: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default=[], max_length=100, description="regexes on table names; empty: every table"
    )


class FilterBody(Body):
    scope: list[ScopeBody] = Field(
        default=[],
        max_length=1000,
        description="the (database, schemas) pairs to read, exactly; the patterns below narrow "
        "it further. Empty: the connected database (all_databases: every one), by the patterns",
    )
    include_database: str | None = Pattern
    exclude_database: str | None = Pattern
    include_schema: str | None = Pattern
    exclude_schema: str | None = Pattern
    include_table: str | None = Pattern
    exclude_table: str | None = Pattern


class Options(Body):
    all_databases: bool = False
    lineage: bool = True
    profile: bool = False
    anonymize: bool = Field(
        default=False, description="mask the PII values include_pii_values writes"
    )
    include_pii_values: bool = Field(
        default=False,
        description="write sampled values (min/max) of columns classified as personal data; "
        "left out by default",
    )
    estimate_sizes: bool = False
    full_refresh: bool = Field(
        default=False,
        description="recompute every relation instead of copying the previous run's output "
        "for unchanged ones",
    )
    formats: list[str] = Field(default=["atlan", "openlineage"], max_length=10)
    webhook_url: HttpUrl | None = None
    openlineage_url: HttpUrl | None = Field(
        default=None,
        description="also post the OpenLineage events to this server (<url>/api/v1/lineage); "
        "the worker's SOURCESENSE_OPENLINEAGE_API_KEY is the API key",
    )


class StartRequest(Body):
    connection: Connection
    filters: FilterBody = FilterBody()
    options: Options = Options()


class Started(BaseModel):
    workflow_id: str
    run_id: str


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class PreflightReport(BaseModel):
    ok: bool
    error: ErrorBody | None = None
    server_version: str | None = None
    user: str | None = None
    database: str | None = None
    is_superuser: bool | None = None
    can_read_all_stats: bool | None = None
    estimated_databases: int | None = None
    estimated_relations: int | None = None


class StatusResponse(BaseModel):
    workflow_id: str
    run_id: str
    status: str  # running | completed | failed | ...
    stages: dict[str, Any]
    databases: dict[str, str]
    error: str | None = None
    result: dict[str, Any] | None = None
    elapsed_seconds: float | None = None  # the whole run's, once closed (as in the manifest)
