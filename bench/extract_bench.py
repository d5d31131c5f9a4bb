"""Benchmark: `sourcesense extract` end to end against the floor of its own queries.

In one run, on the same catalog, alternating, it measures
  floor   the same bulk queries, in the same snapshot, fetched by the driver and discarded;
  extract `python -m sourcesense extract ... --no-lineage --no-quality --format none`: the
          extraction as a user runs it (process start, embedded Temporal, workflow included)
  full    the default pipeline (lineage, quality statistics, Atlan and OpenLineage output),
          for information
and prints the medians, the extract/floor and full/extract ratios and the peak RSS: of the
largest process and of the whole process tree (the Temporal server included).

    python -m bench.extract_bench --dsn postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.extract_bench            # embedded PostgreSQL 18, catalog built on first use

The catalog (bench/make_catalog.py, default 10,000 tables) is created when missing.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg

from bench.common import prepare
from sourcesense.extract.catalog import QueryOptions, query_params, query_text
from sourcesense.extract.filters import Filters
from sourcesense.extract.schemas import DATABASE_KINDS
from sourcesense.source import connect, parse_dsn


def floor_seconds(conninfo: str) -> float:
    """The same statements as an extraction, rows fetched by the driver and thrown away."""
    started = time.perf_counter()
    params = query_params(Filters(), QueryOptions(), None)
    with connect(parse_dsn(conninfo)) as conn:
        conn.execute(query_text("databases"), {**params, "only_database": conn.info.dbname})
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction(), conn.cursor() as cur:
            for kind in DATABASE_KINDS:
                cur.execute(query_text(kind), params)
                cur.fetchall()
    return time.perf_counter() - started


RAW_ONLY = ["--no-lineage", "--no-quality", "--format", "none"]


def extract_run(conninfo: str, out: Path, extra: list[str]) -> tuple[float, float, float]:
    """Seconds and peak RSS (MB) of `sourcesense extract`, sampled every 20 ms: of its largest
    process (what GNU time's "maximum resident set size" reports for a command) and of its
    whole process tree (the `sourcesense` process and the Temporal dev server it starts)."""
    command = [sys.executable, "-m", "sourcesense", "extract", "--dsn", conninfo, "--out",
               str(out), "--no-progress", *extra]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    watched, largest, tree = psutil.Process(process.pid), 0, 0
    while process.poll() is None:
        with contextlib.suppress(psutil.Error):
            sizes = [p.memory_info().rss for p in [watched, *watched.children(recursive=True)]]
            largest, tree = max(largest, *sizes), max(tree, sum(sizes))
        time.sleep(0.02)
    if process.returncode != 0:
        raise SystemExit(f"sourcesense extract failed with exit code {process.returncode}")
    return time.perf_counter() - started, largest / 2**20, tree / 2**20


def measure(conninfo: str, rounds: int) -> dict[str, Any]:
    floors, extracts, fulls = [], [], []
    with tempfile.TemporaryDirectory() as out:
        floor_seconds(conninfo)  # warm the server's caches once, outside the figures
        for _ in range(rounds):
            floors.append(floor_seconds(conninfo))
            extracts.append(extract_run(conninfo, Path(out), RAW_ONLY))
            # --full-refresh: each full run computes everything, never copying the last one's.
            fulls.append(extract_run(conninfo, Path(out), ["--full-refresh"]))
    floor = statistics.median(floors)
    extract = statistics.median(seconds for seconds, _, _ in extracts)
    full = statistics.median(seconds for seconds, _, _ in fulls)
    return {
        "floor_s": round(floor, 3),
        "extract_s": round(extract, 3),
        "ratio": round(extract / floor, 2),
        "extract_peak_rss_mb": round(max(rss for _, rss, _ in extracts), 1),
        "extract_peak_rss_tree_mb": round(max(tree for _, _, tree in extracts), 1),
        "full_pipeline_s": round(full, 3),
        "full_over_extract": round(full / extract, 2),
        "full_pipeline_peak_rss_mb": round(max(rss for _, rss, _ in fulls), 1),
        "full_pipeline_peak_rss_tree_mb": round(max(tree for _, _, tree in fulls), 1),
        "rounds": rounds,
        "floors": [round(x, 3) for x in floors],
        "extracts": [round(x, 3) for x, _, _ in extracts],
        "fulls": [round(x, 3) for x, _, _ in fulls],
    }


def main() -> int:
    args, conninfo, facts = prepare(__doc__.splitlines()[0] if __doc__ else None)
    print(json.dumps(facts | measure(conninfo, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
