"""What a quality assessment may do: statistics always, sampled profiling only when asked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QualityOptions:
    # Profiling reads table data, so it is opt-in; statistics alone read only the catalog.
    profile: bool = False
    sample_percent: float = 1.0
    row_cap: int = 100_000
    budget_seconds: float = 10.0  # per table: bounds its one profiling query
    statement_timeout_ms: int = 5_000  # per profiling query
    anonymize: bool = False
    # Sampled values (min/max) of PII columns are personal data: written only when asked
    # (`--include-pii-values`), and then masked if anonymize is also set.
    include_pii_values: bool = False
    classify_pii: bool = True
    # Across all tables: once spent, the remaining tables keep statistics only.
    total_budget_seconds: float = 300.0
