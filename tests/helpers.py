"""Small helpers shared by tests: run an extraction, read its Parquet back as rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from sourcesense.extract.filters import Filters
from sourcesense.extract.run import ExtractRequest, RunOutcome, run_extraction
from sourcesense.source import parse_dsn
from tests.pg import PgServer


def extract(
    pg: PgServer, database: str, data_dir: Path, filters: Filters | None = None, **kw: Any
) -> RunOutcome:
    source = parse_dsn(pg.conninfo(database))
    request = ExtractRequest(source=source, filters=filters or Filters(), **kw)
    return run_extraction(request, data_dir)


def rows(outcome: RunOutcome, kind: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = pq.read_table(
        outcome.run_dir / "raw" / f"{kind}.parquet"
    ).to_pylist()
    return data


def one(outcome: RunOutcome, kind: str, **match: Any) -> dict[str, Any]:
    found = [r for r in rows(outcome, kind) if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, f"{kind} {match}: {len(found)} rows"
    return found[0]


# Statistics that autovacuum or a concurrent session may change between two runs.
VOLATILE = {
    "databases": {"size_bytes"},
    "relations": {"live_tuples", "dead_tuples", "last_vacuum", "last_autovacuum", "last_analyze",
                  "last_autoanalyze"},
}  # fmt: skip


def run_contents(run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every raw file's rows, volatile statistics left out: for comparing two runs."""
    contents = {}
    for file in sorted((run_dir / "raw").glob("*.parquet")):
        kind = file.stem
        table = pq.read_table(file)
        keep = [name for name in table.column_names if name not in VOLATILE.get(kind, set())]
        contents[kind] = table.select(keep).to_pylist()
    return contents
