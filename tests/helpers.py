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
