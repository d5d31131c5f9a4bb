"""The small dataclasses that travel between the workflow and its activities.

They reference files in the run directory and never carry catalog data. The source password
travels inside ExtractionInput, so every payload is encrypted (codec.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sourcesense.extract.catalog import QueryOptions
from sourcesense.extract.filters import Filters
from sourcesense.extract.run import DatabasePart, DatabaseTarget, ExtractRequest
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

    @staticmethod
    def of(source: Source) -> SourceSpec:
        password = source.password.get_secret_value() if source.password is not None else None
        return SourceSpec(
            source.host, source.port, source.user, password, source.database, source.sslmode,
            dict(source.extra),
        )  # fmt: skip

    def to_source(self) -> Source:
        fields = {k: v for k, v in vars(self).items() if k != "password"}
        source = Source(**fields)
        return source.with_password(self.password) if self.password is not None else source


@dataclass
class ExtractionInput:
    source: SourceSpec
    data_dir: str
    run_id: str
    filters: dict[str, str] = field(default_factory=dict)
    all_databases: bool = False
    exact_sizes: bool = True
    include_mcv: bool = False
    lineage: bool = True
    quality: bool = True
    profile: bool = False
    anonymize: bool = False
    # Copy the previous run's lineage, quality and output for unchanged relations.
    incremental: bool = True
    formats: list[str] = field(default_factory=lambda: ["atlan", "openlineage"])
    transform_options: dict[str, str] = field(default_factory=dict)
    webhook_url: str | None = None
    correlation_id: str | None = None

    def request(self) -> ExtractRequest:
        return ExtractRequest(
            source=self.source.to_source(),
            filters=Filters(**self.filters),
            all_databases=self.all_databases,
            options=QueryOptions(exact_sizes=self.exact_sizes, include_mcv=self.include_mcv),
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
    its steps recorded."""

    data_dir: str
    run_id: str
    outcome: str | None = None
    error: str | None = None


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
