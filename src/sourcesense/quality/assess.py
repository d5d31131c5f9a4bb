"""assess(): statistics always, sampled profiling when asked, schema findings, PII classes.

Writes run_dir/quality/column_profiles.parquet and run_dir/quality/findings.parquet, each
under a temporary name in the same folder and renamed into place, and returns the warnings
for the manifest.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.errors import ConfigError
from sourcesense.incremental.fingerprints import (
    KEY_FIELDS,
    keep_keys,
    key_column,
    relation_key,
    run_starts,
)
from sourcesense.incremental.reuse import Reuse, commit, plan_reuse
from sourcesense.quality import pii
from sourcesense.quality.columnar import statistics_table
from sourcesense.quality.findings import finding_order, schema_findings
from sourcesense.quality.options import QualityOptions
from sourcesense.quality.profiling import SAMPLED_KINDS, profile_tables
from sourcesense.quality.sampling import TableSample
from sourcesense.quality.schemas import FINDINGS_SCHEMA, PROFILE_SCHEMA
from sourcesense.quality.statistics import (
    ColumnInfo,
    RawData,
    TableInfo,
    TableKey,
    load_tables,
    read_raw,
    statistics_profiles,
)
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source
from sourcesense.store.rundir import write_table

QUALITY_STEP = "data_quality"
QUALITY_DIR = "quality"
PROFILES_FILE = "column_profiles.parquet"
FINDINGS_FILE = "findings.parquet"
# The profile fields that hold values read from the table (everything else is a count or a
# figure): what include_pii_values / anonymize govern for PII columns.
SAMPLED_VALUE_FIELDS = ("min_value", "max_value")


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
    incremental: bool = True,
    stop: threading.Event | None = None,
) -> list[str]:
    """Assess a finished extraction run; returns warnings for the manifest. Relations
    unchanged since the previous run keep its profiles and findings (sourcesense.incremental):
    only the changed ones are profiled. Profiling stops between tables once `stop` is set."""
    check_options(options)
    reuse = plan_reuse(run_dir, QUALITY_STEP, asdict(options), incremental)
    warnings: list[str] = []
    raw = read_raw(run_dir, warnings, set(reuse.recomputed) if reuse.keys else None)
    tables: list[TableInfo] = []
    samples: dict[TableKey, TableSample] = {}
    if options.profile and source is None:
        warnings.append("quality: profiling asked for without a source; statistics only")
    if options.profile and source is not None:
        tables = load_tables(raw)
        samples = profile_tables(
            source, tables, options, settings or get_settings(), warnings, stop
        )
        rows = profile_rows(tables, statistics_profiles(raw, tables), samples, options)
        profiles = _as_table(rows, PROFILE_SCHEMA)
    else:
        profiles = _statistics_only(raw, options)
        if options.profile:
            tables = load_tables(raw)
    findings = schema_findings(raw)
    if reuse.keys:
        previous = pq.read_table(reuse.source(f"{QUALITY_DIR}/{PROFILES_FILE}"))
        profiles = merge_sorted(profiles, keep_keys(previous, reuse.keys))
        findings = sorted(findings + _reused_findings(reuse), key=finding_order)
    write_table(run_dir / QUALITY_DIR / PROFILES_FILE, profiles)
    write_table(run_dir / QUALITY_DIR / FINDINGS_FILE, _as_table(findings, FINDINGS_SCHEMA))
    files = {f"{QUALITY_DIR}/{name}": run_dir / QUALITY_DIR / name
             for name in (PROFILES_FILE, FINDINGS_FILE)}  # fmt: skip
    commit(run_dir, reuse, files, _unprofiled(tables, samples) if options.profile else ())
    return warnings


def _statistics_only(raw: RawData, options: QualityOptions) -> pa.Table:
    """Profiles from statistics alone, built column-wise (sourcesense.quality.columnar)."""
    if "relations" not in raw.arrow or "columns" not in raw.arrow:
        return _as_table([], PROFILE_SCHEMA)
    return statistics_table(raw.arrow["relations"], raw.arrow["columns"],
                            raw.arrow.get("column_stats"), options.classify_pii)  # fmt: skip


def merge_sorted(fresh: pa.Table, previous: pa.Table) -> pa.Table:
    """The rows of both in relation order, as a full computation writes them (tables sorted by
    name, columns by position). Each is in that order already and no relation is in both, so
    whole runs of a relation's rows are interleaved: nothing is sorted row by row."""
    runs: list[tuple[tuple[str, ...], int, int, int]] = []  # relation, source, start, end
    for source, table in enumerate((fresh, previous)):
        if table.num_rows == 0:
            continue
        starts = cast(list[int], run_starts(key_column(table).combine_chunks()).to_pylist())
        names = table.select(KEY_FIELDS).take(starts).to_pylist()
        ends = [*starts[1:], table.num_rows]
        runs += [(tuple(n.values()), source, a, b) for n, a, b in zip(names, starts, ends,
                                                                        strict=True)]  # fmt: skip
    slices: list[list[int]] = []
    for _, source, start, end in sorted(runs):
        if slices and slices[-1][0] == source and slices[-1][2] == start:
            slices[-1][2] = end
        else:
            slices.append([source, start, end])
    tables = (fresh, previous)
    return pa.concat_tables(
        [tables[source].slice(start, end - start) for source, start, end in slices] or [fresh]
    )


def _reused_findings(reuse: Reuse) -> list[dict[str, Any]]:
    """The previous run's findings about unchanged relations; sequences are checked anew (their
    last values move without any change to a relation)."""
    previous = keep_keys(pq.read_table(reuse.source(f"{QUALITY_DIR}/{FINDINGS_FILE}")), reuse.keys)
    found: list[dict[str, Any]] = previous.filter(
        pc.field("check") != "sequence_near_max"
    ).to_pylist()
    return found


def _unprofiled(tables: list[TableInfo], samples: dict[TableKey, TableSample]) -> list[str]:
    """Tables profiling would read but did not (budget, timeout, privilege): tried again next
    run rather than reused."""
    return [
        relation_key(*table.key)
        for table in tables
        if table.relation["kind"] in SAMPLED_KINDS and table.columns and table.key not in samples
    ]


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
    """Statistics rows, overlaid with sample figures and PII classes. A PII column's sampled
    values are left out unless include_pii_values, and then masked with anonymize."""
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
            if pii_class is not None:
                _protect_values(row, pii_class, options)
            yield row


def _protect_values(row: dict[str, Any], pii_class: str, options: QualityOptions) -> None:
    """A PII column's sampled values: left out unless asked for, masked if anonymize."""
    for field in SAMPLED_VALUE_FIELDS:
        if row.get(field) is None:
            continue
        if not options.include_pii_values:
            row[field] = None
        elif options.anonymize:
            row[field] = pii.mask_value(row[field], pii_class)


def _as_table(rows: Iterable[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows into Arrow in batches: never a whole catalog's profiles as dicts at once."""
    iterator = iter(rows)
    batches = []
    while batch := list(itertools.islice(iterator, WRITE_BATCH)):
        batches.append(pa.RecordBatch.from_pylist(batch, schema=schema))
    return pa.Table.from_batches(batches, schema=schema)
