"""assess(): statistics always, sampled profiling when asked, schema findings, PII classes.

Writes run_dir/quality/column_profiles.parquet and run_dir/quality/findings.parquet, each
under a temporary name in the same folder and renamed into place, and returns the warnings
for the manifest.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.errors import ConfigError
from sourcesense.quality import pii
from sourcesense.quality.findings import schema_findings
from sourcesense.quality.options import QualityOptions
from sourcesense.quality.profiling import profile_tables
from sourcesense.quality.sampling import TableSample
from sourcesense.quality.schemas import FINDINGS_SCHEMA, PROFILE_SCHEMA
from sourcesense.quality.statistics import (
    ColumnInfo,
    TableInfo,
    TableKey,
    load_tables,
    read_raw,
    statistics_profiles,
)
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source

QUALITY_DIR = "quality"
PROFILES_FILE = "column_profiles.parquet"
FINDINGS_FILE = "findings.parquet"


def check_options(options: QualityOptions) -> None:
    if not 0 < options.sample_percent <= 100:
        raise ConfigError("sample_percent must be above 0 and at most 100")
    if options.row_cap < 1:
        raise ConfigError("row_cap must be at least 1")
    if min(options.budget_seconds, options.total_budget_seconds) <= 0:
        raise ConfigError("budget_seconds and total_budget_seconds must be positive")
    if options.statement_timeout_ms < 1:
        raise ConfigError("statement_timeout_ms must be at least 1")


WRITE_BATCH = 20_000


def assess(
    run_dir: Path,
    source: Source | None,
    options: QualityOptions,
    settings: Settings | None = None,
) -> list[str]:
    """Assess a finished extraction run; returns warnings for the manifest."""
    check_options(options)
    warnings: list[str] = []
    raw = read_raw(run_dir, warnings)
    tables = load_tables(raw)
    samples: dict[TableKey, TableSample] = {}
    if options.profile and source is None:
        warnings.append("quality: profiling asked for without a source; statistics only")
    elif options.profile and source is not None:
        samples = profile_tables(source, tables, options, settings or get_settings(), warnings)
    rows = profile_rows(tables, statistics_profiles(raw, tables), samples, options)
    folder = run_dir / QUALITY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / PROFILES_FILE, rows, PROFILE_SCHEMA)
    write_atomically(folder / FINDINGS_FILE, schema_findings(raw), FINDINGS_SCHEMA)
    return warnings


def _sample_fields(sample: TableSample, column: str) -> dict[str, Any]:
    return {
        "method": sample.method,
        "sampling": sample.plan.sampling,
        "sample_percent": sample.plan.percent,
        "sampled_rows": sample.sampled_rows,
        "scaled_row_count": sample.scaled_row_count,
        "profile_seconds": round(sample.seconds, 4),
        **sample.columns[column],
    }


def _classify(col: ColumnInfo, sample: TableSample | None) -> tuple[str | None, str | None]:
    """(pii_class, pii_source). A name's class stands (names are deliberate, while value
    patterns overlap: an SSN like 123-45-6789 also looks like a phone number); values confirm
    it (source 'value') or classify a column whose name says nothing."""
    by_name = pii.classify_name(col.name, col.base_type)
    evidence = sample.evidence.get(col.name) if sample is not None else None
    by_value = pii.classify_values(evidence) if evidence is not None else None
    if by_value is not None and by_name in (None, by_value):
        return by_value, "value"
    return (by_name, "name") if by_name is not None else (None, None)


def profile_rows(
    tables: list[TableInfo],
    statistics: dict[tuple[TableKey, str], dict[str, Any]],
    samples: dict[TableKey, TableSample],
    options: QualityOptions,
) -> Iterator[dict[str, Any]]:
    """Statistics rows, overlaid with sample figures and PII classes; masked when asked."""
    for table in tables:
        sample = samples.get(table.key)
        for col in table.columns:
            row = dict(statistics[(table.key, col.name)])
            if sample is not None:
                row.update(_sample_fields(sample, col.name))
            # Masking needs the class even when classes are not asked for in the output.
            pii_class, source = _classify(col, sample)
            if options.classify_pii:
                row["pii_class"], row["pii_source"] = pii_class, source
            if options.anonymize and pii_class is not None:
                for field in ("min_value", "max_value"):
                    if row.get(field) is not None:
                        row[field] = pii.mask_value(row[field], pii_class)
            yield row


def write_atomically(path: Path, rows: Iterable[dict[str, Any]], schema: pa.Schema) -> None:
    """Write in batches under a temporary name in the same folder, then rename: never a half
    file, and never a whole catalog's profiles in memory at once."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            iterator = iter(rows)
            while batch := list(itertools.islice(iterator, WRITE_BATCH)):
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
