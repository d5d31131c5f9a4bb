"""Benchmark: `sourcesense extract` end to end against the floor of its own queries.

In one run, on the same catalog, alternating, it measures
  floor   the same bulk queries, in the same snapshot, fetched by the driver and discarded;
  extract `python -m sourcesense extract ...` as a user runs it (process start included),
and prints the medians, their ratio and the extract process's peak RSS.

    python -m bench.extract_bench --dsn postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.extract_bench            # embedded PostgreSQL 18, catalog built on first use

The catalog (bench/make_catalog.py, default 10,000 tables) is created when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from bench.make_catalog import make_catalog
from sourcesense import embedded
from sourcesense.extract.catalog import QueryOptions, query_params, query_text
from sourcesense.extract.filters import Filters
from sourcesense.extract.schemas import DATABASE_KINDS
from sourcesense.source import connect, parse_dsn


def ensure_catalog(admin: str, database: str, tables: int) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
    if found is None:
        print(f"building catalog {database} ({tables} tables) ...", file=sys.stderr)
        make_catalog(admin, database, tables=tables)


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


def extract_seconds(conninfo: str, out: Path) -> float:
    command = [sys.executable, "-m", "sourcesense", "extract", "--dsn", conninfo]
    started = time.perf_counter()
    subprocess.run(
        [*command, "--out", str(out), "--no-progress"], check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def measure(conninfo: str, rounds: int) -> dict[str, Any]:
    floors, extracts = [], []
    with tempfile.TemporaryDirectory() as out:
        floor_seconds(conninfo)  # warm the server's caches once, outside the figures
        for _ in range(rounds):
            floors.append(floor_seconds(conninfo))
            extracts.append(extract_seconds(conninfo, Path(out)))
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    floor, extract = statistics.median(floors), statistics.median(extracts)
    return {
        "floor_s": round(floor, 3),
        "extract_s": round(extract, 3),
        "ratio": round(extract / floor, 2),
        "extract_peak_rss_mb": round(peak_kib / 1024, 1),
        "rounds": rounds,
        "floors": [round(x, 3) for x in floors],
        "extracts": [round(x, 3) for x in extracts],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dsn", help="admin conninfo; default: an embedded PostgreSQL")
    parser.add_argument("--database", default="sourcesense_bench_10k")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    admin = args.dsn
    if admin is None:
        admin = embedded.start(Path(tempfile.gettempdir()) / "sourcesense-bench-pg").conninfo()
    ensure_catalog(admin, args.database, args.tables)
    conninfo = make_conninfo(admin, dbname=args.database)
    with psycopg.connect(conninfo) as conn:
        version = conn.info.parameter_status("server_version")
    result = {"server": f"PostgreSQL {version}", "tables": args.tables, "cpus": os.cpu_count()}
    print(json.dumps(result | measure(conninfo, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
