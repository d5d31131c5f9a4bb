"""The small dataclasses that travel between the workflow and its activities.

They reference files in the run directory and never carry catalog data. The source password
travels inside ExtractionInput, so every payload is encrypted (codec.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sourcesense.extract.catalog import QueryOptions
from sourcesense.extract.filters import Filters
from sourcesense.extract.run import DatabasePart, DatabaseTarget, ExtractRequest
from sourcesense.extract.schemas import DATABASE_KINDS
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source


@dataclass
class SourceSpec:
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    sslmode: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # From an API caller: the worker connects with nothing from its own libpq environment.
    isolated: bool = False
    engine: str = "postgresql"  # last, with a default: runs started before it still decode

    @staticmethod
    def of(source: Source) -> SourceSpec:
        password = source.password.get_secret_value() if source.password is not None else None
        return SourceSpec(
            source.host, source.port, source.user, password, source.database, source.sslmode,
            dict(source.extra), source.isolated, source.engine,
        )  # fmt: skip

    def to_source(self) -> Source:
        fields = {k: v for k, v in vars(self).items() if k != "password"}
        source = Source(**fields)
        return source.with_password(self.password) if self.password is not None else source


@dataclass
class SourceLimits:
    """How long a run may wait on its source: the submitter's settings, carried with the run so
    that every worker applies the same ones and the workflow derives its timeouts from them."""

    statement_timeout_ms: int
    lock_timeout_ms: int
    hang_grace_s: float
    connect_timeout_s: int
    retry_attempts: int
    retry_max_interval_s: int

    @staticmethod
    def of(settings: Settings) -> SourceLimits:
        return SourceLimits(
            settings.statement_timeout_ms, settings.lock_timeout_ms, settings.hang_grace_s,
            settings.connect_timeout_s, settings.source_retry_attempts,
            settings.source_retry_max_interval_s,
        )  # fmt: skip

    def apply(self, settings: Settings) -> Settings:
        """A worker's settings with this run's limits."""
        return settings.model_copy(
            update={
                "statement_timeout_ms": self.statement_timeout_ms,
                "lock_timeout_ms": self.lock_timeout_ms,
                "hang_grace_s": self.hang_grace_s,
                "connect_timeout_s": self.connect_timeout_s,
            }
        )

    def database_timeout(self) -> timedelta:
        """The longest one database's read can take while its server answers: each query
        (the kinds, the snapshot, the locks) at most twice, the second time with twice the
        limit, each bounded by the silence limit, plus connecting."""
        statement_s = self.statement_timeout_ms / 1000 + self.hang_grace_s
        queries = len(DATABASE_KINDS) + 2
        return timedelta(seconds=queries * 3 * statement_s + self.connect_timeout_s)


@dataclass
class ExtractionInput:
    source: SourceSpec
    data_dir: str
    run_id: str
    filters: dict[str, Any] = field(default_factory=dict)  # Filters.recorded()
    all_databases: bool = False
    exact_sizes: bool = True
    include_mcv: bool = False
    lineage: bool = True
    quality: bool = True
    profile: bool = False
    anonymize: bool = False
    # Sampled values and most common values of PII columns: written only when asked.
    include_pii_values: bool = False
    # Copy the previous run's lineage, quality and output for unchanged relations.
    incremental: bool = True
    formats: list[str] = field(default_factory=lambda: ["atlan", "openlineage"])
    transform_options: dict[str, str] = field(default_factory=dict)
    webhook_url: str | None = None
    correlation_id: str | None = None
    limits: SourceLimits = field(default_factory=lambda: SourceLimits.of(get_settings()))

    def request(self) -> ExtractRequest:
        return ExtractRequest(
            source=self.source.to_source(),
            filters=Filters.of(self.filters),
            all_databases=self.all_databases,
            options=QueryOptions(
                exact_sizes=self.exact_sizes,
                include_mcv=self.include_mcv,
                # Masked most common values would all look alike: anonymize leaves them out.
                include_pii_values=self.include_pii_values and not self.anonymize,
            ),
        )


@dataclass
class PartInput:
    extraction: ExtractionInput
    run_dir: str
    target: DatabaseTarget


@dataclass
class FinishInput:
    run_dir: str
    parts: list[DatabasePart]
    elapsed_seconds: float


@dataclass
class StepInput:
    extraction: ExtractionInput
    run_dir: str


@dataclass
class CloseInput:
    """End a run: `outcome` is "cancelled" or "failed" (with `error`), or None for the status
    its steps recorded; `elapsed_seconds`: the whole run's, from the workflow's start."""

    data_dir: str
    run_id: str
    outcome: str | None = None
    error: str | None = None
    elapsed_seconds: float | None = None


@dataclass
class WebhookInput:
    url: str
    run_dir: str
    payload: dict[str, Any]


@dataclass
class RunResult:
    run_id: str
    run_dir: str
    status: str
    counts: dict[str, int]
    errors: list[str]

    @classmethod
    def of(cls, run_dir: str, manifest: dict[str, Any]) -> RunResult:
        return cls(
            manifest["run_id"], run_dir, manifest["status"], manifest["counts"], manifest["errors"]
        )
